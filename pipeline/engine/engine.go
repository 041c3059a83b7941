// Package engine runs the rules: it loads the raw Parquet and the rule tables
// into DuckDB, runs the SQL models of sql/ in order, runs the checks that gate
// publishing, and writes the output tables as Parquet. It is the one place
// that holds a DuckDB connection while computing.
package engine

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

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
	// and stays unchanged until Close, so the raw tables are views of their
	// Parquet files, read where the models need them, instead of copies.
	PrivateRaw bool
	// OnDisk keeps the run's tables in a DuckDB database file (in TempDir,
	// removed by Close) instead of in memory. DuckDB stores a file's tables
	// compressed, so work far beyond MemoryLimit spills less than in-memory
	// tables, which spill uncompressed; below that it is slower.
	OnDisk bool
	// KeepIntermediates keeps every model's relation to the end, for tests
	// and debugging that look inside the rules; runs drop each once read.
	KeepIntermediates bool
	// ExportRangeRows: about how many rows each range holds when the export
	// of a table falls back to sorting it in ranges of partners (see
	// Engine.export); 0 = DefaultExportRangeRows.
	ExportRangeRows int64
	// OnModel, if set, is given each model's step as soon as the model has
	// run, so that a long compute shows its progress.
	OnModel func(Step)
}

// DefaultExportRangeRows bounds the rows one sort holds when the export of
// a table falls back to ranges (the ledger's sort in one piece can run out
// of memory_limit at large sizes: BENCHMARKS.md).
const DefaultExportRangeRows = 4_000_000

// Engine is a DuckDB database (in memory, or a file: Settings.OnDisk) with
// the run's tables in it. The caller must Close it.
type Engine struct {
	db         *sql.DB
	privateRaw bool
	dir        string // the database file's directory (Settings.OnDisk), removed by Close
	inputs     map[string]bool
	graph      *graph
	keep       bool  // Settings.KeepIntermediates
	rangeRows  int64 // the rows of a range of the export (Settings.ExportRangeRows or the default)
	onModel    func(Step)
}

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

// OutputTables are the published models (CONTRACT.md's snapshot tables), in
// name order: the sql/ files whose header says `-- publish:`.
var OutputTables = mustPublished()

func mustPublished() []string {
	names, err := published()
	if err != nil {
		panic(err)
	}
	return names
}

// published lists the models whose header says `-- publish:`, by name.
func published() ([]string, error) {
	files, err := fs.Glob(tallysql.Files, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if f == macrosFile {
			continue
		}
		text, err := fs.ReadFile(tallysql.Files, f)
		if err != nil {
			return nil, err
		}
		if header(string(text))["publish"] != "" {
			name, err := modelName(f)
			if err != nil {
				return nil, err
			}
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
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
	e := &Engine{db: db, privateRaw: s.PrivateRaw, dir: dir, inputs: map[string]bool{}, keep: s.KeepIntermediates,
		rangeRows: cmp.Or(s.ExportRangeRows, DefaultExportRangeRows), onModel: s.OnModel}
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
		// Same inputs, same outputs: keep row order stable through every
		// step (every output is also written sorted on a total order).
		"SET preserve_insertion_order = true",
		// DuckDB turns an ASOF join whose right side it estimates small into
		// a nested loop over the whole left side; always sort-merge.
		"SET asof_loop_join_threshold = 0",
		// An in-memory database still checkpoints (compresses) its tables
		// after a statement that wrote more than checkpoint_threshold. The
		// tables live for one run; never checkpoint them.
		"SET checkpoint_threshold = '1TB'",
		// DuckDB's jemalloc gives freed pages back to the OS only when a
		// thread next allocates; background threads purge them as they age,
		// which keeps the process's RSS near memory_limit.
		"SET allocator_background_threads = true",
		// DuckDB's buffers (its tables, hash tables, sorts) come from the
		// block allocator, which gives freed memory back to the OS unless it
		// is within block_allocator_memory. The models allocate and free
		// gigabytes each, and memory given back is faulted in again by the
		// next model: keep three quarters of memory_limit (a percentage of
		// it, set after it) for the whole run.
		"SET block_allocator_memory = '75%'",
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

// LoadRaw makes every table extract landed in rawDir (<table>/<table>.parquet,
// and rejects/rejects.parquet) the relation raw_<table>: a view of its file
// with Settings.PrivateRaw, else a copy.
func (e *Engine) LoadRaw(ctx context.Context, rawDir string) error {
	entries, err := os.ReadDir(rawDir)
	if err != nil {
		return fmt.Errorf("engine: raw tables: %w", err)
	}
	loaded := 0
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		t := d.Name()
		file := filepath.Join(rawDir, t, t+".parquet")
		if _, err := os.Stat(file); err != nil {
			continue // not a table extract landed (a stray directory)
		}
		// The table name comes from extract's own directory names; a view
		// cannot take the path as a parameter, so it is quoted in.
		stmt, args := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_parquet(?)", ident("raw_"+t)), []any{file}
		if e.privateRaw {
			stmt, args = fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s)", ident("raw_"+t), literal(file)), nil
		}
		if _, err := e.db.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("engine: load %s: %w", file, err)
		}
		e.inputs["raw_"+t] = true
		loaded++
	}
	if loaded == 0 {
		return fmt.Errorf("engine: raw tables: none in %s", rawDir)
	}
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
		e.inputs[t.Name] = true
	}
	return nil
}

// Run creates the macros and then every model of sql/, in the order of what
// each reads, dropping each intermediate once nothing left to run reads it.
func (e *Engine) Run(ctx context.Context) ([]Step, error) {
	macros, err := fs.ReadFile(tallysql.Files, macrosFile)
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", macrosFile, err)
	}
	if _, err := e.db.ExecContext(ctx, string(macros)); err != nil {
		return nil, fmt.Errorf("engine: %s: %w", macrosFile, err)
	}
	if e.graph, err = plan(ctx, e.db, tallysql.Files, e.inputs); err != nil {
		return nil, err
	}
	views := map[string]bool{}
	var steps []Step
	for i, m := range e.graph.models {
		kind := "TABLE"
		if m.view {
			kind, views[m.name] = "VIEW", true
		}
		start := time.Now()
		if err := e.withOptimizers(ctx, m, func() error {
			_, err := e.db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE %s %s AS %s", kind, ident(m.name), m.query))
			return err
		}); err != nil {
			return steps, fmt.Errorf("engine: model sql/%s: %w", m.file, err)
		}
		if err := e.drop(ctx, e.graph.dropAfter[i], views); err != nil {
			return steps, err
		}
		step := Step{Name: strings.TrimSuffix(m.file, ".sql"), Seconds: time.Since(start).Seconds()}
		if err := e.db.QueryRowContext(ctx, `SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT,
			coalesce(sum(temporary_storage_bytes), 0)::BIGINT FROM duckdb_memory()`).Scan(&step.MemoryBytes, &step.SpilledBytes); err != nil {
			return steps, fmt.Errorf("engine: memory after %s: %w", m.file, err)
		}
		steps = append(steps, step)
		if e.onModel != nil {
			e.onModel(step)
		}
	}
	return steps, nil
}

// withOptimizers runs f with the DuckDB optimizers m's header names turned
// off, and turns them on again after.
func (e *Engine) withOptimizers(ctx context.Context, m model, f func() error) error {
	if m.disable == "" {
		return f()
	}
	if _, err := e.db.ExecContext(ctx, "SET disabled_optimizers = "+literal(m.disable)); err != nil {
		return err
	}
	err := f()
	if _, rerr := e.db.ExecContext(ctx, "RESET disabled_optimizers"); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

// drop removes relations the run no longer needs, views first.
func (e *Engine) drop(ctx context.Context, names []string, views map[string]bool) error {
	if e.keep {
		return nil
	}
	for _, pass := range []bool{true, false} {
		for _, n := range names {
			if views[n] != pass {
				continue
			}
			kind := "TABLE"
			if views[n] {
				kind = "VIEW"
			}
			if _, err := e.db.ExecContext(ctx, fmt.Sprintf("DROP %s IF EXISTS %s", kind, ident(n))); err != nil {
				return fmt.Errorf("engine: drop %s: %w", n, err)
			}
		}
	}
	return nil
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

// Checks runs every sql/checks/*.sql query (after Run); any row one returns
// is a failure. The intermediates only the checks read are dropped after.
func (e *Engine) Checks(ctx context.Context) ([]Check, error) {
	if e.graph == nil {
		return nil, errors.New("engine: Checks before Run")
	}
	var out []Check
	for _, ch := range e.graph.checks {
		c := Check{Name: ch.name}
		if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM ("+ch.query+")").Scan(&c.FailingRows); err != nil {
			return nil, fmt.Errorf("engine: check sql/%s: %w", ch.file, err)
		}
		c.Passed = c.FailingRows == 0
		if !c.Passed {
			var err error
			c.Columns, c.Sample, err = e.text(ctx, "SELECT COLUMNS(*)::VARCHAR FROM ("+ch.query+") ORDER BY ALL LIMIT "+fmt.Sprint(sampleRows))
			if err != nil {
				return nil, fmt.Errorf("engine: check sql/%s: %w", ch.file, err)
			}
		}
		out = append(out, c)
	}
	views := map[string]bool{}
	for _, m := range e.graph.models {
		views[m.name] = m.view
	}
	return out, e.drop(ctx, e.graph.afterChecks, views)
}

// Output is one table file written by Export.
type Output struct {
	Table string `json:"table"`
	File  string `json:"file"`
	Rows  int64  `json:"rows"`
	// Ranges: how many ranges of partners the table was sorted in, after
	// its one-piece sort ran out of memory; 0 when it was sorted whole.
	Ranges int `json:"-"`
}

// Export writes every published model to dir as zstd Parquet, sorted by
// the columns its header names (partner_id first, CONTRACT.md), so the same
// inputs give the same files, row for row. It drops what it has written as
// it goes (unless the run keeps its intermediates), and writes the published
// views last, once nothing else holds memory, since a view's sort reads
// every row of the intermediates behind it. The outputs are listed in
// OutputTables order.
func (e *Engine) Export(ctx context.Context, dir string) ([]Output, error) {
	if e.graph == nil {
		return nil, errors.New("engine: Export before Run")
	}
	order := slices.Clone(OutputTables)
	byName := map[string]model{}
	for _, m := range e.graph.models {
		byName[m.name] = m
	}
	slices.SortStableFunc(order, func(a, b string) int {
		switch va, vb := byName[a].view, byName[b].view; {
		case va == vb:
			return 0
		case vb:
			return -1
		default:
			return 1
		}
	})
	views := map[string]bool{}
	for _, m := range e.graph.models {
		views[m.name] = m.view
	}
	written := map[string]Output{}
	for i, name := range order {
		o := Output{Table: name, File: filepath.Join(dir, name+".parquet")}
		var err error
		if o.Rows, o.Ranges, err = e.export(ctx, byName[name], o.File); err != nil {
			return nil, fmt.Errorf("engine: export %s: %w", name, err)
		}
		written[name] = o
		if err := e.drop(ctx, e.graph.unneededAfter(order[i+1:]), views); err != nil {
			return nil, err
		}
	}
	out := make([]Output, len(OutputTables))
	for i, name := range OutputTables {
		out[i] = written[name]
	}
	return out, nil
}

// sortFault is a test's stand-in for DuckDB failing to sort a table in one
// piece (running out of memory does not happen on demand); a run's never
// fails.
var sortFault = func(table string) error { return nil }

// parquetOptions: zstd level 1 is about as small as the default level, and
// written faster.
const parquetOptions = "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"

// export writes one published model to file and returns its rows and the
// ranges it was sorted in (0: in one piece). A model whose order starts with partner_id can also be
// sorted in ranges of partners, which bounds the memory a sort holds: each
// range is written sorted to a part file beside file, and the parts' row
// groups, in range order, make the file (concatParquet); the rows and their
// order are the same whatever the ranges. That is done when the one-piece
// sort runs out of memory (DuckDB's sort does not always spill enough).
func (e *Engine) export(ctx context.Context, m model, file string) (rows int64, ranges int, err error) {
	// COPY takes no parameter for its target; the paths are ours, quoted.
	copyTo := func(query, target string) (int64, error) {
		res, err := e.db.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s %s", query, literal(target), parquetOptions))
		if err != nil {
			return 0, err
		}
		return res.RowsAffected() // COPY's count of rows written
	}
	whole := fmt.Sprintf("SELECT * FROM %s ORDER BY %s", ident(m.name), m.publish)
	first, _, _ := strings.Cut(m.publish, ",")
	byPartner := strings.TrimSpace(first) == "partner_id"
	if err = sortFault(m.name); err == nil {
		rows, err = copyTo(whole, file)
	}
	var de *duckdb.Error
	if err == nil || !byPartner || !errors.As(err, &de) || de.Type != duckdb.ErrorTypeOutOfMemory {
		return rows, 0, err
	}
	bounds, rerr := e.partnerRanges(ctx, m.name)
	if rerr != nil || len(bounds) == 0 { // one range would be the same sort
		return 0, 0, errors.Join(err, rerr)
	}
	parts := make([]string, 0, len(bounds)+1)
	defer func() {
		for _, p := range parts {
			os.Remove(p)
		}
	}()
	for i := 0; i <= len(bounds); i++ {
		var where []string
		if i > 0 {
			where = append(where, "partner_id >= "+literal(bounds[i-1]))
		}
		if i < len(bounds) {
			where = append(where, "partner_id < "+literal(bounds[i]))
		} else {
			where[0] = "(" + where[0] + " OR partner_id IS NULL)" // NULLs sort last
		}
		part := fmt.Sprintf("%s.part%03d", file, i)
		parts = append(parts, part)
		q := fmt.Sprintf("SELECT * FROM %s WHERE %s ORDER BY %s", ident(m.name), strings.Join(where, " AND "), m.publish)
		if _, err := copyTo(q, part); err != nil {
			return 0, 0, err
		}
	}
	rows, err = concatParquet(file, parts)
	return rows, len(parts), err
}

// partnerRanges returns the partner ids that start each range but the
// first, cutting rel's rows, in partner_id order, into ranges of about
// rangeRows rows (a partner's rows all in one range); none when rel has no
// more than rangeRows rows.
func (e *Engine) partnerRanges(ctx context.Context, rel string) ([]string, error) {
	var total int64
	if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM "+ident(rel)).Scan(&total); err != nil || total <= e.rangeRows {
		return nil, err
	}
	rows, err := e.db.QueryContext(ctx, fmt.Sprintf(
		"SELECT partner_id, count(*) FROM %s WHERE partner_id IS NOT NULL GROUP BY partner_id ORDER BY partner_id", ident(rel)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bounds []string
	var inRange int64
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		if inRange > 0 && inRange+n > e.rangeRows {
			bounds = append(bounds, id)
			inRange = 0
		}
		inRange += n
	}
	return bounds, rows.Err()
}

// ExplainAnalyze runs model's query under EXPLAIN ANALYZE and returns its
// operators as an indented list (seconds, rows, operator, what it does): for
// looking inside a model, after a Run with Settings.KeepIntermediates (its
// inputs must still be there).
func (e *Engine) ExplainAnalyze(ctx context.Context, name string) (string, error) {
	if e.graph == nil {
		return "", errors.New("engine: ExplainAnalyze before Run")
	}
	i := slices.IndexFunc(e.graph.models, func(m model) bool { return m.name == name })
	if i < 0 {
		return "", fmt.Errorf("engine: no model %s", name)
	}
	var rows [][]string
	err := e.withOptimizers(ctx, e.graph.models[i], func() (err error) {
		_, rows, err = e.text(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+e.graph.models[i].query)
		return err
	})
	if err != nil || len(rows) == 0 {
		return "", fmt.Errorf("engine: explain %s: %w", name, err)
	}
	type op struct {
		Name     string         `json:"operator_name"`
		Seconds  float64        `json:"operator_timing"`
		Rows     int64          `json:"operator_cardinality"`
		Extra    map[string]any `json:"extra_info"`
		Children []op           `json:"children"`
	}
	var root op
	if err := json.Unmarshal([]byte(rows[0][len(rows[0])-1]), &root); err != nil {
		return "", fmt.Errorf("engine: explain %s: %w", name, err)
	}
	var b strings.Builder
	var walk func(o op, depth int)
	walk = func(o op, depth int) {
		if o.Name != "" {
			var extra []string
			for _, k := range []string{"Join Type", "Conditions", "Table", "Filters", "Aggregates", "Groups"} {
				if v, ok := o.Extra[k]; ok {
					extra = append(extra, fmt.Sprintf("%s: %v", k, v))
				}
			}
			fmt.Fprintf(&b, "%7.3f %12d %s%s  %s\n", o.Seconds, o.Rows, strings.Repeat("  ", depth), o.Name, strings.Join(extra, "; "))
		}
		for _, c := range o.Children {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	return b.String(), nil
}

// Relations lists the tables and views in the database, by name.
func (e *Engine) Relations(ctx context.Context) ([]string, error) {
	_, rows, err := e.text(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("engine: list relations: %w", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out, nil
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
