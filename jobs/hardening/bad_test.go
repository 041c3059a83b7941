package hardening_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/extract"
	rb "tally/pipeline/rulebook"
)

// badCase is one broken input of fixtures/bad (README.md there lists them).
// It overlays the files of fixtures/bad/<dir> (and what gen writes) on
// fixtures/bad/base, a small good landing directory; a rulebook.yaml there
// replaces the example rulebook.
type badCase struct {
	dir string
	gen func(t *testing.T, landing string) // writes generated inputs (too big, or binary)

	// The input is unusable: extract fails with ErrInput naming file (and
	// column or row when set), or the rulebook is refused.
	file     string
	column   string
	row      int64
	msg      string // the message says this too
	rulebook bool

	// Otherwise every row is read and either accepted or rejected:
	read    map[string]int64            // table -> rows the file holds (a silent drop shows here)
	reasons map[string]map[string]int64 // table -> reason -> rejected rows (tables not named: none)
	check   func(t *testing.T, res *extract.Result, raw string)
	publish bool // and the whole run must publish (the engine takes what extract accepted)
}

// baseRows are the rows of fixtures/bad/base, per table.
var baseRows = map[string]int64{"partners": 2, "business_models": 2, "requirements": 8, "bookings": 3, "fx_rates": 1}

func badCases() []badCase {
	return []badCase{
		{dir: "truncated", read: map[string]int64{"bookings": 3},
			reasons: map[string]map[string]int64{"bookings": {"malformed_row": 1}}},
		{dir: "truncated-quote", read: map[string]int64{"bookings": 2},
			reasons: map[string]map[string]int64{"bookings": {"malformed_row": 1}}},
		{dir: "semicolon", file: "bookings.csv", column: "booking_id", msg: "required column is missing"},
		{dir: "bom", read: map[string]int64{"partners": 2, "influence_claims": 1}},
		{dir: "crlf", read: map[string]int64{"bookings": 3}, check: func(t *testing.T, _ *extract.Result, raw string) {
			for _, b := range rawRows[extract.Booking](t, raw, "bookings") {
				if s := fmt.Sprintf("%+v", b); strings.Contains(s, "\r") {
					t.Errorf("a value keeps a carriage return: %q", s)
				}
			}
		}},
		{dir: "quoted-newline", read: map[string]int64{"partners": 2}, check: func(t *testing.T, _ *extract.Result, raw string) {
			var names []string
			for _, p := range rawRows[extract.Partner](t, raw, "partners") {
				names = append(names, p.Name)
			}
			// a quoted line end is part of the value, as written (CRLF stays CRLF)
			if want := []string{"Northwind\nSystems, \"East\"", "Contoso\r\nLtd"}; fmt.Sprint(names) != fmt.Sprint(want) {
				t.Errorf("names %q, want %q", names, want)
			}
		}},
		{dir: "not-utf8", read: map[string]int64{"partners": 3},
			reasons: map[string]map[string]int64{"partners": {"malformed_row": 2}, "business_models": {"unknown_partner": 1},
				"requirements": {"unknown_partner": 4}, "bookings": {"unknown_partner": 2}},
			check: func(t *testing.T, _ *extract.Result, raw string) {
				for _, r := range rawRows[extract.Reject](t, raw, "rejects") {
					if r.Table == "partners" && (!strings.Contains(r.Raw, "\uFFFD") || !strings.Contains(r.Detail, "not UTF-8")) {
						t.Errorf("reject %+v: want the raw text with U+FFFD and a detail naming UTF-8", r)
					}
				}
			}},
		{dir: "empty-required", file: "bookings.csv", msg: "the required table bookings cannot be empty"},
		{dir: "empty-optional", file: "oem_credits.csv", msg: "want a header row"},
		{dir: "empty-jsonl", file: "bookings.jsonl", msg: "the required table bookings cannot be empty"},
		{dir: "header-only", read: map[string]int64{"bookings": 0}},
		{dir: "duplicate-columns", file: "partners.csv", column: "name", msg: "named twice"},
		{dir: "missing-column", file: "bookings.csv", column: "tcv", msg: "required column is missing"},
		{dir: "date-formats", read: map[string]int64{"bookings": 7},
			reasons: map[string]map[string]int64{"bookings": {"bad_date": 6}}},
		// the unquoted 1,234.50 gives a field too many, and an empty one past
		// the header's last column is ignored: the row is read shifted, and
		// its currency "234.50" has no rate
		{dir: "thousands", read: map[string]int64{"bookings": 5},
			reasons: map[string]map[string]int64{"bookings": {"bad_decimal": 3, "no_fx_rate": 1}}},
		{dir: "nan-tcv", read: map[string]int64{"bookings": 11},
			reasons: map[string]map[string]int64{"bookings": {"bad_decimal": 9, "out_of_range": 1}}},
		{dir: "extreme-dates", read: map[string]int64{"bookings": 5, "requirements": 8},
			reasons: map[string]map[string]int64{"bookings": {"bad_date": 2}}, publish: true},
		{dir: "jsonl-types", read: map[string]int64{"bookings": 11},
			reasons: map[string]map[string]int64{"bookings": {"bad_type": 3, "bad_date": 1, "bad_decimal": 2, "malformed_row": 3}}},
		{dir: "rulebook-not-yaml", rulebook: true},
		{dir: "huge-field", gen: hugeField, read: map[string]int64{"partners": 2, "bookings": 3},
			reasons: map[string]map[string]int64{"bookings": {"out_of_range": 1}},
			check: func(t *testing.T, _ *extract.Result, raw string) {
				if p := rawRows[extract.Partner](t, raw, "partners"); len(p) != 2 || len(p[0].Name) != 10<<20 {
					t.Errorf("the 10 MB name did not land whole")
				}
			}},
		{dir: "parquet-wrong-schema", gen: parquetWrongSchema, file: "bookings.parquet", column: "tcv", msg: "unsupported Parquet type"},
		{dir: "parquet-wrong-types", gen: parquetWrongTypes, read: map[string]int64{"bookings": 4, "business_models": 1, "requirements": 0},
			reasons: map[string]map[string]int64{"bookings": {"bad_date": 1, "bad_decimal": 2}}},
	}
}

// hugeField: a partner name of 10 MB (accepted) and a TCV of 1 MB of
// digits (rejected), written by the test rather than checked in.
func hugeField(t *testing.T, landing string) {
	name := strings.Repeat("N", 10<<20)
	write(t, filepath.Join(landing, "partners.csv"), partnersHeader+"P1,"+name+",US,false,2016-03-01,,premier\nP2,Contoso Ltd,GB,true,2019-05-14,,\n")
	write(t, filepath.Join(landing, "bookings.csv"), bookingsHeader+
		"B1,P1,C1,O1,compute,2023-03-01,1000.50,USD,subscription,new_logo,,,\n"+
		"B2,P1,C2,,compute,2023-03-01,"+strings.Repeat("9", 1<<20)+",USD,term,,,,\n"+
		"B3,P2,C3,,compute,2023-03-01,5,USD,term,,,,\n")
}

const (
	partnersHeader = "partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level\n"
	bookingsHeader = "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on\n"
)

// parquetWrongSchema: bookings.parquet with tcv as a nested group, which
// no column can take.
func parquetWrongSchema(t *testing.T, landing string) {
	type money struct {
		Amount   float64 `parquet:"amount"`
		Currency string  `parquet:"currency"`
	}
	type row struct {
		BookingID   string `parquet:"booking_id"`
		PartnerID   string `parquet:"partner_id"`
		CustomerID  string `parquet:"customer_id"`
		Solution    string `parquet:"solution"`
		BookedOn    int32  `parquet:"booked_on,date"`
		TCV         money  `parquet:"tcv"`
		LicenseType string `parquet:"license_type"`
	}
	os.Remove(filepath.Join(landing, "bookings.csv"))
	if err := parquet.WriteFile(filepath.Join(landing, "bookings.parquet"), []row{{"B1", "P1", "C1", "compute", 19417, money{1, "USD"}, "term"}}); err != nil {
		t.Fatal(err)
	}
}

// parquetWrongTypes: bookings.parquet whose booked_on is text in another
// format and whose tcv is a DOUBLE, NaN and infinite on two rows.
func parquetWrongTypes(t *testing.T, landing string) {
	type row struct {
		BookingID   string  `parquet:"booking_id"`
		PartnerID   int64   `parquet:"partner_id"`
		CustomerID  string  `parquet:"customer_id"`
		Solution    string  `parquet:"solution"`
		BookedOn    string  `parquet:"booked_on"`
		TCV         float64 `parquet:"tcv"`
		LicenseType string  `parquet:"license_type"`
	}
	os.Remove(filepath.Join(landing, "bookings.csv"))
	os.Remove(filepath.Join(landing, "partners.csv"))
	write(t, filepath.Join(landing, "partners.csv"), partnersHeader+"1,One,US,false,2016-03-01,,\n2,Two,US,false,2016-03-01,,\n")
	write(t, filepath.Join(landing, "business_models.csv"), "partner_id,business_model,registered_on,ended_on\n1,solution_reseller,2016-03-01,\n")
	write(t, filepath.Join(landing, "requirements.csv"), "partner_id,requirement,completed_on,expires_on\n")
	rows := []row{
		{"B1", 1, "C1", "compute", "2023-03-01", 1000.5, "term"},
		{"B2", 1, "C2", "compute", "2023/03/01", 10, "term"},
		{"B3", 2, "C3", "compute", "2023-03-01", math.NaN(), "term"},
		{"B4", 2, "C4", "compute", "2023-03-01", math.Inf(1), "term"},
	}
	if err := parquet.WriteFile(filepath.Join(landing, "bookings.parquet"), rows); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// badLanding builds the landing directory of a case: base, then the case's
// files (a file replaces the base's file of the same table in any format).
// It returns the directory and the rulebook to use.
func badLanding(t *testing.T, c badCase) (landing, rbPath string) {
	t.Helper()
	bad := filepath.Join(root, "fixtures", "bad")
	landing = filepath.Join(t.TempDir(), "landing")
	if err := os.CopyFS(landing, os.DirFS(filepath.Join(bad, "base"))); err != nil {
		t.Fatal(err)
	}
	rbPath = rulebook
	entries, err := os.ReadDir(filepath.Join(bad, c.dir))
	if err != nil && c.gen == nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(bad, c.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "rulebook.yaml" {
			rbPath = filepath.Join(landing, "..", "rulebook.yaml")
			write(t, rbPath, string(b))
			continue
		}
		table := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		for _, ext := range []string{".csv", ".jsonl", ".parquet"} {
			os.Remove(filepath.Join(landing, table+ext))
		}
		write(t, filepath.Join(landing, e.Name()), string(b))
	}
	if c.gen != nil {
		c.gen(t, landing)
	}
	return landing, rbPath
}

// TestBadInputs runs extract on every case of fixtures/bad. Each either
// stops with ErrInput (or a refused rulebook) whose message names the file
// and the place, or reads every row and accepts or rejects each with a
// reason: never a panic, never a silent drop.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	for _, c := range badCases() {
		t.Run(c.dir, func(t *testing.T) {
			t.Parallel()
			landing, rbPath := badLanding(t, c)
			raw := filepath.Join(t.TempDir(), "raw")
			res, err := extractNoPanic(t, landing, rbPath, raw)
			switch {
			case c.rulebook:
				if !errors.Is(err, rb.ErrInvalid) || !strings.Contains(err.Error(), "rulebook.yaml") {
					t.Fatalf("err = %v, want a refused rulebook naming rulebook.yaml", err)
				}
				return
			case c.file != "":
				checkInputError(t, err, c)
				if entries, _ := os.ReadDir(raw); len(entries) > 0 {
					t.Errorf("raw/ written before failing: %d entries", len(entries))
				}
				return
			case err != nil:
				t.Fatalf("extract: %v", err)
			}
			checkEveryRow(t, c, res, raw)
			if c.publish {
				lake := filepath.Join(t.TempDir(), "lake")
				if _, err := runErr(landing, asOfA, lake); err != nil {
					t.Fatalf("run: %v", err)
				}
				checkLake(t, lake)
			}
		})
	}
}

// extractNoPanic runs extract and turns a panic into a test failure.
func extractNoPanic(t *testing.T, landing, rbPath, raw string) (res *extract.Result, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}()
	book, err := rb.Load(rbPath)
	if err != nil {
		return nil, err
	}
	return extract.Run(context.Background(), extract.Options{Input: landing, RawDir: raw, Rulebook: book})
}

func checkInputError(t *testing.T, err error, c badCase) {
	t.Helper()
	var ie *extract.InputError
	if !errors.Is(err, extract.ErrInput) || !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an ErrInput naming %s", err, c.file)
	}
	msg := err.Error()
	if filepath.Base(ie.File) != c.file || !strings.Contains(msg, c.file) {
		t.Errorf("%q names file %q, want %s", msg, ie.File, c.file)
	}
	if ie.Column != c.column || c.column != "" && !strings.Contains(msg, "column "+c.column) {
		t.Errorf("%q names column %q, want %q", msg, ie.Column, c.column)
	}
	if ie.Row != c.row {
		t.Errorf("%q names row %d, want %d", msg, ie.Row, c.row)
	}
	if !strings.Contains(msg, c.msg) {
		t.Errorf("%q does not say %q", msg, c.msg)
	}
}

// rawRows reads a table landed under raw/.
func rawRows[T any](t *testing.T, raw, table string) []T {
	t.Helper()
	rows, err := parquet.ReadFile[T](filepath.Join(raw, table, table+".parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkEveryRow: each table read the rows its file holds; accepted +
// rejected = read; the rejected rows are in rejects.parquet with the
// expected reasons; the accepted rows are in the table's raw Parquet.
func checkEveryRow(t *testing.T, c badCase, res *extract.Result, raw string) {
	t.Helper()
	rejects, err := parquet.ReadFile[extract.Reject](filepath.Join(raw, "rejects", "rejects.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	byTable := map[string]map[string]int64{}
	for _, r := range rejects {
		if byTable[r.Table] == nil {
			byTable[r.Table] = map[string]int64{}
		}
		byTable[r.Table][r.Reason]++
		if r.Reason == "" || r.Detail == "" || r.RowNumber < 1 {
			t.Errorf("reject without a reason, detail or row: %.200v", r)
		}
	}
	var rejected int64
	for _, tr := range res.Tables {
		want, ok := c.read[tr.Table]
		if !ok {
			want = baseRows[tr.Table]
		}
		if tr.RowsRead != want {
			t.Errorf("%s: %d rows read, the file holds %d", tr.Table, tr.RowsRead, want)
		}
		if tr.RowsRead != tr.Accepted+tr.Rejected {
			t.Errorf("%s: read %d != accepted %d + rejected %d", tr.Table, tr.RowsRead, tr.Accepted, tr.Rejected)
		}
		rejected += tr.Rejected
		wantReasons := c.reasons[tr.Table]
		if fmt.Sprint(tr.Reasons) != fmt.Sprint(nilIfEmpty(wantReasons)) || fmt.Sprint(byTable[tr.Table]) != fmt.Sprint(wantReasons) {
			t.Errorf("%s: reasons %v, rejects.parquet %v, want %v", tr.Table, tr.Reasons, byTable[tr.Table], wantReasons)
		}
		if tr.Output != "" {
			n, _, err := readParquet(tr.Output)
			if err != nil || n != tr.Accepted {
				t.Errorf("%s: %d rows in %s (%v), %d accepted", tr.Table, n, tr.Output, err, tr.Accepted)
			}
		}
	}
	if int64(len(rejects)) != rejected || res.Rejects != rejected {
		t.Errorf("rejects.parquet has %d rows, the tables rejected %d (result says %d)", len(rejects), rejected, res.Rejects)
	}
	if c.check != nil {
		c.check(t, res, raw)
	}
}

func nilIfEmpty(m map[string]int64) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

// TestBadInputsThroughTheCommand runs `tally validate` (and `tally run
// --strict`) on a few cases: the exit code of CONTRACT.md, and a message
// that names the file and the place.
func TestBadInputsThroughTheCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		dir     string
		command string // validate, or run --strict
		code    int
		stderr  []string // the message names these
		stdout  []string
	}{
		{dir: "semicolon", command: "validate", code: 2, stderr: []string{"bookings.csv", "column booking_id", "required column is missing"}},
		{dir: "empty-required", command: "validate", code: 2, stderr: []string{"bookings.csv", "empty"}},
		{dir: "duplicate-columns", command: "validate", code: 2, stderr: []string{"partners.csv", "column name", "named twice"}},
		{dir: "rulebook-not-yaml", command: "validate", code: 2, stderr: []string{"rulebook.yaml", "not YAML"}},
		{dir: "not-utf8", command: "validate", code: 0, stdout: []string{"malformed_row 2", "unknown_partner 4"}},
		{dir: "truncated", command: "run --strict", code: 3, stderr: []string{"1 rows rejected"}},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			t.Parallel()
			landing, rbPath := badLanding(t, badCase{dir: c.dir})
			lake := filepath.Join(t.TempDir(), "lake")
			args := []string{"validate", "--input", landing, "--rulebook", rbPath}
			if c.command != "validate" {
				args = []string{"run", "--strict", "--input", landing, "--rulebook", rbPath, "--as-of", asOfA, "--out", lake, "--threads", "1"}
			}
			stdout, stderr, code := tally(t, args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, stderr)
				}
			}
			for _, s := range c.stdout {
				if !strings.Contains(strings.Join(strings.Fields(stdout), " "), s) {
					t.Errorf("stdout does not say %q:\n%s", s, stdout)
				}
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("a panic:\n%s", stderr)
			}
			if snaps, _ := filepath.Glob(filepath.Join(lake, "snapshots", "*")); len(snaps) > 0 {
				t.Errorf("published %v", snaps)
			}
		})
	}
}
