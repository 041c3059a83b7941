package lake

import "database/sql"

// ConnForTest gives tests the snapshot's connection without Query's gate,
// to check DuckDB's own lock-down.
func ConnForTest(s *Snapshot) *sql.Conn { return s.conn }
