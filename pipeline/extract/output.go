package extract

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// rowGroupRows bounds a row group, so the writer holds at most this many
// rows' pages in memory and DuckDB can read a big table in parallel: it
// gives each thread whole row groups, so a 1M-row table in one row group
// was read, and every model built on it run, by one thread. DuckDB's own
// row group size.
const rowGroupRows = 122880

// codec is shared by every writer; it pools its encoders. raw/ is read
// once, right after it is written, so the fastest level wins: against the
// default it costs about 20% in size and saves about half the zstd time.
var codec = &zstd.Codec{Level: zstd.SpeedFastest}

// parquetFile is a Parquet file of typed rows written aside: rows go to a
// temporary file next to path, which commit renames into place. Whoever
// creates one calls commit or abort; abort after commit does nothing, and
// every method is a no-op on a nil *parquetFile.
type parquetFile[T any] struct {
	path string
	tmp  string
	f    *os.File
	w    *parquet.GenericWriter[T]
	done bool
}

// createdBy names the writer in every file's footer. parquet-go's default
// reads its version from the binary's build information, which differs
// between a test binary, `go run` and a release build: the same rows would
// give other bytes.
var createdBy = writerName("tally (github.com/parquet-go/parquet-go)")

type writerName string

func (n writerName) ConfigureWriter(c *parquet.WriterConfig) { c.CreatedBy = string(n) }

func createParquet[T any](path string) (*parquetFile[T], error) {
	return createParquetAt[T](path, filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp"), codec)
}

// createScratch is a Parquet file read back once and removed (a table's
// rejects before they are merged): not worth compressing.
func createScratch[T any](path string) (*parquetFile[T], error) {
	return createParquetAt[T](path, path, &uncompressed.Codec{})
}

func createParquetAt[T any](path, tmp string, codec compress.Codec) (*parquetFile[T], error) {
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	f, err := os.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	// Page-level statistics cost a second min/max pass over every page and
	// DuckDB prunes on the row groups' statistics, which are kept.
	w := parquet.NewGenericWriter[T](f, parquet.Compression(codec), parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.DataPageStatistics(false), createdBy)
	return &parquetFile[T]{path: path, tmp: tmp, f: f, w: w}, nil
}

func (p *parquetFile[T]) write(rows []T) error {
	if p == nil || len(rows) == 0 {
		return nil
	}
	if _, err := p.w.Write(rows); err != nil {
		return fmt.Errorf("extract: write %s: %w", p.tmp, err)
	}
	return nil
}

// finish writes the footer and closes the temporary file.
func (p *parquetFile[T]) finish() error {
	if p == nil || p.done {
		return nil
	}
	p.done = true
	err := p.w.Close()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("extract: write %s: %w", p.tmp, err)
	}
	return nil
}

// commit finishes the file and renames it into place.
func (p *parquetFile[T]) commit() error {
	if p == nil {
		return nil
	}
	if err := p.finish(); err != nil {
		return err
	}
	if err := os.Rename(p.tmp, p.path); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	p.tmp = ""
	return nil
}

// abort closes and removes the temporary file.
func (p *parquetFile[T]) abort() {
	if p == nil {
		return
	}
	if !p.done {
		p.done = true
		p.w.Close()
		p.f.Close()
	}
	if p.tmp != "" {
		os.Remove(p.tmp)
		p.tmp = ""
	}
}

// drop rewrites the finished rows without those for which skip is true,
// streaming: the temporary file is read back in batches.
func (p *parquetFile[T]) drop(skip func(*T) bool) error {
	if err := p.finish(); err != nil {
		return err
	}
	next, err := createParquetAt[T](p.path, p.tmp+".new", codec)
	if err != nil {
		return err
	}
	defer next.abort()
	err = readParquet(p.tmp, func(rows []T) error {
		kept := rows[:0]
		for i := range rows {
			if !skip(&rows[i]) {
				kept = append(kept, rows[i])
			}
		}
		return next.write(kept)
	})
	if err == nil {
		err = next.finish()
	}
	if err == nil {
		err = os.Rename(next.tmp, p.tmp)
	}
	if err != nil {
		return fmt.Errorf("extract: rewrite %s: %w", p.tmp, err)
	}
	next.tmp = ""
	return nil
}

// readParquet hands the rows of a file this package wrote to use, in
// batches that are reused once use returns.
func readParquet[T any](path string, use func([]T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	rows := make([]T, batchSize)
	for {
		clear(rows) // the reader may append to what a row held
		n, err := r.Read(rows)
		if n > 0 {
			if uerr := use(rows[:n]); uerr != nil {
				return uerr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
