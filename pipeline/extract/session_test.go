package extract

import (
	"context"
	"testing"
)

// The extraction session keeps three quarters of its memory_limit in
// DuckDB's block allocator, whatever the limit (engine.Open does the same).
// DuckDB shows both settings through the formatter of format_bytes, so the
// share is compared in the session itself.
func TestSessionKeepsBlockMemory(t *testing.T) {
	for limit, bytes := range map[string]int64{"1GB": 1_000_000_000, "3GB": 3_000_000_000} {
		s, err := openSession(context.Background(), limit, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var memory, blocks string
		var share bool
		err = s.conn.QueryRowContext(context.Background(),
			`SELECT current_setting('memory_limit'), current_setting('block_allocator_memory'),
			        current_setting('memory_limit') = format_bytes($1::BIGINT)
			        AND current_setting('block_allocator_memory') = format_bytes(($1 * 3 // 4)::BIGINT)`,
			bytes).Scan(&memory, &blocks, &share)
		s.close()
		if err != nil {
			t.Fatal(err)
		}
		if !share {
			t.Errorf("memory_limit %s (%s): block_allocator_memory %s; want three quarters of the limit", limit, memory, blocks)
		}
	}
}
