package extract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// rowGroupRows bounds a row group, so DuckDB reads a big table in parallel
// (it gives each thread whole row groups). DuckDB's own row group size.
const rowGroupRows = 122880

// copyTo writes the rows of query to a zstd Parquet file at path (the
// fastest level: raw/ is read once, by the run that wrote it), written
// aside (a hidden name in the same directory) and renamed into place when
// complete, so path is never a partial file.
func copyTo(ctx context.Context, s *session, query, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	err := s.exec(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE %d)", query, lit(tmp), rowGroupRows))
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("extract: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("extract: %w", err)
	}
	return nil
}
