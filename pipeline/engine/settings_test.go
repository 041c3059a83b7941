package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// bytesOf reads DuckDB's display of a memory size ("953.6 MiB").
func bytesOf(t *testing.T, shown string) float64 {
	t.Helper()
	num, unit, ok := strings.Cut(shown, " ")
	scale := map[string]float64{"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || scale == 0 || err != nil {
		t.Fatalf("cannot read the memory size %q", shown)
	}
	return v * scale
}

// DuckDB's block allocator keeps three quarters of memory_limit for the
// run, whatever the limit (a share of it, so set after it).
func TestOpenKeepsBlockMemory(t *testing.T) {
	for _, limit := range []string{"1GB", "4GB"} {
		e, err := Open(context.Background(), Settings{MemoryLimit: limit, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		var memory, blocks string
		err = e.DB().QueryRow("SELECT current_setting('memory_limit'), current_setting('block_allocator_memory')").Scan(&memory, &blocks)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		if share := bytesOf(t, blocks) / bytesOf(t, memory); share < 0.72 || share > 0.78 {
			t.Errorf("memory_limit %s (%s): block_allocator_memory %s, %.2f of it; want 0.75 (DuckDB shows one decimal)", limit, memory, blocks, share)
		}
	}
}

// A model's disable_optimizers header turns those DuckDB optimizers off
// while it runs, and only then: after it, failed or not, they are on.
func TestModelDisablesOptimizersWhileItRuns(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Settings{MemoryLimit: "1GB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	setting := func() string {
		var s string
		if err := e.DB().QueryRow("SELECT current_setting('disabled_optimizers')").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := setting()
	m := model{name: "a", disable: "build_side_probe_side, join_order"}
	var during string
	if err := e.withOptimizers(ctx, m, func() error { during = setting(); return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(during, "build_side_probe_side") || !strings.Contains(during, "join_order") {
		t.Errorf("while the model runs disabled_optimizers is %q, want both of %q", during, m.disable)
	}
	if after := setting(); after != before {
		t.Errorf("after the model disabled_optimizers is %q, want %q as before it", after, before)
	}
	failed := errors.New("the model failed")
	if err := e.withOptimizers(ctx, m, func() error { return failed }); !errors.Is(err, failed) {
		t.Errorf("a failing model: got %v, want its error", err)
	}
	if after := setting(); after != before {
		t.Errorf("after a failed model disabled_optimizers is %q, want %q", after, before)
	}
	if during = ""; e.withOptimizers(ctx, model{name: "b"}, func() error { during = setting(); return nil }) != nil || during != before {
		t.Errorf("a model without the header ran with disabled_optimizers %q, want %q", during, before)
	}
}
