package extract

import (
	"encoding/binary"
	"hash/maphash"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"
)

// keyHasher hashes a row's key to 128 bits (two independently seeded
// 64-bit hashes), so the key set holds 16 bytes a row, not the key text.
// Two different keys collide with odds of about n²/2^129: for 10^8 rows,
// 1 in 10^22.
type keyHasher struct {
	a, b maphash.Hash
	n    [binary.MaxVarintLen64]byte
}

func newKeyHasher() *keyHasher {
	h := &keyHasher{}
	h.a.SetSeed(maphash.MakeSeed())
	h.b.SetSeed(maphash.MakeSeed())
	return h
}

// sum hashes the row's key; false when a key value is null or not text.
func (h *keyHasher) sum(rec *record, s keyed) (keyHash, bool) {
	h.a.Reset()
	h.b.Reset()
	cols := s.columns()
	for _, i := range s.keyColumns() {
		v := &rec.vals[i]
		if v.kind != text {
			return keyHash{}, false
		}
		t := v.text
		if cols[i].upper {
			t = strings.ToUpper(t)
		}
		n := binary.PutUvarint(h.n[:], uint64(len(t))) // length first: ("a|", "b") and ("a", "|b") differ
		h.a.Write(h.n[:n])
		h.a.WriteString(t)
		h.b.Write(h.n[:n])
		h.b.WriteString(t)
	}
	return keyHash{h.a.Sum64(), h.b.Sum64()}, true
}

type keyHash [2]uint64

// idSet is a set of ids held as their 128-bit hashes in a keySet (the
// accepted partner_ids, against which every row's partner_id is checked).
// A Go map of strings took two cache misses a lookup (its slot, then the
// key's bytes elsewhere on the heap to compare) and, with 2M partners at
// 100M bookings, a sixth of extraction's CPU (BENCHMARKS.md); the key set
// takes one, on huge pages. An id outside the set is taken for a member only
// if its hash equals a member's, with the odds of two duplicate keys
// colliding above. Once built it is only read, so rows of several tables
// may be checked against it at once.
type idSet struct {
	a, b maphash.Seed
	keys keySet
}

func newIDSet(n int) *idSet {
	s := &idSet{a: maphash.MakeSeed(), b: maphash.MakeSeed()}
	s.keys.reserve(int64(n))
	return s
}

func (s *idSet) hash(id string) keyHash {
	return keyHash{maphash.String(s.a, id), maphash.String(s.b, id)}
}

// add puts id in the set; not safe with other calls.
func (s *idSet) add(id string) { s.keys.putIfAbsent(s.hash(id), 1) }

// has reports whether id is in the set; a nil set has nothing.
func (s *idSet) has(id string) bool {
	if s == nil {
		return false
	}
	_, ok := s.keys.get(s.hash(id))
	return ok
}

// release gives the set's memory back; the set is then empty.
func (s *idSet) release() {
	if s != nil {
		s.keys.release()
	}
}

// keySet maps key hashes to a row number. It is an open-addressing table
// with linear probing: a lookup that inserts is one probe sequence, where a
// Go map takes two (lookup, then assign), and with millions of keys each
// probe is a cache miss. The hashes are already uniform, so no rehashing
// of the key is needed. Row numbers are never 0, which marks a free slot.
// A large table lives outside the Go heap, on huge pages (mapSlots).
type keySet struct {
	slots  []keySlot
	mapped bool // slots come from mapSlots, outside the Go heap
	n      int
}

type keySlot struct {
	key keyHash
	row int64
}

// putIfAbsent returns the row stored under k, or stores row and returns
// false.
func (s *keySet) putIfAbsent(k keyHash, row int64) (int64, bool) {
	if 4*(s.n+1) > 3*len(s.slots) { // keep the load under 3/4
		s.grow()
	}
	sl := s.find(k)
	if sl.row != 0 {
		return sl.row, true
	}
	sl.key, sl.row = k, row
	s.n++
	return 0, false
}

// get returns the row stored under k; it only reads.
func (s *keySet) get(k keyHash) (int64, bool) {
	if len(s.slots) == 0 {
		return 0, false
	}
	sl := s.find(k)
	return sl.row, sl.row != 0
}

// find is k's slot, or the free slot where k would go; the set must have
// a free slot.
func (s *keySet) find(k keyHash) *keySlot {
	mask := uint64(len(s.slots) - 1)
	for i := k[0] & mask; ; i = (i + 1) & mask {
		if sl := &s.slots[i]; sl.row == 0 || sl.key == k {
			return sl
		}
	}
}

// prefetch starts fetching k's first slot. With millions of keys each probe
// is a cache miss and, in a virtual machine, a page walk through two page
// tables: issued a few rows ahead of the probe (table.go), they run while
// the rows in between are converted (BENCHMARKS.md, item 17).
func (s *keySet) prefetch(k keyHash) {
	if len(s.slots) > 0 {
		prefetch(unsafe.Pointer(&s.slots[k[0]&uint64(len(s.slots)-1)]))
	}
}

// reserve sizes the set for n keys, so it need not grow on the way.
func (s *keySet) reserve(n int64) {
	size := 1024
	for int64(size)*3 < n*4 && size < 1<<31 {
		size *= 2
	}
	if size > len(s.slots) {
		s.resize(size)
	}
}

func (s *keySet) grow() { s.resize(max(1024, 2*len(s.slots))) }

// release gives the set's memory back (and its share of the GC limit).
func (s *keySet) release() {
	s.free(s.slots, s.mapped)
	s.slots, s.mapped, s.n = nil, false, 0
}

// free gives back slots allocated by alloc.
func (s *keySet) free(slots []keySlot, mapped bool) {
	if mapped {
		unmapSlots(slots)
	} else {
		keyMemory(-int64(len(slots)) * slotBytes)
	}
}

// mapLarge maps large tables (mapSlots; tests replace it to take the heap
// path).
var mapLarge = mapSlots

// alloc returns size zeroed slots: mapped outside the Go heap when they
// are large (mapSlots), else on the heap, counted in the GC limit
// (keyMemory).
func alloc(size int) ([]keySlot, bool) {
	if int64(size)*slotBytes >= mappedSlotsFrom {
		if slots, ok := mapLarge(size); ok {
			return slots, true
		}
	}
	keyMemory(int64(size) * slotBytes)
	return make([]keySlot, size), false
}

const slotBytes = int64(unsafe.Sizeof(keySlot{}))

func (s *keySet) resize(size int) {
	old, oldMapped := s.slots, s.mapped
	s.slots, s.mapped = alloc(size)
	defer s.free(old, oldMapped)
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.row == 0 {
			continue
		}
		i := sl.key[0] & mask
		for s.slots[i].row != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}

// keyHeadroom is how far the Go heap may grow beyond the live key sets
// before the collector runs (keyMemory).
const keyHeadroom = 1 << 30

// keyMem is the memory of the key sets in use, and the GC memory limit the
// process had before the first of them.
var keyMem struct {
	sync.Mutex
	bytes int64
	prior int64
}

// keyMemory accounts for n more (or, negative, fewer) bytes of key slots on
// the Go heap and sets Go's soft memory limit to those live key sets plus
// keyHeadroom. By default Go lets the heap grow to twice the live heap
// between collections; with 3.2 GB of slots on the heap at 100M bookings,
// that let the garbage of parsed rows take extract's RSS to 7.35 GiB
// (BENCHMARKS.md). The slots hold no pointers, so the more frequent
// collections do not scan them. The limit never rises above the one the
// process had (GOMEMLIMIT), and comes back to it when no key set is live.
// Large sets are mapped outside the heap (mapSlots), where they are not
// the collector's concern; this is for the small ones and for systems
// where mapping is not available.
func keyMemory(n int64) {
	keyMem.Lock()
	defer keyMem.Unlock()
	if n == 0 {
		return
	}
	if keyMem.bytes == 0 {
		keyMem.prior = debug.SetMemoryLimit(-1)
	}
	keyMem.bytes += n
	if keyMem.bytes <= 0 {
		keyMem.bytes = 0
		debug.SetMemoryLimit(keyMem.prior)
		return
	}
	debug.SetMemoryLimit(min(keyMem.prior, keyMem.bytes+keyHeadroom))
}
