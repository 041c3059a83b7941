// Package lake reads a published snapshot: an in-memory DuckDB with one view
// per output table over the snapshot's Parquet files, locked down so that
// ad hoc SQL can read the snapshot and nothing else. Reports, explain and
// `tally query` read the lake through it; nothing here writes a file.
//
// Two locks keep a query from writing, or reading outside the snapshot:
//
//   - Query lets DuckDB's parser (json_serialize_sql, which parses and does
//     not bind or run) look at the text first and refuses anything but one
//     SELECT: COPY, EXPORT, ATTACH, CREATE, INSERT, SET, INSTALL, LOAD,
//     CALL, PRAGMA and several statements at once never reach the planner.
//     This gate matters: DuckDB lets a statement write to any path it may
//     read (COPY ... TO a table's own file with USE_TMP_FILE false
//     truncates it), and merely preparing EXPORT DATABASE creates its
//     directory.
//   - DuckDB is configured, then frozen with lock_configuration:
//     allowed_paths is exactly the snapshot's table files,
//     enable_external_access is off (no other file, no network, no
//     extension install), extensions are never auto-installed or
//     auto-loaded, and temp_directory is empty so nothing spills to disk.
//
// The inputs the snapshot was computed from, the raw version its manifest
// names (raw/run=<run id>/), are views in the schema raw (raw.partners,
// raw.bookings, ...): a reader that needs a partner's name or a booking's
// solution reads them from the same run, never from a newer one.
//
// A Snapshot reads one version: a run may publish the same as_of again
// while it is open, and a query then fails with ErrSnapshotReplaced rather
// than answer from the tables of two versions (see Open).
package lake

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"tally/pipeline/publish"
)

// ErrNotReadOnly is wrapped by Query's error for a statement that could
// write or change settings: only a single SELECT is accepted.
var ErrNotReadOnly = errors.New("only a single read-only SELECT statement is allowed")

// Snapshot is one published snapshot opened for reading. The caller must
// Close it.
type Snapshot struct {
	Lake     string            // the lake directory, as given
	Dir      string            // the snapshot directory, absolute
	AsOf     string            // YYYY-MM-DD
	Manifest *publish.Manifest // the snapshot's manifest.json
	tables   []string
	inputs   []string            // the raw version's tables, views raw.<name>
	pinned   []pinnedFile        // the table files, open for the Snapshot's life
	others   map[string]*os.File // the snapshot's other files (its rulebook.yaml), by name

	db   *sql.DB
	conn *sql.Conn
}

// Open opens the snapshot for asOf in the lake at lakeDir; asOf "" opens the
// one that the lake's latest file names. Every output table of the manifest
// becomes a view of the same name.
//
// Open pins one version of the snapshot: the manifest and the table files
// it opens come from the same directory, even when a run republishes the
// as_of meanwhile (Open then starts again on the new version). A query
// that finds the snapshot replaced since Open fails with
// ErrSnapshotReplaced rather than mix two versions: open it again.
func Open(ctx context.Context, lakeDir, asOf string) (*Snapshot, error) {
	var err error
	for range pinAttempts {
		var s *Snapshot
		if s, err = open(ctx, lakeDir, asOf); !errors.Is(err, ErrSnapshotReplaced) {
			if err == nil && afterOpen != nil {
				afterOpen(s.Dir)
			}
			return s, err
		}
	}
	return nil, err
}

// afterOpen, when set, is called with the directory of each snapshot Open
// returns, before the caller reads it. Production never sets it.
var afterOpen func(dir string)

// SetAfterOpen makes f be called with the directory of each snapshot Open
// returns, before its caller reads it, so a test can republish the
// snapshot exactly there (jobs/hardening); nil removes it. Set it while no
// Open runs.
func SetAfterOpen(f func(dir string)) { afterOpen = f }

// ErrSnapshotReplaced is wrapped by the error of a query that ran while a
// newer publish replaced the snapshot (the same as_of published again, or
// pruned): its answer could mix two versions, so it is not given. Open the
// snapshot again and repeat the query.
var ErrSnapshotReplaced = errors.New("the snapshot was replaced by a newer publish while it was read; open it again")

// pinAttempts bounds how often Open starts again on a newer version.
const pinAttempts = 5

func open(ctx context.Context, lakeDir, asOf string) (*Snapshot, error) {
	var dir string
	var err error
	if asOf == "" {
		dir, err = publish.Latest(lakeDir)
	} else {
		dir, err = publish.Snapshot(lakeDir, asOf)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	// The directory stays this version's even if a publish renames it
	// aside or removes it: its files can still be opened, or are gone.
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lake: %s: %w", dir, ErrSnapshotReplaced)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	defer root.Close()
	m, err := readManifest(root, dir)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Lake: lakeDir, Dir: dir, AsOf: m.AsOf, Manifest: m}
	if s.AsOf == "" {
		s.AsOf = strings.TrimPrefix(filepath.Base(dir), "as_of=")
	}
	files, err := s.pinFiles(root)
	var inputs map[string]string
	if err == nil {
		inputs, err = s.pinInputs()
	}
	if err == nil {
		err = s.open(ctx, files, inputs)
	}
	if err == nil && s.replaced() { // the views may have been bound to another version
		err = fmt.Errorf("lake: %s: %w", dir, ErrSnapshotReplaced)
	}
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

func readManifest(root *os.Root, dir string) (*publish.Manifest, error) {
	b, err := root.ReadFile(publish.ManifestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lake: %s: %w", dir, ErrSnapshotReplaced)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: read manifest: %w", err)
	}
	var m publish.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("lake: read manifest %q: %w", filepath.Join(dir, publish.ManifestFile), err)
	}
	return &m, nil
}

// pinFiles opens each output table's Parquet file, as the manifest lists
// them, through root: the files of the same version as the manifest. A file
// name that would leave the snapshot is refused.
func (s *Snapshot) pinFiles(root *os.Root) (map[string]string, error) {
	files := map[string]string{}
	for _, o := range s.Manifest.Outputs {
		name := filepath.FromSlash(o.File)
		if name == "" {
			name = o.Table + ".parquet"
		}
		if !filepath.IsLocal(name) || !isName(o.Table) {
			return nil, fmt.Errorf("lake: manifest output %q (%q) is not a table file inside the snapshot", o.Table, o.File)
		}
		f, err := root.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			// The manifest was read, so the directory was complete: a
			// publish has removed it since.
			return nil, fmt.Errorf("lake: table %s: %w", o.Table, ErrSnapshotReplaced)
		}
		if err != nil {
			return nil, fmt.Errorf("lake: table %s: %w", o.Table, err)
		}
		p := filepath.Join(s.Dir, name)
		s.pinned = append(s.pinned, pinnedFile{path: p, f: f})
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("lake: table %s: %s is not a regular file", o.Table, name)
		}
		if filepath.Ext(name) != ".parquet" {
			if s.others == nil {
				s.others = map[string]*os.File{}
			}
			s.others[name] = f
			continue
		}
		files[o.Table] = p
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("lake: snapshot %s lists no output tables", s.Dir)
	}
	return files, nil
}

// rawSchema is the schema of the views over the snapshot's inputs.
const rawSchema = "raw"

// pinInputs opens the table files of the raw version the manifest names
// (raw/run=<id>/<table>/<table>.parquet; rejects are an output already).
// A snapshot of a lake written before raw versions, or whose version is
// gone, has none: its readers say what they leave out.
func (s *Snapshot) pinInputs() (map[string]string, error) {
	rel := filepath.FromSlash(s.Manifest.Raw)
	if rel == "" {
		return nil, nil
	}
	if !filepath.IsLocal(rel) || !strings.HasPrefix(s.Manifest.Raw, "raw/run=") {
		return nil, fmt.Errorf("lake: manifest raw %q is not a raw version inside the lake", s.Manifest.Raw)
	}
	dir := filepath.Join(s.Lake, rel)
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	files := map[string]string{}
	for _, e := range entries {
		t := e.Name()
		if !e.IsDir() || !isName(t) || t == "rejects" {
			continue
		}
		name := filepath.Join(t, t+".parquet")
		f, err := root.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lake: input %s: %w", t, err)
		}
		p := filepath.Join(dir, name)
		s.pinned = append(s.pinned, pinnedFile{path: p, f: f})
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("lake: input %s: %s is not a regular file", t, p)
		}
		files[t] = p
	}
	return files, nil
}

// ReadFile reads one of the snapshot's files that is not a table (its
// rulebook.yaml), from the version opened; fs.ErrNotExist if the snapshot
// has none of that name.
func (s *Snapshot) ReadFile(name string) ([]byte, error) {
	f, ok := s.others[name]
	if !ok {
		return nil, fmt.Errorf("lake: %s in %s: %w", name, s.Dir, fs.ErrNotExist)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("lake: %s: %w", name, err)
	}
	b, err := io.ReadAll(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		return nil, fmt.Errorf("lake: %s: %w", name, err)
	}
	return b, nil
}

// pinnedFile is a table file held open: while it is, its inode cannot be
// reused, so finding it still at its path means nothing replaced it.
type pinnedFile struct {
	path string
	f    *os.File
}

// replaced tells whether a publish has put another file (or none) at the
// path of any table file since Open. A publish never puts a replaced
// snapshot back, so a query that finds every file in place afterwards has
// read only the pinned version.
func (s *Snapshot) replaced() bool {
	for _, p := range s.pinned {
		now, err := os.Stat(p.path)
		if err != nil {
			return true
		}
		was, err := p.f.Stat()
		if err != nil || !os.SameFile(now, was) {
			return true
		}
	}
	return false
}

// Replaced tells whether a newer publish has replaced (or pruned) the
// snapshot since Open: a long-lived reader such as the dashboard asks it to
// know when to open the snapshot again.
func (s *Snapshot) Replaced() bool { return s.replaced() }

// isName accepts the table names tally writes: lower-case words and digits.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Snapshot) open(ctx context.Context, files, inputs map[string]string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("lake: open duckdb: %w", err)
	}
	s.db = db
	// One connection, held for the snapshot's life: every query runs on
	// the connection that was locked down.
	s.conn, err = db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lake: connect: %w", err)
	}
	s.tables = slices.Sorted(func(yield func(string) bool) {
		for t := range files {
			if !yield(t) {
				return
			}
		}
	})
	for _, t := range s.tables {
		// A view cannot hold a parameter, so the path (ours, from the
		// manifest, checked to be inside the snapshot) is quoted.
		stmt := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning = false)", ident(t), literal(files[t]))
		if _, err := s.conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("lake: view %s: %w", t, err)
		}
	}
	paths := make([]string, 0, len(files)+len(inputs))
	for _, t := range s.tables {
		paths = append(paths, files[t])
	}
	if len(inputs) > 0 {
		if _, err := s.conn.ExecContext(ctx, "CREATE SCHEMA "+rawSchema); err != nil {
			return fmt.Errorf("lake: schema %s: %w", rawSchema, err)
		}
		s.inputs = slices.Sorted(maps.Keys(inputs))
		for _, t := range s.inputs {
			stmt := fmt.Sprintf("CREATE VIEW %s.%s AS SELECT * FROM read_parquet(%s, hive_partitioning = false)", rawSchema, ident(t), literal(inputs[t]))
			if _, err := s.conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("lake: view %s.%s: %w", rawSchema, t, err)
			}
			paths = append(paths, inputs[t])
		}
	}
	// Order matters: allowed_paths and temp_directory can only be
	// set while external access is on, and nothing after the lock.
	lockdown := []struct {
		stmt string
		arg  any
	}{
		{"SET allowed_paths = ?", paths},
		{"SET temp_directory = ''", nil},
		{"SET autoinstall_known_extensions = false", nil},
		{"SET autoload_known_extensions = false", nil},
		{"SET enable_external_access = false", nil},
		{"SET lock_configuration = true", nil},
	}
	for _, l := range lockdown {
		var args []any
		if l.arg != nil {
			args = append(args, l.arg)
		}
		if _, err := s.conn.ExecContext(ctx, l.stmt, args...); err != nil {
			return fmt.Errorf("lake: %s: %w", l.stmt, err)
		}
	}
	return nil
}

// Close releases the database.
func (s *Snapshot) Close() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	for _, p := range s.pinned {
		errs = append(errs, p.f.Close())
	}
	s.pinned = nil
	return errors.Join(errs...)
}

// Tables lists the snapshot's tables (views), sorted.
func (s *Snapshot) Tables() []string { return slices.Clone(s.tables) }

// Inputs lists the tables of the raw version the snapshot was computed
// from, sorted: each is the view raw.<name>. None when the snapshot names
// no raw version or it is gone.
func (s *Snapshot) Inputs() []string { return slices.Clone(s.inputs) }

// HasInput tells whether the snapshot's input table is there as raw.<name>.
func (s *Snapshot) HasInput(name string) bool { return slices.Contains(s.inputs, name) }

// HasTable tells whether the snapshot has the output table.
func (s *Snapshot) HasTable(name string) bool { return slices.Contains(s.tables, name) }

// Column is one result column: its name and DuckDB type as typeof prints
// it (DECIMAL(18,2), VARCHAR, DATE, BIGINT, ...; "" when no row came back).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Value is one result cell as DuckDB prints it (dates YYYY-MM-DD, decimals
// with their scale); Null marks SQL NULL, whose Text is "".
type Value struct {
	Text string
	Null bool
}

func (v Value) String() string { return v.Text }

// Result is a query's columns and rows, every value as text.
type Result struct {
	Columns []Column
	Rows    [][]Value
}

// Index returns the position of the named column, or -1.
func (r *Result) Index(name string) int {
	return slices.IndexFunc(r.Columns, func(c Column) bool { return c.Name == name })
}

// Get returns the named column of row i ("" and Null for an unknown column).
func (r *Result) Get(i int, name string) Value {
	j := r.Index(name)
	if j < 0 || i < 0 || i >= len(r.Rows) {
		return Value{Null: true}
	}
	return r.Rows[i][j]
}

// Names returns the column names.
func (r *Result) Names() []string {
	out := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		out[i] = c.Name
	}
	return out
}

// Query runs one SELECT over the snapshot's tables and returns its rows as
// text. args are bound to the statement's ? placeholders. Any other kind of
// statement, or more than one, is refused with ErrNotReadOnly before it runs.
func (s *Snapshot) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	res := &Result{}
	err := s.each(ctx, query, args, func(cols []Column) { res.Columns = cols }, func(row []Value) error {
		res.Rows = append(res.Rows, row)
		return nil
	}, false)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Each runs one SELECT as Query does, but hands the rows to row one at a
// time as they are read instead of holding them all: for results too
// large to keep in memory twice. cols is called once, before the first
// row (or after the last, when there is none); the types are those of the
// first row. The slice row gets is reused for the next row: keep its
// values, not the slice. An error from row stops the query and is returned.
// Like Query's, the result is refused with ErrSnapshotReplaced if a publish
// replaced the snapshot meanwhile, but rows already handed over were read.
func (s *Snapshot) Each(ctx context.Context, query string, args []any, cols func([]Column), row func([]Value) error) error {
	return s.each(ctx, query, args, cols, row, true)
}

func (s *Snapshot) each(ctx context.Context, query string, args []any, cols func([]Column), each func([]Value) error, reuse bool) error {
	query = strings.TrimSpace(query)
	for strings.HasSuffix(query, ";") {
		query = strings.TrimSpace(strings.TrimSuffix(query, ";"))
	}
	if query == "" {
		return fmt.Errorf("lake: empty query")
	}
	if err := s.checkSelect(ctx, query); err != nil {
		return err
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	err := s.conn.Raw(func(dc any) error {
		conn, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("lake: unexpected driver connection %T", dc)
		}
		names, err := readOnlyNames(conn, query)
		if err != nil {
			return err
		}
		// DuckDB renders every value as text itself, so dates, decimals
		// and lists print exactly as in the database; typeof gives each
		// column's type beside it. The newline keeps a trailing -- comment
		// from swallowing the parenthesis.
		wrapped := "SELECT COLUMNS(*)::VARCHAR, typeof(COLUMNS(*)) FROM (\n" + query + "\n)"
		stmt, err := prepareOne(conn, wrapped)
		if err != nil {
			return err
		}
		defer stmt.Close()
		rows, err := stmt.QueryContext(ctx, named)
		if err != nil {
			return fmt.Errorf("lake: query: %w", err)
		}
		defer rows.Close()
		all := rows.Columns()
		n := len(all) / 2
		if len(names) != n {
			names = all[:n] // the driver could not name them before binding
		}
		columns := make([]Column, n)
		for i := range columns {
			columns[i].Name = names[i]
		}
		dest := make([]driver.Value, len(all))
		var row []Value
		first := true
		for {
			err := rows.Next(dest)
			if errors.Is(err, io.EOF) {
				if first {
					cols(columns)
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("lake: query: %w", err)
			}
			if row == nil || !reuse {
				row = make([]Value, n)
			}
			for i, v := range dest[:n] {
				switch v := v.(type) {
				case nil:
					row[i] = Value{Null: true}
				case string:
					row[i] = Value{Text: v}
				default:
					row[i] = Value{Text: fmt.Sprint(v)}
				}
			}
			if first {
				for i, t := range dest[n:] {
					columns[i].Type, _ = t.(string)
				}
				cols(columns)
				first = false
			}
			if err := each(row); err != nil {
				return err
			}
		}
	})
	if s.replaced() {
		return fmt.Errorf("lake: %s: %w", s.Dir, ErrSnapshotReplaced)
	}
	return err
}

// checkSelect parses the query without binding or running it and accepts
// exactly one SELECT (DESCRIBE, SUMMARIZE, SHOW, VALUES and FROM-first
// queries are SELECTs to the parser).
func (s *Snapshot) checkSelect(ctx context.Context, query string) error {
	var text string
	if err := s.conn.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", query).Scan(&text); err != nil {
		return fmt.Errorf("lake: parse: %w", err)
	}
	var parsed struct {
		Error      bool              `json:"error"`
		ErrorType  string            `json:"error_type"`
		Message    string            `json:"error_message"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(text), &parsed); err != nil {
		return fmt.Errorf("lake: parse: %w", err)
	}
	switch {
	case parsed.Error && parsed.ErrorType == "not implemented":
		return fmt.Errorf("lake: %s refused: %w", firstWord(query), ErrNotReadOnly)
	case parsed.Error:
		return fmt.Errorf("lake: %s error: %s", parsed.ErrorType, parsed.Message)
	case len(parsed.Statements) != 1:
		return fmt.Errorf("lake: %d statements refused: %w", len(parsed.Statements), ErrNotReadOnly)
	}
	return nil
}

// firstWord names a statement by its keyword for messages: COPY, ATTACH, ...
func firstWord(query string) string {
	f := strings.Fields(query)
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(strings.TrimRight(f[0], "(;"))
}

// prepareOne prepares exactly one statement without running anything:
// the driver's context-free Prepare refuses several statements before it
// executes any (its PrepareContext would run all but the last).
func prepareOne(conn *duckdb.Conn, query string) (*duckdb.Stmt, error) {
	st, err := conn.Prepare(query)
	if err != nil {
		if strings.Contains(err.Error(), "multi-statement") {
			return nil, fmt.Errorf("lake: %w: found several statements", ErrNotReadOnly)
		}
		return nil, fmt.Errorf("lake: %w", err)
	}
	stmt, ok := st.(*duckdb.Stmt)
	if !ok {
		_ = st.Close()
		return nil, fmt.Errorf("lake: unexpected statement %T", st)
	}
	t, err := stmt.StatementType()
	if err != nil {
		_ = stmt.Close()
		return nil, fmt.Errorf("lake: %w", err)
	}
	if t != duckdb.STATEMENT_TYPE_SELECT {
		_ = stmt.Close()
		return nil, fmt.Errorf("lake: %w: this is a %s statement", ErrNotReadOnly, statementName(t))
	}
	return stmt, nil
}

// readOnlyNames prepares the caller's own statement (without running it)
// to check its kind once more and to read its column names, which the
// wrapping query would otherwise dedupe (a, a_1).
func readOnlyNames(conn *duckdb.Conn, query string) ([]string, error) {
	stmt, err := prepareOne(conn, query)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	n, err := stmt.ColumnCount()
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	names := make([]string, n)
	for i := range names {
		if names[i], err = stmt.ColumnName(i); err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
	}
	return names, nil
}

// IsNumber tells whether a column type prints as a plain number.
func IsNumber(typ string) bool {
	typ, _, _ = strings.Cut(typ, "(")
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL":
		return true
	}
	return false
}

func statementName(t duckdb.StmtType) string {
	names := map[duckdb.StmtType]string{
		duckdb.STATEMENT_TYPE_INSERT: "INSERT", duckdb.STATEMENT_TYPE_UPDATE: "UPDATE",
		duckdb.STATEMENT_TYPE_EXPLAIN: "EXPLAIN", duckdb.STATEMENT_TYPE_DELETE: "DELETE",
		duckdb.STATEMENT_TYPE_PREPARE: "PREPARE", duckdb.STATEMENT_TYPE_CREATE: "CREATE",
		duckdb.STATEMENT_TYPE_EXECUTE: "EXECUTE", duckdb.STATEMENT_TYPE_ALTER: "ALTER",
		duckdb.STATEMENT_TYPE_TRANSACTION: "transaction", duckdb.STATEMENT_TYPE_COPY: "COPY",
		duckdb.STATEMENT_TYPE_ANALYZE: "ANALYZE", duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE",
		duckdb.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION", duckdb.STATEMENT_TYPE_DROP: "DROP",
		duckdb.STATEMENT_TYPE_EXPORT: "EXPORT", duckdb.STATEMENT_TYPE_PRAGMA: "PRAGMA",
		duckdb.STATEMENT_TYPE_VACUUM: "VACUUM", duckdb.STATEMENT_TYPE_CALL: "CALL",
		duckdb.STATEMENT_TYPE_SET: "SET", duckdb.STATEMENT_TYPE_LOAD: "LOAD or INSTALL",
		duckdb.STATEMENT_TYPE_EXTENSION: "extension", duckdb.STATEMENT_TYPE_ATTACH: "ATTACH",
		duckdb.STATEMENT_TYPE_DETACH: "DETACH", duckdb.STATEMENT_TYPE_MULTI: "multi-part",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return "non-SELECT"
}

// ident quotes an identifier that tally itself chose.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// literal quotes a string literal (used only for paths tally chose).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
