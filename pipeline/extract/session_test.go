package extract

import (
	"context"
	"testing"
)

// The extraction session keeps part of memory_limit in DuckDB's block
// allocator (engine.Open does the same, and tests the share).
func TestSessionKeepsBlockMemory(t *testing.T) {
	s, err := openSession(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var memory, blocks string
	if err := s.conn.QueryRowContext(context.Background(),
		"SELECT current_setting('memory_limit'), current_setting('block_allocator_memory')").Scan(&memory, &blocks); err != nil {
		t.Fatal(err)
	}
	if blocks == "0 bytes" || blocks == memory {
		t.Errorf("memory_limit %s, block_allocator_memory %s: want a share of the limit kept", memory, blocks)
	}
}
