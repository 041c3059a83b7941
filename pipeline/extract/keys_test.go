package extract_test

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"tally/pipeline/extract"
)

// A key set on the Go heap (a small one, or where large ones cannot be
// mapped): while it is held, Go's soft memory limit is the key sets plus
// 1 GiB of headroom, so the garbage of parsed rows cannot double extract's
// RSS; released, the process's own limit is back. A GOMEMLIMIT lower than
// that is kept.
func TestKeySetBoundsTheGoHeap(t *testing.T) {
	prior := debug.SetMemoryLimit(-1)
	if prior != math.MaxInt64 {
		t.Skipf("GOMEMLIMIT is set (%d)", prior)
	}
	held, after, bytes, mapped := extract.GCLimitWithKeys(10_000_000, true)
	if mapped {
		t.Fatal("the heap path mapped its slots")
	}
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
	if held, after, _, _ := extract.GCLimitWithKeys(10_000_000, true); held != 512<<20 || after != 512<<20 {
		t.Errorf("with GOMEMLIMIT 512 MiB: %d while held, %d after", held, after)
	}
}

// On Linux a large key set is mapped outside the Go heap (on huge pages
// where the kernel gives them), so it leaves the GC limit alone; a small
// one stays on the heap.
func TestLargeKeySetIsMappedOutsideTheHeap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapped key sets are Linux only")
	}
	prior := debug.SetMemoryLimit(-1)
	held, after, bytes, mapped := extract.GCLimitWithKeys(10_000_000, false)
	if !mapped {
		t.Fatalf("a set of %d bytes was not mapped", bytes)
	}
	if held != prior || after != prior {
		t.Errorf("GC limit %d while a mapped set was held, %d after; want %d", held, after, prior)
	}
	if _, _, _, mapped := extract.GCLimitWithKeys(1000, false); mapped {
		t.Error("a set for 1,000 keys was mapped")
	}
}

// A set that starts small and grows from heap slots onto mapped ones keeps
// every key: each is new the first time and found, with its row, the second.
func TestKeySetKeepsEveryKeyAsItGrows(t *testing.T) {
	const n = 400_000 // grows to 2^20 slots, 24 MiB: mapped on Linux
	firstSeen, secondFound, mapped := extract.KeySetFinds(n, 1024)
	if firstSeen != 0 {
		t.Errorf("%d of %d distinct keys were found already present", firstSeen, n)
	}
	if secondFound != n {
		t.Errorf("%d of %d keys found with their row the second time", secondFound, n)
	}
	if runtime.GOOS == "linux" && !mapped {
		t.Error("the grown set was not mapped")
	}
}

// The accepted partners' set holds exactly its ids: every member is found,
// and no id that differs from all of them (by case, by a character, by a
// prefix, or empty) is.
func TestIDSetHoldsExactlyItsIDs(t *testing.T) {
	const n = 300_000 // a mapped set on Linux
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("P%07d", i)
	}
	probes := append([]string{}, ids...)
	for i := 0; i < n; i += 7 {
		probes = append(probes, fmt.Sprintf("P%07d", i+n), fmt.Sprintf("p%07d", i), fmt.Sprintf("P%07d ", i), fmt.Sprintf("P%06d", i/10))
	}
	probes = append(probes, "", "P")
	has, after := extract.IDSetHas(ids, probes)
	for i, p := range probes {
		if want := i < n; has[i] != want {
			t.Fatalf("has(%q) = %v, want %v", p, has[i], want)
		}
	}
	if after {
		t.Error("the set still held ids after release")
	}
}
