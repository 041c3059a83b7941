package extract

import "runtime/debug"

// SetPGSnapshotTaken makes f run once a PostgreSQL read holds its
// transaction's snapshot, before any table is read; restore undoes it.
func SetPGSnapshotTaken(f func()) (restore func()) {
	old := pgSnapshotTaken
	pgSnapshotTaken = f
	return func() { pgSnapshotTaken = old }
}

// GCLimitWithKeys reserves a key set for n keys and returns the Go memory
// limit while it is held and after it is released, the set's bytes, and
// whether its slots were mapped outside the Go heap. heap: take the heap
// path whatever the size (as where mapping is not available).
func GCLimitWithKeys(n int64, heap bool) (held, after, bytes int64, mapped bool) {
	if heap {
		defer func(m func(int) ([]keySlot, bool)) { mapLarge = m }(mapLarge)
		mapLarge = func(int) ([]keySlot, bool) { return nil, false }
	}
	var s keySet
	s.reserve(n)
	held = debug.SetMemoryLimit(-1)
	bytes, mapped = int64(len(s.slots))*slotBytes, s.mapped
	s.release()
	return held, debug.SetMemoryLimit(-1), bytes, mapped
}

// KeySetFinds puts n distinct keys into a key set that starts at
// initial slots and grows as it must (from the heap onto mapped slots),
// then every key again, and returns how many of the first puts found a key
// already there, how many of the second found their own row, and whether
// the final slots were mapped.
func KeySetFinds(n, initial int) (firstSeen, secondFound int, mapped bool) {
	var s keySet
	defer s.release()
	s.resize(initial)
	// pairs of keys share a first half, and half of them a second half, so
	// a set that compared only one half would take them for each other
	key := func(i int) keyHash { return keyHash{uint64(i/2) * 0x9E3779B97F4A7C15, uint64(i % 2)} }
	for i := 1; i <= n; i++ {
		if _, seen := s.putIfAbsent(key(i), int64(i)); seen {
			firstSeen++
		}
	}
	for i := 1; i <= n; i++ {
		if row, seen := s.putIfAbsent(key(i), -1); seen && row == int64(i) {
			secondFound++
		}
	}
	return firstSeen, secondFound, s.mapped
}

// IDSetHas builds an id set of ids and asks it about each probe; after
// release, whether it still holds anything.
func IDSetHas(ids, probes []string) (has []bool, afterRelease bool) {
	s := newIDSet(len(ids))
	for _, id := range ids {
		s.add(id)
	}
	for _, p := range probes {
		has = append(has, s.has(p))
	}
	s.release()
	for _, id := range ids {
		afterRelease = afterRelease || s.has(id)
	}
	var none *idSet
	return has, afterRelease || none.has("")
}
