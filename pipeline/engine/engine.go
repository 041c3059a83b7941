// Package engine runs the rules: it loads the raw Parquet and the rule tables
// into DuckDB, runs the SQL models of sql/ in order, runs the checks that gate
// publishing, and writes the output tables as Parquet. It is the one place
// that holds a DuckDB connection while computing.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"tally/pipeline/rulebook"
	tallysql "tally/sql"
)

// Settings are the DuckDB resources a run may use. Big runs spill to
// TempDir instead of dying when MemoryLimit is reached.
type Settings struct {
	MemoryLimit string // e.g. "4GB"; "" = DuckDB's default (80% of RAM)
	Threads     int    // 0 = DuckDB's default (all cores)
	TempDir     string // "" = DuckDB's default (.tmp beside the database)
	// PrivateRaw: the raw directory given to LoadRaw belongs to this run
	// and stays unchanged until Close, so the biggest input (bookings) may
	// be read from its Parquet file where the models need it instead of
	// being copied into a table first (half a second per 1M bookings).
	PrivateRaw bool
	// OnDisk keeps the run's tables in a DuckDB database file (in TempDir,
	// removed by Close) instead of in memory. DuckDB stores a file's tables
	// compressed, so work far beyond MemoryLimit spills several times less
	// than in-memory tables, which spill uncompressed; below that it is
	// slower (BENCHMARKS.md). For runs like 100M bookings, whose spill of
	// in-memory tables outgrows the disk.
	OnDisk bool
	// SplitAbove: a run with more bookings than this is computed in ranges
	// of partners of at most RangeBookings bookings each (ranges.go);
	// 0 = DefaultSplitAbove, below 0 = always in one piece.
	SplitAbove int64
	// RangeBookings: the most bookings in one range (0 = DefaultRangeBookings).
	RangeBookings int64
}

// streamed are the raw tables read in place when Settings.PrivateRaw: big,
// and read by one model.
var streamed = map[string]bool{"bookings": true}

// Engine is a DuckDB database (in memory, or a file: Settings.OnDisk) with
// the run's tables in it. The caller must Close it.
type Engine struct {
	db         *sql.DB
	privateRaw bool
	dir        string // the database file's directory (Settings.OnDisk), removed by Close
	// matched: influence_match_rows was loaded (LoadRange), so Run skips the
	// model that computes it from every partner's bookings.
	matched bool
}

// matchModel computes influence_match_rows, the one model that reads other
// partners' bookings: a run in ranges runs it once before the ranges.
const matchModel = "035_influence_matches.sql"

// Step is one model file and how long it took.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// After the model: the memory DuckDB holds (its tables, and what its
	// operators keep) and its data spilled to temp_directory, in bytes
	// (duckdb_memory()). The nightly job logs them at debug level: a run
	// whose tables outgrow memory_limit spills them and slows down.
	MemoryBytes  int64 `json:"-"`
	SpilledBytes int64 `json:"-"`
}

// InputTables are the raw tables the models read, as landed by extract.
var InputTables = []string{
	"partners", "business_models", "requirements", "bookings", "oem_credits",
	"lifecycle_claims", "influence_claims", "capabilities", "fx_rates",
}

// OutputTables are the snapshot tables of CONTRACT.md, written by Export.
var OutputTables = []string{
	"points_ledger", "partner_levels", "level_history", "audits",
	"migration", "notifications", "denials", "rejects",
}

// Open starts DuckDB (in memory, or on disk with Settings.OnDisk) with the
// given settings.
func Open(ctx context.Context, s Settings) (*Engine, error) {
	var file, dir string
	if s.OnDisk {
		var err error
		if s.TempDir != "" {
			if err := os.MkdirAll(s.TempDir, 0o755); err != nil {
				return nil, fmt.Errorf("engine: database directory: %w", err)
			}
		}
		if dir, err = os.MkdirTemp(s.TempDir, "tally-engine-"); err != nil {
			return nil, fmt.Errorf("engine: database directory: %w", err)
		}
		file = filepath.Join(dir, "tally.duckdb")
	}
	db, err := sql.Open("duckdb", file)
	if err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		return nil, fmt.Errorf("engine: open duckdb: %w", err)
	}
	// One connection: every statement sees the same temp state, and DuckDB
	// parallelises each query itself.
	db.SetMaxOpenConns(1)
	e := &Engine{db: db, privateRaw: s.PrivateRaw, dir: dir}
	settings := []struct {
		stmt string
		arg  any
		use  bool
	}{
		{"SET memory_limit = ?", s.MemoryLimit, s.MemoryLimit != ""},
		{"SET threads = ?", s.Threads, s.Threads > 0},
		{"SET temp_directory = ?", s.TempDir, s.TempDir != ""},
	}
	for _, set := range settings {
		if !set.use {
			continue
		}
		if _, err := db.ExecContext(ctx, set.stmt, set.arg); err != nil {
			return nil, errors.Join(fmt.Errorf("engine: %s (%v): %w", set.stmt, set.arg, err), e.Close())
		}
	}
	for _, stmt := range []string{
		// Same inputs, same outputs: keep row order stable through every step
		// (every output is also written sorted on a total order, and ties in
		// sql/ are broken on values). Turning it off was measured: no faster
		// at 10M bookings in alternating runs (112.8 s and 123.4 s against
		// 112.5 s and 113.6 s), 0.3 GiB more peak RSS (BENCHMARKS.md).
		"SET preserve_insertion_order = true",
		// DuckDB turns an ASOF join whose right side it estimates small into a
		// nested loop over the whole left side: the level history took 6 s
		// instead of 0.7 s at 1M bookings (BENCHMARKS.md). Always sort-merge.
		"SET asof_loop_join_threshold = 0",
		// An in-memory database still checkpoints (compresses) its tables
		// whenever a statement wrote more than checkpoint_threshold: 1.4 s
		// spent after a statement that ran for 0.07 s. The tables live for
		// one run; never checkpoint them.
		"SET checkpoint_threshold = '1TB'",
		// DuckDB's jemalloc gives freed pages back to the OS when a thread
		// next allocates, or after a task; with two threads much stays
		// resident, and identical 10M-booking runs peaked anywhere from
		// 3.5 to 4.7 GiB of RSS with memory_limit 3GB. Background threads
		// purge them as they age (BENCHMARKS.md, "Peak RSS").
		"SET allocator_background_threads = true",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, errors.Join(fmt.Errorf("engine: %s: %w", stmt, err), e.Close())
		}
	}
	return e, nil
}

// Close releases the database (and removes its file, if it has one).
func (e *Engine) Close() error {
	err := e.db.Close()
	if e.dir != "" {
		err = errors.Join(err, os.RemoveAll(e.dir))
	}
	return err
}

// DB is the database, for callers that query the computed tables.
func (e *Engine) DB() *sql.DB { return e.db }

// Settings reports the DuckDB settings in force, for the manifest.
func (e *Engine) Settings(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range []string{"memory_limit", "threads", "temp_directory", "preserve_insertion_order"} {
		var v string
		if err := e.db.QueryRowContext(ctx, "SELECT current_setting(?)::VARCHAR", name).Scan(&v); err != nil {
			return nil, fmt.Errorf("engine: setting %s: %w", name, err)
		}
		out[name] = v
	}
	var v string
	if err := e.db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err == nil {
		out["version"] = v
	}
	out["on_disk"] = fmt.Sprint(e.dir != "")
	return out, nil
}

// LoadRaw creates one table per input table from rawDir/<table>/<table>.parquet
// and the rejects from rawDir/rejects/rejects.parquet.
func (e *Engine) LoadRaw(ctx context.Context, rawDir string) error {
	for _, t := range append(slices.Clone(InputTables), "rejects") {
		file := filepath.Join(rawDir, t, t+".parquet")
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("engine: raw table %s: %w", t, err)
		}
		// The table name is one of ours; the path travels as a parameter
		// (a view cannot take one: there it is quoted).
		stmt, args := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_parquet(?)", ident("raw_"+t)), []any{file}
		if e.privateRaw && streamed[t] {
			stmt, args = fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s)", ident("raw_"+t), literal(file)), nil
		}
		if _, err := e.db.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("engine: load %s: %w", file, err)
		}
	}
	e.matched = false // every partner is here: Run matches the influence claims
	return nil
}

// LoadRules creates the rule tables; every value is a parameter.
func (e *Engine) LoadRules(ctx context.Context, tables []rulebook.Table) error {
	for _, t := range tables {
		defs := make([]string, len(t.Columns))
		marks := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			defs[i] = ident(c.Name) + " " + c.Type
			marks[i] = "?"
		}
		if _, err := e.db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", ident(t.Name), strings.Join(defs, ", "))); err != nil {
			return fmt.Errorf("engine: create %s: %w", t.Name, err)
		}
		insert := fmt.Sprintf("INSERT INTO %s VALUES (%s)", ident(t.Name), strings.Join(marks, ", "))
		for _, row := range t.Rows {
			if _, err := e.db.ExecContext(ctx, insert, row...); err != nil {
				return fmt.Errorf("engine: insert into %s: %w", t.Name, err)
			}
		}
	}
	return nil
}

// Models lists the model files in the order they run.
func Models() ([]string, error) {
	names, err := fs.Glob(tallysql.Files, "*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// Run executes every model of sql/ in file-name order (in a range of
// partners, every one but matchModel, whose table LoadRange loaded).
func (e *Engine) Run(ctx context.Context) ([]Step, error) {
	names, err := Models()
	if err != nil {
		return nil, fmt.Errorf("engine: list models: %w", err)
	}
	if e.matched {
		names = slices.DeleteFunc(names, func(n string) bool { return n == matchModel })
	}
	return e.runModels(ctx, names)
}

// runModels executes the named models of sql/, in the order given.
func (e *Engine) runModels(ctx context.Context, names []string) ([]Step, error) {
	var steps []Step
	for _, name := range names {
		text, err := fs.ReadFile(tallysql.Files, name)
		if err != nil {
			return steps, fmt.Errorf("engine: read %s: %w", name, err)
		}
		start := time.Now()
		if _, err := e.db.ExecContext(ctx, string(text)); err != nil {
			return steps, fmt.Errorf("engine: model %s: %w", name, err)
		}
		step := Step{Name: strings.TrimSuffix(name, ".sql"), Seconds: time.Since(start).Seconds()}
		if err := e.db.QueryRowContext(ctx, `SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT,
			coalesce(sum(temporary_storage_bytes), 0)::BIGINT FROM duckdb_memory()`).Scan(&step.MemoryBytes, &step.SpilledBytes); err != nil {
			return steps, fmt.Errorf("engine: memory after %s: %w", name, err)
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// Check is the outcome of one audit check: the rows it found are failures.
type Check struct {
	Name        string     `json:"name"`
	Passed      bool       `json:"passed"`
	FailingRows int64      `json:"failing_rows"`
	Columns     []string   `json:"-"`
	Sample      [][]string `json:"-"` // the first failing rows in text order, as text
}

// sampleRows is how many failing rows a check keeps for the message.
const sampleRows = 20

// Checks runs every sql/checks/*.sql query. Any row it returns is a failure.
func (e *Engine) Checks(ctx context.Context) ([]Check, error) {
	names, err := fs.Glob(tallysql.Files, "checks/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []Check
	for _, name := range names {
		text, err := fs.ReadFile(tallysql.Files, name)
		if err != nil {
			return nil, err
		}
		c := Check{Name: strings.TrimSuffix(path.Base(name), ".sql")}
		if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM ("+trimSemicolon(string(text))+")").Scan(&c.FailingRows); err != nil {
			return nil, fmt.Errorf("engine: check %s: %w", name, err)
		}
		c.Passed = c.FailingRows == 0
		if !c.Passed {
			c.Columns, c.Sample, err = e.text(ctx, "SELECT COLUMNS(*)::VARCHAR FROM ("+trimSemicolon(string(text))+") ORDER BY ALL LIMIT "+fmt.Sprint(sampleRows))
			if err != nil {
				return nil, fmt.Errorf("engine: check %s: %w", name, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Output is one table file written by Export.
type Output struct {
	Table string `json:"table"`
	File  string `json:"file"`
	Rows  int64  `json:"rows"`
}

// Export writes every output table to dir as zstd Parquet sorted by
// partner_id (CONTRACT.md) and then by every other column (the ledger: by
// what identifies a row, exportQueries), so the same inputs give the same
// files, row for row.
func (e *Engine) Export(ctx context.Context, dir string) ([]Output, error) {
	var out []Output
	for _, t := range OutputTables {
		file := filepath.Join(dir, t+".parquet")
		var n int64
		if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM "+ident(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("engine: export %s: %w", t, err)
		}
		// COPY takes no parameter for its target; the path is ours, quoted.
		query, ok := exportQueries[t]
		if !ok {
			order, err := e.sortOrder(ctx, t)
			if err != nil {
				return nil, err
			}
			query = fmt.Sprintf("SELECT * FROM %s ORDER BY %s", ident(t), order)
		}
		// zstd level 1: a fifth faster to write than the default level 3
		// for files within 1% of the size (BENCHMARKS.md).
		stmt := fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)", query, literal(file))
		if _, err := e.db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("engine: export %s: %w", t, err)
		}
		out = append(out, Output{Table: t, File: file, Rows: n})
	}
	return out, nil
}

// exportQueries are the output tables not written as SELECT * sorted by
// partner_id and then every column. The ledger, the one big table, is
// sorted by partner_id, earned_on and the columns that make up entry_id
// (which identify a row), and entry_id is built after the sort, so the
// sort neither carries nor compares that long string (26.6 s to 24.9 s at
// 10M, BENCHMARKS.md).
var exportQueries = map[string]string{
	"points_ledger": `SELECT ledger_entry_id(source, source_id, booking_id, component, rule_id) AS entry_id, *
		FROM (SELECT * FROM ledger_rows
		      ORDER BY partner_id, earned_on, source, source_id, booking_id, component, rule_id)`,
}

// exportReads are the tables Export reads besides the output tables: the
// inputs of the points_ledger view (sql/080_points_ledger.sql).
var exportReads = []string{"booking_points", "lifecycle_events", "influence_awards", "as_of"}

// Release drops every table Export does not read, once the checks have
// passed: the memory they hold goes to the export's sorts, which otherwise
// spill (a 10M-booking run holds several GB of intermediate tables).
func (e *Engine) Release(ctx context.Context) error {
	keep := append(slices.Clone(OutputTables), exportReads...)
	rows, err := e.db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
		ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("engine: list tables: %w", err)
	}
	var drop []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("engine: list tables: %w", err)
		}
		if !slices.Contains(keep, t) {
			drop = append(drop, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("engine: list tables: %w", err)
	}
	for _, t := range drop {
		if _, err := e.db.ExecContext(ctx, "DROP TABLE "+ident(t)); err != nil {
			return fmt.Errorf("engine: release %s: %w", t, err)
		}
	}
	return nil
}

// text runs a query and returns its rows as text, for messages.
func (e *Engine) text(ctx context.Context, q string) ([]string, [][]string, error) {
	rows, err := e.db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

func trimSemicolon(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), ";")
}

// ident quotes an identifier that tally itself chose.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// literal quotes a string literal (used only for file paths tally chose).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sortOrder is partner_id first (when the table has it), then every other
// column in table order.
func (e *Engine) sortOrder(ctx context.Context, table string) (string, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_name = ? ORDER BY column_name <> 'partner_id', ordinal_position`, table)
	if err != nil {
		return "", fmt.Errorf("engine: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		cols = append(cols, ident(c))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("engine: no table %s", table)
	}
	return strings.Join(cols, ", "), nil
}
