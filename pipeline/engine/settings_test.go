package engine

import (
	"context"
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
