// Package extract lands the landing directory's tables as typed Parquet
// under raw/, with every row that breaks the contract (CONTRACT.md) kept in
// raw/rejects/rejects.parquet with a stable reason code. Every input row is
// accepted or rejected, never lost: for each table RowsRead = Accepted +
// Rejected. extract knows nothing of points.
package extract

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tally/pipeline/rulebook"
)

// Options say what to extract and where to land it.
type Options struct {
	Input    string             // the landing directory, or a postgres:// URL (see postgres.go)
	PGSchema string             // the schema holding the tables when Input is a URL; "" = DefaultPGSchema
	RawDir   string             // where <table>/<table>.parquet and rejects/rejects.parquet go; "" = check only, write nothing
	Rulebook *rulebook.Rulebook // names the license types and lifecycle activities rows may use
	Logger   *slog.Logger       // progress, to stderr; nil = no logs
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

// table is one landing table and how to extract it.
type table struct {
	name     string
	required bool
	cols     []column
	key      []int
	extract  func(ctx context.Context, j *job) (*outcome, error)
}

func tableOf[T any](s *spec[T], required bool) table {
	return table{name: s.name, required: required, cols: s.cols, key: s.key, extract: s.extract}
}

// tables in CONTRACT.md order, which is the order of Result.Tables.
func tables() []table {
	return []table{
		tableOf(partnersTable, true),
		tableOf(businessModelsTable, true),
		tableOf(requirementsTable, true),
		tableOf(bookingsTable, true),
		tableOf(oemCreditsTable, false),
		tableOf(lifecycleClaimsTable, false),
		tableOf(influenceClaimsTable, false),
		tableOf(capabilitiesTable, false),
		tableOf(fxRatesTable, false),
	}
}

// workers is how many tables are extracted at once.
const workers = 2

// Run extracts every table of opts.Input, a landing directory or a
// PostgreSQL database (see postgres.go). Partners and FX rates come first
// (other tables check partner_id and currency against what they accepted),
// then the other tables, two at a time, bookings first.
//
// Every input file is found and opened (headers checked) before anything is
// written, so a missing table or column fails fast. Run opens and closes
// every file it reads. Each output is written aside and renamed into place
// when complete; when Run fails, outputs of tables that were complete may
// remain in RawDir, but never a partial file. The error is an *InputError
// (errors.Is(err, ErrInput)) when the input is unusable.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Rulebook == nil {
		return nil, errors.New("extract: no rulebook")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var db *pgSource
	if IsPostgres(opts.Input) {
		var err error
		if db, err = openPostgres(ctx, opts.Input, opts.PGSchema, log); err != nil {
			return nil, err
		}
		// after the readers of its tables (deferred below) are closed
		defer db.close()
	} else if fi, err := os.Stat(opts.Input); err != nil || !fi.IsDir() {
		return nil, &InputError{File: opts.Input, Msg: "the landing directory cannot be read", Err: err}
	}
	start := time.Now()
	tabs := tables()
	jobs := make([]*job, len(tabs))
	defer func() {
		for _, j := range jobs {
			if j != nil && j.src != nil {
				j.src.close()
			}
		}
	}()
	e := newEnv(opts.Rulebook)
	defer e.release()
	for i, t := range tabs {
		var in landing
		var err error
		if db != nil {
			in, err = db.find(t.name, t.required)
		} else {
			in, err = find(opts.Input, t.name, t.required)
		}
		if err != nil {
			return nil, err
		}
		j := &job{in: in, rawDir: opts.RawDir, env: e, log: log}
		if in.present() {
			if j.src, err = in.open(t.cols, t.key); err != nil {
				return nil, err
			}
		}
		jobs[i] = j
	}

	outs := make([]*outcome, len(tabs))
	defer func() {
		for _, o := range outs {
			if o != nil && o.rejects != "" {
				os.Remove(o.rejects)
			}
		}
	}()
	run := func(ctx context.Context, i int) error {
		o, err := tabs[i].extract(ctx, jobs[i])
		outs[i] = o
		return err
	}
	at := func(name string) int {
		return slices.IndexFunc(tabs, func(t table) bool { return t.name == name })
	}
	first := []int{at("partners"), at("fx_rates")}
	var rest []int
	for _, name := range []string{"bookings", "oem_credits", "influence_claims", "lifecycle_claims", "capabilities", "requirements", "business_models"} {
		rest = append(rest, at(name))
	}
	for _, phase := range [][]int{first, rest} {
		if err := parallel(ctx, phase, run); err != nil {
			return nil, err
		}
	}

	res := &Result{}
	for _, o := range outs {
		res.Tables = append(res.Tables, o.result)
		res.Rejects += o.result.Rejected
	}
	if opts.RawDir != "" {
		res.RejectsFile = filepath.Join(opts.RawDir, "rejects", "rejects.parquet")
		if err := writeRejects(res.RejectsFile, outs); err != nil {
			return nil, err
		}
	}
	log.Info("extract done", "tables", len(res.Tables), "rejects", res.Rejects, "seconds", time.Since(start).Round(time.Millisecond).Seconds())
	return res, nil
}

// parallel runs do for each of items over at most workers goroutines. The
// first failure cancels the rest; the error returned is that of the
// earliest item that failed other than by that cancellation.
func parallel(ctx context.Context, items []int, do func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(items)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(items) {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[k] = err
					return
				}
				if err := do(ctx, items[k]); err != nil {
					errs[k] = err
					cancel()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// landing is where one table's input is: a file, or a table of a database.
type landing struct {
	table  string
	path   string   // the file; "" when an optional table is absent or the input is a database
	format string   // csv, jsonl, parquet or postgres
	db     *pgTable // the table or view in PostgreSQL; nil for a file or an absent table
	source *Source  // what the result says of a database table (also an absent one)
}

func (l landing) present() bool { return l.path != "" || l.db != nil }

// where names the input in errors and logs.
func (l landing) where() string {
	if l.db != nil {
		return l.db.src.where(l.table)
	}
	return l.path
}

var formats = []string{"csv", "jsonl", "parquet"}

// find looks for <table>.csv, .jsonl or .parquet in dir: exactly one for a
// required table, at most one for an optional one.
func find(dir, name string, required bool) (landing, error) {
	var found []landing
	empty := false // the file found has 0 bytes
	for _, f := range formats {
		p := filepath.Join(dir, name+"."+f)
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return landing{}, &InputError{File: p, Msg: "cannot read", Err: err}
		case fi.IsDir():
			return landing{}, &InputError{File: p, Msg: "is a directory, not a file"}
		}
		found = append(found, landing{table: name, path: p, format: f})
		empty = fi.Size() == 0
	}
	switch {
	case len(found) > 1:
		var names []string
		for _, l := range found {
			names = append(names, filepath.Base(l.path))
		}
		return landing{}, &InputError{File: found[0].path, Msg: fmt.Sprintf("table %s comes in %d files (%s): keep one", name, len(found), strings.Join(names, ", "))}
	case len(found) == 0 && required:
		return landing{}, &InputError{File: filepath.Join(dir, name+".csv"), Msg: fmt.Sprintf("the required table %s is missing (want %s.csv, %s.jsonl or %s.parquet)", name, name, name, name)}
	case len(found) == 0:
		return landing{table: name}, nil
	case empty && required:
		// A JSONL file has no header, so an empty one would read as a
		// table with no rows; for a required table that is a failed
		// export, not a program without partners or bookings.
		return landing{}, &InputError{File: found[0].path, Msg: fmt.Sprintf("empty file (0 bytes): the required table %s cannot be empty", name)}
	}
	return found[0], nil
}

// open opens the input for reading; the caller closes it. A database
// table is read in key order (the key's columns in cols).
func (l landing) open(cols []column, key []int) (reader, error) {
	if l.db != nil {
		return l.db.open(cols, key)
	}
	switch l.format {
	case "csv":
		return openCSV(l.path, cols)
	case "jsonl":
		return openJSONL(l.path, cols)
	default:
		return openParquet(l.path, cols)
	}
}

// writeRejects writes every table's rejects into one file, sorted by table
// then row number: each table's streamed rejects merged with its late ones.
func writeRejects(path string, outs []*outcome) (err error) {
	w, err := createParquet[Reject](path)
	if err != nil {
		return err
	}
	defer w.abort()
	sorted := slices.Clone(outs)
	slices.SortFunc(sorted, func(a, b *outcome) int { return cmp.Compare(a.result.Table, b.result.Table) })
	// Rows read back may share the reader's buffers: each batch is written
	// before the next is read.
	var buf []Reject
	for _, o := range sorted {
		late := o.late
		if o.rejects != "" {
			err := readParquet(o.rejects, func(rows []Reject) error {
				buf = buf[:0]
				for _, r := range rows {
					for len(late) > 0 && late[0].RowNumber < r.RowNumber {
						buf = append(buf, late[0])
						late = late[1:]
					}
					buf = append(buf, r)
				}
				return w.write(buf)
			})
			if err != nil {
				return fmt.Errorf("extract: rejects: %w", err)
			}
		}
		if err := w.write(late); err != nil {
			return err
		}
	}
	return w.commit()
}
