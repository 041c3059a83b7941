package extract

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// session is the in-memory DuckDB that reads, checks and lands the
// inputs, through one connection (the staged tables and views are its
// own). Whoever opens it closes it.
type session struct {
	db      *sql.DB
	conn    *sql.Conn
	tempDir string // removed on close when the session made it
	ownTemp bool
	rename  map[string]string // text in DuckDB's errors -> what to show (an input's /proc/self/fd path -> its file)
}

// DefaultMemoryLimit is DuckDB's memory_limit during extraction: the
// staged rows spill to the temporary directory beyond it.
const DefaultMemoryLimit = "1GB"

func openSession(ctx context.Context, memoryLimit, tempDir string) (_ *session, err error) {
	s := &session{tempDir: tempDir, rename: map[string]string{}}
	if s.tempDir == "" {
		if s.tempDir, err = os.MkdirTemp("", "tally-extract-"); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		s.ownTemp = true
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.db, err = sql.Open("duckdb", ""); err != nil {
		return nil, fmt.Errorf("extract: open DuckDB: %w", err)
	}
	if s.conn, err = s.db.Conn(ctx); err != nil {
		return nil, fmt.Errorf("extract: open DuckDB: %w", err)
	}
	if memoryLimit == "" {
		memoryLimit = DefaultMemoryLimit
	}
	settings := []string{
		"SET memory_limit = " + lit(memoryLimit),
		// keep the blocks of memory_limit for the session rather than give
		// them back to the OS and fault them in again (see engine.Open)
		"SET block_allocator_memory = '75%'",
		"SET temp_directory = " + lit(s.tempDir),
		// row order is the files' order: rowid numbers the rows of a CSV file
		"SET preserve_insertion_order = true",
	}
	for _, q := range append(settings, macros...) {
		if err := s.exec(ctx, q); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// exec runs statements that return no rows.
func (s *session) exec(ctx context.Context, query string, args ...any) error {
	if _, err := s.conn.ExecContext(ctx, query, args...); err != nil {
		return s.wrap(err)
	}
	return nil
}

// wrap is a DuckDB error with the paths it names made readable, and the
// context's error when the statement was interrupted.
func (s *session) wrap(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for from, to := range s.rename {
		msg = strings.ReplaceAll(msg, from, to)
	}
	return &duckError{msg: msg, err: err}
}

// duckError is an error of DuckDB with its message rewritten.
type duckError struct {
	msg string
	err error
}

func (e *duckError) Error() string { return e.msg }
func (e *duckError) Unwrap() error { return e.err }

// count runs a query giving one integer.
func (s *session) count(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	if err := s.conn.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, s.wrap(err)
	}
	return n, nil
}

// appendRows fills table through DuckDB's Appender: fill calls add once
// per row, with one value per column of the table.
func (s *session) appendRows(ctx context.Context, table string, fill func(add func(row ...driver.Value) error) error) error {
	return s.conn.Raw(func(dc any) (err error) {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("extract: appender for %s: %w", table, err)
		}
		defer func() { err = errors.Join(err, a.CloseWithCancel(ctx)) }()
		return fill(func(row ...driver.Value) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return a.AppendRow(row...)
		})
	})
}

func (s *session) close() error {
	var err error
	if s.conn != nil {
		err = s.conn.Close()
	}
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
	}
	if s.ownTemp {
		err = errors.Join(err, os.RemoveAll(s.tempDir))
	}
	return err
}
