// Package extract lands the landing directory's tables as typed Parquet
// under raw/, with every row that breaks the contract (CONTRACT.md) kept in
// raw/rejects/rejects.parquet with a stable reason code. Every input row is
// accepted or rejected, never lost: for each table RowsRead = Accepted +
// Rejected. extract knows nothing of points.
//
// DuckDB does the work: its readers parse the files (read_csv and
// read_parquet, in parallel; JSONL lines are decoded by encoding/json, see
// jsonl.go), the checks are SQL over the rows' text (validate.go), and
// duplicate keys and unknown partners are found exactly, by joins.
package extract

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"tally/pipeline/rulebook"
)

// Options say what to extract and where to land it.
type Options struct {
	Input       string             // the landing directory, or a postgres:// URL (see postgres.go)
	PGSchema    string             // the schema holding the tables when Input is a URL; "" = DefaultPGSchema
	RawDir      string             // where <table>/<table>.parquet and rejects/rejects.parquet go; "" = check only, write nothing
	Rulebook    *rulebook.Rulebook // names the license types and lifecycle activities rows may use
	Logger      *slog.Logger       // progress, to stderr; nil = no logs
	MemoryLimit string             // DuckDB's memory_limit while extracting; "" = DefaultMemoryLimit
	TempDir     string             // where DuckDB spills; "" = a new directory under the system's, removed after
}

// TableResult is what became of one input table.
type TableResult struct {
	Table    string           `json:"table"`
	File     string           `json:"file"` // the input read; "" when an optional table is absent
	Format   string           `json:"format"`
	SHA256   string           `json:"sha256"`
	RowsRead int64            `json:"rows_read"`
	Accepted int64            `json:"accepted"`
	Rejected int64            `json:"rejected"`
	Reasons  map[string]int64 `json:"reasons,omitempty"` // rejected rows per reason code
	Output   string           `json:"output,omitempty"`  // the Parquet file written (when RawDir is set)
	Source   *Source          `json:"source,omitempty"`  // the database table read, in place of File and SHA256
}

// Source is where in a database a table was read from. Every table of a
// run is read in one transaction, so they share SnapshotTime.
type Source struct {
	Kind         string    `json:"kind"`            // "postgres"
	URL          string    `json:"url"`             // the --input URL, its password redacted (Redact)
	Database     string    `json:"database"`        // the database name
	Schema       string    `json:"schema"`          // --pg-schema
	Table        string    `json:"table,omitempty"` // the table or view read; "" when an optional table is absent
	SnapshotTime time.Time `json:"snapshot_time"`   // now() in the transaction: what the tables were as of
}

// Result is the outcome of Run.
type Result struct {
	Tables      []TableResult `json:"tables"` // in the order of CONTRACT.md
	Rejects     int64         `json:"rejects"`
	RejectsFile string        `json:"rejects_file,omitempty"` // RawDir/rejects/rejects.parquet
}

// source is an input table ready to be staged in DuckDB (its columns
// checked).
type source interface {
	stage(ctx context.Context, s *session, t *table) (*staged, error)
}

// input is one table's input, opened.
type input struct {
	landing
	file *inputFile // nil for a database table or an absent one
	src  source     // nil when an optional table is absent
}

// Run extracts every table of opts.Input, a landing directory or a
// PostgreSQL database (see postgres.go). Every input is found and opened
// (its columns checked) before anything is read, so a missing table or
// column fails fast. Partners and FX rates come first (other tables check
// partner_id and currency against what they accepted), then the others.
//
// Each output is written aside and renamed into place when complete; when
// Run fails, outputs of tables that were complete may remain in RawDir,
// but never a partial file. The error is an *InputError (errors.Is(err,
// ErrInput)) when the input is unusable.
func Run(ctx context.Context, opts Options) (_ *Result, err error) {
	if opts.Rulebook == nil {
		return nil, errors.New("extract: no rulebook")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	var db *pgSource
	if IsPostgres(opts.Input) {
		if db, err = openPostgres(ctx, opts.Input, opts.PGSchema, log); err != nil {
			return nil, err
		}
		defer db.close()
	} else if fi, err := os.Stat(opts.Input); err != nil || !fi.IsDir() {
		return nil, &InputError{File: opts.Input, Msg: "the landing directory cannot be read", Err: err}
	}
	s, err := openSession(ctx, opts.MemoryLimit, opts.TempDir)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close()) }()

	tabs := tables()
	ins := make([]input, len(tabs))
	defer func() {
		for _, in := range ins {
			if in.file != nil {
				in.file.close()
			}
		}
	}()
	for i, t := range tabs {
		if ins[i], err = open(ctx, s, db, opts.Input, t); err != nil {
			return nil, err
		}
	}
	if err := prepare(ctx, s, opts.Rulebook); err != nil {
		return nil, err
	}

	res := &Result{Tables: make([]TableResult, len(tabs))}
	order := []string{"partners", "fx_rates", "bookings", "oem_credits", "influence_claims", "lifecycle_claims", "capabilities", "requirements", "business_models"}
	for _, name := range order {
		i := slices.IndexFunc(tabs, func(t *table) bool { return t.name == name })
		if res.Tables[i], err = land(ctx, s, tabs[i], ins[i], opts.RawDir, log); err != nil {
			return nil, err
		}
		res.Rejects += res.Tables[i].Rejected
	}
	if opts.RawDir != "" {
		res.RejectsFile = filepath.Join(opts.RawDir, "rejects", "rejects.parquet")
		if err := copyTo(ctx, s, `SELECT * FROM extract_rejects ORDER BY "table", row_number`, res.RejectsFile); err != nil {
			return nil, err
		}
	}
	log.Info("extract done", "tables", len(res.Tables), "rejects", res.Rejects, "seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))
	return res, nil
}

// open finds a table's input and opens it, checking its columns.
func open(ctx context.Context, s *session, db *pgSource, dir string, t *table) (input, error) {
	var in input
	var err error
	if db != nil {
		if in.landing, err = db.find(t.name, t.required); err != nil {
			return in, err
		}
		if in.db != nil {
			in.src, err = in.db.open(t)
		}
		return in, err
	}
	if in.landing, err = find(dir, t.name, t.required); err != nil || !in.present() {
		return in, err
	}
	if in.file, err = openInput(in.path); err != nil {
		return in, err
	}
	switch in.format {
	case "csv":
		in.src, err = openCSV(in.file, t)
	case "jsonl":
		in.src, err = openJSONL(in.file, t)
	default:
		in.src, err = openParquet(ctx, s, in.file, t)
	}
	return in, err
}

// prepare creates what every table's checks read: the allowed names, the
// rejects, and (empty until their tables are landed) the accepted
// partners and the FX rates.
func prepare(ctx context.Context, s *session, rb *rulebook.Rulebook) error {
	for _, q := range []string{
		`CREATE OR REPLACE TABLE extract_names (set_name VARCHAR, pos INTEGER, name VARCHAR)`,
		`CREATE OR REPLACE TABLE extract_rejects ("table" VARCHAR, row_number BIGINT, key VARCHAR, reason VARCHAR, detail VARCHAR, raw VARCHAR)`,
		`CREATE OR REPLACE TABLE extract_partners (partner_id VARCHAR)`,
		`CREATE OR REPLACE TABLE extract_fx (currency VARCHAR, first_from DATE, max_rate DECIMAL(18,10))`,
	} {
		if err := s.exec(ctx, q); err != nil {
			return err
		}
	}
	sets := map[string][]string{"license_types": rb.LicenseTypes, "activities": rb.LifecycleActivities()}
	for k, v := range contractSets {
		sets[k] = v
	}
	return s.appendRows(ctx, "extract_names", func(add func(...driver.Value) error) error {
		for set, names := range sets {
			for i, n := range names {
				if err := add(set, int32(i), n); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// land checks one table's rows, writes the accepted ones to
// rawDir/<table>/<table>.parquet (when rawDir is set) and the rejected
// ones to extract_rejects.
func land(ctx context.Context, s *session, t *table, in input, rawDir string, log *slog.Logger) (TableResult, error) {
	start := time.Now()
	r := TableResult{Table: t.name, File: in.path, Format: in.format, Source: in.source}
	if rawDir != "" {
		r.Output = filepath.Join(rawDir, t.name, t.name+".parquet")
	}
	var sum chan error
	if in.file != nil {
		sum = make(chan error, 1)
		go func() {
			var err error
			r.SHA256, err = in.file.sha256()
			sum <- err
		}()
	}
	err := stageAndCheck(ctx, s, t, in, &r, rawDir)
	if sum != nil {
		err = errors.Join(err, <-sum)
	}
	if err != nil {
		return r, err
	}
	args := []any{"table", t.name, "file", r.File}
	if r.Source != nil {
		rel := "(absent)"
		if r.Source.Table != "" {
			rel = r.Source.Schema + "." + r.Source.Table
		}
		args = []any{"table", t.name, "relation", rel}
	}
	log.Info("extracted", append(args, "format", r.Format, "rows", r.RowsRead,
		"accepted", r.Accepted, "rejected", r.Rejected, "seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))...)
	return r, nil
}

func stageAndCheck(ctx context.Context, s *session, t *table, in input, r *TableResult, rawDir string) error {
	if in.src == nil {
		// an absent optional table lands as a table with no rows
		st := &staged{rel: "(SELECT NULL::BIGINT AS _n, NULL::VARCHAR AS _malformed, NULL::VARCHAR AS _malformed_reason LIMIT 0)", numbered: true, raw: "''"}
		return checkTable(ctx, s, t, st, r, rawDir)
	}
	st, err := in.src.stage(ctx, s, t)
	if err != nil {
		return err
	}
	return checkTable(ctx, s, t, st, r, rawDir)
}

// checkTable runs the checks over a staged table and lands the outcome.
func checkTable(ctx context.Context, s *session, t *table, st *staged, r *TableResult, rawDir string) error {
	final, faults, rows := ident("final_"+t.name), ident("faults_"+t.name), ident("rows_"+t.name)
	if err := s.exec(ctx, valuesSQL(t, st)); err != nil {
		if in := st.input; in != nil {
			return &InputError{File: in.path, Msg: "cannot read", Err: err}
		}
		return fmt.Errorf("extract: read %s: %w", t.name, err)
	}
	if st.number != nil {
		if err := st.number(ctx); err != nil {
			return err
		}
	} else if err := s.exec(ctx, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT rowid AS _rowid, * FROM %s", rows, ident("values_"+t.name))); err != nil {
		return err
	}
	rawRel := st.rawRel
	if rawRel == "" {
		rawRel = rows
	}
	for _, q := range []string{checkedSQL(t, st), dupsSQL(t), finalSQL(t),
		fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT _rowid, _n, _key, _fault FROM %s WHERE _fault IS NOT NULL", faults, final),
		// the raw text only of the rejected rows
		fmt.Sprintf(`INSERT INTO extract_rejects SELECT %s, f._n, f._key, f._fault.reason, f._fault.detail, %s FROM %s f JOIN %s l ON l._n = f._n`,
			lit(t.name), st.raw, faults, rawRel)} {
		if err := s.exec(ctx, q); err != nil {
			return fmt.Errorf("extract: check %s: %w", t.name, err)
		}
	}
	if r.Output != "" {
		rejected, err := s.count(ctx, "SELECT count(*) FROM "+faults)
		if err != nil {
			return err
		}
		// The accepted rows are the rows not flagged rejected: a scan, a
		// filter and a projection, which keep the row order.
		query := fmt.Sprintf("SELECT %s FROM %s", typedSQL(t, st), rows)
		if rejected > 0 {
			err := s.exec(ctx, fmt.Sprintf("UPDATE %s SET _rejected = true WHERE rowid IN (SELECT _rowid FROM %s)", ident("values_"+t.name), faults))
			if err != nil {
				return err
			}
			query += " WHERE NOT _rejected"
		}
		if st.sorted {
			query += " ORDER BY _n"
		}
		if err := copyTo(ctx, s, query, r.Output); err != nil {
			return err
		}
	}
	if len(st.refused) > 0 {
		err := s.appendRows(ctx, "extract_rejects", func(add func(...driver.Value) error) error {
			for _, x := range st.refused {
				if err := add(x.Table, x.RowNumber, x.Key, x.Reason, x.Detail, x.Raw); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	counts, err := s.conn.QueryContext(ctx, `SELECT reason, count(*) FROM extract_rejects WHERE "table" = ? GROUP BY reason`, t.name)
	if err != nil {
		return s.wrap(err)
	}
	defer counts.Close()
	r.RowsRead = st.rows + int64(len(st.refused))
	for counts.Next() {
		var reason string
		var n int64
		if err := counts.Scan(&reason, &n); err != nil {
			return s.wrap(err)
		}
		if r.Reasons == nil {
			r.Reasons = map[string]int64{}
		}
		r.Reasons[reason] = n
		r.Rejected += n
	}
	if err := counts.Err(); err != nil {
		return s.wrap(err)
	}
	r.Accepted = r.RowsRead - r.Rejected
	switch t.name {
	case "partners":
		err = s.exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE extract_partners AS SELECT %s AS partner_id FROM %s WHERE _fault IS NULL`, v("partner_id"), final))
	case "fx_rates":
		err = s.exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE extract_fx AS
			SELECT %s AS currency, min(%s) AS first_from, max(%s) AS max_rate FROM %s WHERE _fault IS NULL GROUP BY ALL`,
			u("currency"), d("valid_from"), x("usd_per_unit"), final))
	}
	if err != nil {
		return err
	}
	return drop(ctx, s, t)
}

// drop removes what a table's checks left in DuckDB.
func drop(ctx context.Context, s *session, t *table) error {
	for _, q := range []string{
		"DROP VIEW IF EXISTS " + ident("final_"+t.name),
		"DROP TABLE IF EXISTS " + ident("faults_"+t.name),
		"DROP VIEW IF EXISTS " + ident("checked_"+t.name),
		"DROP TABLE IF EXISTS " + ident("dups_"+t.name),
		"DROP VIEW IF EXISTS " + ident("rows_"+t.name),
		"DROP TABLE IF EXISTS " + ident("values_"+t.name),
		"DROP VIEW IF EXISTS " + ident("src_"+t.name),
		"DROP TABLE IF EXISTS " + ident("land_"+t.name),
		"DROP TABLE IF EXISTS " + ident("gaps_"+t.name),
		"DROP TABLE IF EXISTS " + ident("refused_"+t.name),
	} {
		if err := s.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
