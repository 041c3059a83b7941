package extract

// SetPGSnapshotTaken makes f run once a PostgreSQL read holds its
// transaction's snapshot, before any table is read; restore undoes it.
func SetPGSnapshotTaken(f func()) (restore func()) {
	old := pgSnapshotTaken
	pgSnapshotTaken = f
	return func() { pgSnapshotTaken = old }
}
