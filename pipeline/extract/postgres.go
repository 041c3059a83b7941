package extract

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// PostgreSQL as an input: --input postgres://... reads the nine tables from
// tables or views of the same names in one schema (--pg-schema, default
// public), all in ONE transaction, REPEATABLE READ and READ ONLY, so the
// tables are one consistent snapshot of the database. Each table is read
// through a cursor, pgBatchRows rows per FETCH, and its rows go to DuckDB
// through the Appender as the values pgx scanned; the same SQL as for files
// then checks them.
//
// A table has no row order of its own, so rows are read ordered by the
// table's key, then by every other column (text in byte order): row_number
// is the row's place in that order, the same on every run over the same
// data. The password of the URL is never printed: errors, logs and results
// show the URL from Redact; give it in PGPASSWORD or a .pgpass file rather
// than in the URL, so it is not in the process list either.
//
// A server that stops answering cannot hang a run: connecting gives up
// after pgConnectTimeout (unless the URL sets connect_timeout), and each
// statement after pgStatementTimeout (the server is also told so).

// DefaultPGSchema is the schema read when none is given.
const DefaultPGSchema = "public"

// pgBatchRows is the number of rows per FETCH.
const pgBatchRows = 2048

// The limits that keep a silent server from hanging a run.
const (
	pgConnectTimeout   = 10 * time.Second
	pgStatementTimeout = 10 * time.Minute
)

// IsPostgres says whether an --input names a PostgreSQL database rather
// than a landing directory.
func IsPostgres(input string) bool {
	return strings.HasPrefix(input, "postgres://") || strings.HasPrefix(input, "postgresql://")
}

const redactedMark = "xxxxx"

// Redact returns an --input fit to print and store: a PostgreSQL URL with
// its password (in the user info, or a password or sslpassword parameter)
// replaced by xxxxx, as in postgres://user:xxxxx@host/db. A URL that does
// not parse is not shown at all; anything else is returned unchanged.
func Redact(input string) string {
	if !IsPostgres(input) {
		return input
	}
	u, err := url.Parse(input)
	if err != nil {
		scheme, _, _ := strings.Cut(input, "://")
		return scheme + "://(a URL that does not parse, not shown)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redactedMark)
	}
	q := u.Query()
	changed := false
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, redactedMark)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// secretsOf lists the password texts of a URL, as given and as decoded, so
// they can be blanked out of a driver's error messages (which should not
// hold them anyway).
func secretsOf(input string) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	if _, rest, ok := strings.Cut(input, "://"); ok {
		auth, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(auth[:at], ":"); ok {
				add(pw)
			}
		}
	}
	if u, err := url.Parse(input); err == nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		for _, k := range []string{"password", "sslpassword"} {
			for _, v := range u.Query()[k] {
				add(v)
			}
		}
	}
	return out
}

// redactedError is a driver error with the connection's passwords blanked
// out of its text.
type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string {
	s := e.err.Error()
	for _, p := range e.secrets {
		s = strings.ReplaceAll(s, p, redactedMark)
	}
	return s
}

func (e *redactedError) Unwrap() error { return e.err }

// pgSource is one PostgreSQL database being read: a connection holding the
// transaction every table is read in. Whoever opens it closes it, after
// the readers of its tables.
type pgSource struct {
	url      string // redacted: safe to print
	schema   string
	database string
	snapshot time.Time // now() in the transaction
	secrets  []string
	ctx      context.Context // Run's; every statement runs under it

	mu      sync.Mutex // the connection runs one statement at a time
	conn    *pgx.Conn
	tx      pgx.Tx
	cursors int
}

// pgSnapshotTaken, when set (by tests), runs once the transaction holds its
// snapshot and before any table is read.
var pgSnapshotTaken func()

func openPostgres(ctx context.Context, input, schema string, log *slog.Logger) (_ *pgSource, err error) {
	if schema == "" {
		schema = DefaultPGSchema
	}
	s := &pgSource{url: Redact(input), schema: schema, secrets: secretsOf(input), ctx: ctx}
	cfg, err := pgx.ParseConfig(input)
	if err != nil {
		return nil, s.fail("", "not a usable PostgreSQL URL", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = strconv.Itoa(int(pgStatementTimeout.Milliseconds()))
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "tally"
	}
	if s.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, s.fail("", "cannot connect to PostgreSQL", err)
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.tx, err = s.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		return nil, s.fail("", "cannot begin a transaction", err)
	}
	// The transaction's first query takes its snapshot: every table is read
	// as of this moment, whatever is committed meanwhile.
	var exists bool
	err = s.tx.QueryRow(ctx, `SELECT now(), current_database(), EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)`,
		schema).Scan(&s.snapshot, &s.database, &exists)
	if err != nil {
		return nil, s.fail("", "cannot read", err)
	}
	if !exists {
		return nil, &InputError{File: s.url, Msg: fmt.Sprintf("the schema %q does not exist in database %s", schema, s.database)}
	}
	if pgSnapshotTaken != nil {
		pgSnapshotTaken()
	}
	log.Info("reading PostgreSQL", "url", s.url, "database", s.database, "schema", schema, "snapshot_time", s.snapshot)
	return s, nil
}

// where names a table of the source in errors.
func (s *pgSource) where(table string) string {
	if table == "" {
		return s.url
	}
	return s.url + ": table " + s.schema + "." + table
}

// fail is an *InputError about table ("" for the database) with a driver
// error as its cause.
func (s *pgSource) fail(table, msg string, err error) error {
	return &InputError{File: s.where(table), Msg: msg, Err: &redactedError{err: err, secrets: s.secrets}}
}

// locked runs fn with the connection to itself.
func (s *pgSource) locked(fn func(ctx context.Context, tx pgx.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(s.ctx, s.tx)
}

// describe is what the result says of a table read from the source
// (table "" for an absent one).
func (s *pgSource) describe(table string) *Source {
	return &Source{Kind: "postgres", URL: s.url, Database: s.database, Schema: s.schema, Table: table, SnapshotTime: s.snapshot}
}

func (s *pgSource) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
	defer cancel()
	var err error
	if s.tx != nil {
		err = s.tx.Rollback(ctx) // read only: there is nothing to commit
		s.tx = nil
	}
	if s.conn != nil {
		err = errors.Join(err, s.conn.Close(ctx))
		s.conn = nil
	}
	return err
}

// pgColumn is a column of a table or view, with its type.
type pgColumn struct {
	name  string
	shown string // as PostgreSQL names it, e.g. "character varying(20)"
	kind  pgKind
}

// pgKind is what a PostgreSQL type is to tally.
type pgKind uint8

const (
	pgOther   pgKind = iota // nothing tally reads
	pgString                // text, varchar, char, name, an enum
	pgInteger               // smallint, integer, bigint
	pgNumeric               // numeric
	pgBoolean               // boolean
	pgDate                  // date
	pgList                  // an array of strings
)

// pgKindOf classifies a type by its (domain-resolved) name and category.
func pgKindOf(name, category, elemCategory string) pgKind {
	switch {
	case category == "S" || category == "E":
		return pgString
	case name == "int2" || name == "int4" || name == "int8":
		return pgInteger
	case name == "numeric":
		return pgNumeric
	case name == "bool":
		return pgBoolean
	case name == "date":
		return pgDate
	case category == "A" && (elemCategory == "S" || elemCategory == "E"):
		return pgList
	}
	return pgOther
}

// pgTable is a table or view that holds one of the input tables.
type pgTable struct {
	src  *pgSource
	name string
	cols []pgColumn // in the table's order
	rows int64      // the planner's estimate
}

// find looks up a table or view named after the input table in the
// schema: required tables must be there; an absent optional one is empty.
func (s *pgSource) find(name string, required bool) (landing, error) {
	l := landing{table: name, format: "postgres", source: s.describe("")}
	var (
		oid  uint32
		rows int64
	)
	err := s.locked(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT c.oid, greatest(c.reltuples, 0)::bigint
			FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`, s.schema, name).Scan(&oid, &rows)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows) && required:
		return landing{}, &InputError{File: s.where(name), Msg: fmt.Sprintf("the required table %s is missing (want a table or view %s in schema %s)", name, name, s.schema)}
	case errors.Is(err, pgx.ErrNoRows):
		return l, nil
	case err != nil:
		return landing{}, s.fail(name, "cannot read the catalog", err)
	}
	t := &pgTable{src: s, name: name, rows: rows}
	err = s.locked(func(ctx context.Context, tx pgx.Tx) error {
		rs, err := tx.Query(ctx, `SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
				coalesce(b.typname, t.typname)::text, coalesce(b.typcategory, t.typcategory)::text, coalesce(e.typcategory::text, '')
			FROM pg_catalog.pg_attribute a
			JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
			LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
			LEFT JOIN pg_catalog.pg_type e ON e.oid = coalesce(b.typelem, t.typelem)
			WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
			ORDER BY a.attnum`, oid)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c pgColumn
			var typ, cat, elem string
			if err := rs.Scan(&c.name, &c.shown, &typ, &cat, &elem); err != nil {
				return err
			}
			c.kind = pgKindOf(typ, cat, elem)
			t.cols = append(t.cols, c)
		}
		return rs.Err()
	})
	if err != nil {
		return landing{}, s.fail(name, "cannot read the catalog", err)
	}
	l.db, l.source = t, s.describe(name)
	return l, nil
}

// pgField is a column read from a table: how it is selected, ordered and
// built into the batch.
type pgField struct {
	name  string
	kind  pgKind // after the cast: pgString, pgInteger, pgBoolean, pgDate or pgList
	expr  string // the select expression
	order string // the ORDER BY expression
}

// field says how a column of the table is read for column c, or why its
// type cannot hold c's values. Strings are read as text (numeric too, so
// its digits stay exact), integers as bigint, arrays as text[].
func pgFieldOf(c column, pc pgColumn) (pgField, error) {
	ident := pgx.Identifier{pc.name}.Sanitize()
	f := pgField{name: pc.name}
	allowed := map[pgKind]bool{pgString: true}
	var want string
	switch {
	case c.list:
		allowed[pgList] = true
		want = "text[] (or varchar[]), or text holding a ;-separated list"
	case c.typ == dateType:
		allowed[pgDate] = true
		want = "date, or text holding YYYY-MM-DD"
	case c.typ == decimalType:
		allowed[pgNumeric], allowed[pgInteger] = true, true
		want = "numeric, an integer type, or text"
	case c.typ == booleanType:
		allowed[pgBoolean] = true
		want = "boolean, or text holding true or false"
	default:
		allowed[pgInteger] = true
		want = "text (varchar, char, an enum) or an integer type"
	}
	if !allowed[pc.kind] {
		return f, fmt.Errorf("has type %s; want %s", pc.shown, want)
	}
	switch pc.kind {
	case pgString, pgNumeric:
		f.kind, f.expr = pgString, ident+"::text"
		f.order = f.expr + ` COLLATE "C"`
	case pgInteger:
		f.kind, f.expr = pgInteger, ident+"::bigint"
		f.order = f.expr
	case pgList:
		f.kind, f.expr = pgList, ident+"::text[]"
		f.order = f.expr + ` COLLATE "C"`
	default:
		f.kind, f.expr = pc.kind, ident
		f.order = f.expr
	}
	return f, nil
}

// open checks the table's columns against the input table's and declares
// a cursor over its rows, ordered by key then every other column.
// open checks the table's columns against the input table's and declares
// a cursor over its rows, ordered by key then every other column.
func (t *pgTable) open(tab *table) (*pgReader, error) {
	where := t.src.where(t.name)
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	at, err := project(where, names, tab.cols) // input column -> table column, -1 when absent
	if err != nil {
		return nil, err
	}
	r := &pgReader{t: t, where: where, of: map[string]int{}}
	// the columns read, in the table's order (raw text shows them so)
	readAs := make([]int, len(t.cols)) // table column -> input column, -1 when not read
	for i := range readAs {
		readAs[i] = -1
	}
	for i, j := range at {
		if j >= 0 {
			readAs[j] = i
		}
	}
	var sel []string
	for j, i := range readAs {
		if i < 0 {
			continue
		}
		f, err := pgFieldOf(tab.cols[i], t.cols[j])
		if err != nil {
			return nil, &InputError{File: where, Column: tab.cols[i].name, Msg: err.Error()}
		}
		r.of[tab.cols[i].name] = len(r.fields)
		r.fields = append(r.fields, f)
		sel = append(sel, f.expr)
	}
	var order []string
	ordered := make([]bool, len(r.fields))
	for _, k := range tab.key {
		if j, ok := r.of[k]; ok && !ordered[j] {
			order, ordered[j] = append(order, r.fields[j].order), true
		}
	}
	for j, f := range r.fields {
		if !ordered[j] {
			order = append(order, f.order)
		}
	}
	// every input table has a required column, so sel is never empty
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + pgx.Identifier{t.src.schema, t.name}.Sanitize()
	if len(order) > 0 {
		query += " ORDER BY " + strings.Join(order, ", ")
	}
	err = t.src.locked(func(ctx context.Context, tx pgx.Tx) error {
		t.src.cursors++
		r.cursor = "tally_" + t.name + "_" + strconv.Itoa(t.src.cursors)
		_, err := tx.Exec(ctx, "DECLARE "+r.cursor+" NO SCROLL CURSOR FOR "+query)
		return err
	})
	if err != nil {
		return nil, t.src.fail(t.name, "cannot read", err)
	}
	return r, nil
}

// pgReader reads one table through its cursor, pgBatchRows rows per FETCH,
// and appends each row to DuckDB through the Appender as the typed values
// pgx scanned (text, bigint, boolean, date, text[]): no value goes through
// text on the way. Only a batch is in memory, never a table.
type pgReader struct {
	t      *pgTable
	where  string
	cursor string
	fields []pgField
	of     map[string]int // input column -> field
}

// Dates PostgreSQL calls infinity and -infinity have no DuckDB date from
// Go; they land as NULL with their text in the column's b: (a bad date).
func infinity(m pgtype.InfinityModifier) string {
	if m == pgtype.Infinity {
		return "infinity"
	}
	return "-infinity"
}

func (r *pgReader) stage(ctx context.Context, s *session, t *table) (*staged, error) {
	land := "land_" + t.name
	defs := []string{"_n BIGINT"}
	st := &staged{rel: ident(land), cols: map[string]stagedCol{}}
	var raw []string
	for k, f := range r.fields {
		typ := map[pgKind]string{pgInteger: "BIGINT", pgBoolean: "BOOLEAN", pgDate: "DATE", pgList: "VARCHAR[]"}[f.kind]
		if typ == "" {
			typ = "VARCHAR"
		}
		col := ident(field(k))
		defs = append(defs, col+" "+typ)
		text := col
		if f.kind != pgString && f.kind != pgList {
			text = "CAST(" + col + " AS VARCHAR)"
		}
		if f.kind == pgDate {
			defs = append(defs, ident(field(k)+"__bad")+" VARCHAR")
			text = fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), %s)", col, ident(field(k)+"__bad"))
		}
		raw = append(raw, ident(f.name)+" := "+text)
	}
	for name, k := range r.of {
		f := r.fields[k]
		sc := stagedCol{expr: ident(field(k)), array: f.kind == pgList}
		if f.kind != pgString && f.kind != pgList {
			sc.expr = "CAST(" + sc.expr + " AS VARCHAR)"
		}
		if f.kind == pgDate {
			bad := ident(field(k) + "__bad")
			sc.bad = fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN {'reason': %s, 'detail': tally_quote(%s) || ' is not a YYYY-MM-DD calendar date'} END",
				bad, lit(ReasonBadDate), bad)
		}
		st.cols[name] = sc
	}
	st.raw = "to_json(struct_pack(" + strings.Join(raw, ", ") + "))::VARCHAR"
	if err := s.exec(ctx, "CREATE OR REPLACE TABLE "+ident(land)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return nil, err
	}
	if err := s.exec(ctx, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT *, NULL::VARCHAR AS _malformed, NULL::VARCHAR AS _malformed_reason FROM %s",
		ident("src_"+t.name), ident(land))); err != nil {
		return nil, err
	}
	st.rel, st.numbered, st.rawRel = ident("src_"+t.name), true, ident(land)
	dest := make([]any, len(r.fields))
	for k, f := range r.fields {
		dest[k] = map[pgKind]any{pgInteger: new(pgtype.Int8), pgBoolean: new(pgtype.Bool), pgDate: new(pgtype.Date),
			pgList: new(pgtype.Array[pgtype.Text])}[f.kind]
		if dest[k] == nil {
			dest[k] = new(pgtype.Text)
		}
	}
	fetch := "FETCH FORWARD " + strconv.Itoa(pgBatchRows) + " FROM " + r.cursor
	err := s.appendRows(ctx, land, func(add func(...driver.Value) error) error {
		for {
			n := 0
			err := r.t.src.locked(func(ctx context.Context, tx pgx.Tx) error {
				ctx, cancel := context.WithTimeout(ctx, pgStatementTimeout)
				defer cancel()
				rows, err := tx.Query(ctx, fetch)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					if err := rows.Scan(dest...); err != nil {
						return err
					}
					n++
					st.rows++
					if err := add(r.values(st.rows, dest)...); err != nil {
						return err
					}
				}
				return rows.Err()
			})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return &InputError{File: r.where, Row: st.rows + 1, Msg: "cannot read", Err: &redactedError{err: err, secrets: r.t.src.secrets}}
			}
			if n < pgBatchRows {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return st, r.close()
}

// values is one scanned row as the staged table's values.
func (r *pgReader) values(n int64, dest []any) []driver.Value {
	out := []driver.Value{n}
	for _, d := range dest {
		switch v := d.(type) {
		case *pgtype.Text:
			out = append(out, nullable(v.Valid, v.String))
		case *pgtype.Int8:
			out = append(out, nullable(v.Valid, v.Int64))
		case *pgtype.Bool:
			out = append(out, nullable(v.Valid, v.Bool))
		case *pgtype.Date:
			switch {
			case !v.Valid:
				out = append(out, nil, nil)
			case v.InfinityModifier != pgtype.Finite:
				out = append(out, nil, infinity(v.InfinityModifier))
			default:
				out = append(out, v.Time, nil)
			}
		case *pgtype.Array[pgtype.Text]:
			if !v.Valid {
				out = append(out, nil)
				continue
			}
			l := make([]any, len(v.Elements))
			for i, e := range v.Elements {
				l[i] = nullable(e.Valid, e.String)
			}
			out = append(out, l)
		}
	}
	return out
}

func nullable[T any](valid bool, v T) driver.Value {
	if !valid {
		return nil
	}
	return v
}

func (r *pgReader) close() error {
	return r.t.src.locked(func(ctx context.Context, tx pgx.Tx) error {
		if tx == nil || ctx.Err() != nil {
			return nil
		}
		_, err := tx.Exec(ctx, "CLOSE "+r.cursor)
		return err
	})
}
