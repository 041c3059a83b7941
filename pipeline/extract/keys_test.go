package extract_test

import (
	"math"
	"runtime/debug"
	"testing"

	"tally/pipeline/extract"
)

// While a key set is held, Go's soft memory limit is the key sets plus 1 GiB
// of headroom, so the garbage of parsed rows cannot double extract's RSS;
// released, the process's own limit is back. A GOMEMLIMIT lower than that
// is kept.
func TestKeySetBoundsTheGoHeap(t *testing.T) {
	prior := debug.SetMemoryLimit(-1)
	if prior != math.MaxInt64 {
		t.Skipf("GOMEMLIMIT is set (%d)", prior)
	}
	held, after, bytes := extract.GCLimitWithKeys(10_000_000)
	if bytes < 10_000_000*16 {
		t.Fatalf("a set for 10M keys holds %d bytes", bytes)
	}
	if held != bytes+1<<30 {
		t.Errorf("limit while held: %d, want %d (the set) + 1 GiB", held, bytes)
	}
	if after != prior {
		t.Errorf("limit after release: %d, want %d", after, prior)
	}

	debug.SetMemoryLimit(512 << 20)
	defer debug.SetMemoryLimit(prior)
	if held, after, _ := extract.GCLimitWithKeys(10_000_000); held != 512<<20 || after != 512<<20 {
		t.Errorf("with GOMEMLIMIT 512 MiB: %d while held, %d after", held, after)
	}
}
