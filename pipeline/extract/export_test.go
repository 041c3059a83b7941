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
// limit while it is held and after it is released, and the set's bytes.
func GCLimitWithKeys(n int64) (held, after, bytes int64) {
	var s keySet
	s.reserve(n)
	held = debug.SetMemoryLimit(-1)
	bytes = int64(len(s.slots)) * slotBytes
	s.release()
	return held, debug.SetMemoryLimit(-1), bytes
}
