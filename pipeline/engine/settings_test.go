package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// DuckDB's block allocator keeps three quarters of memory_limit for the
// run, whatever the limit (a share of it, so set after it).
func TestOpenKeepsBlockMemory(t *testing.T) {
	for limit, bytes := range map[string]int64{"1GB": 1_000_000_000, "4GB": 4_000_000_000} {
		e, err := Open(context.Background(), Settings{MemoryLimit: limit, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		// DuckDB shows both settings through the formatter of format_bytes
		var memory, blocks string
		var share bool
		err = e.DB().QueryRow(`SELECT current_setting('memory_limit'), current_setting('block_allocator_memory'),
			current_setting('memory_limit') = format_bytes($1::BIGINT)
			AND current_setting('block_allocator_memory') = format_bytes(($1 * 3 // 4)::BIGINT)`, bytes).Scan(&memory, &blocks, &share)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !share {
			t.Errorf("memory_limit %s (%s): block_allocator_memory %s; want three quarters of the limit", limit, memory, blocks)
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
