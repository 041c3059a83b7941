package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tally/jobs"
	"tally/pipeline/engine"
	"tally/pipeline/lake/laketest"
)

var update = flag.Bool("update", false, "rewrite fixtures/golden from this run")

// goldenDays are the snapshots checked into fixtures/golden: mid-year,
// just after an audit, and a year later.
var goldenDays = []string{"2023-09-30", "2024-03-31", "2025-03-31"}

var (
	lakesMu sync.Mutex
	lakes   = map[string]string{}
)

// exampleLake publishes a snapshot of fixtures/example for asOf (once per
// test binary and day) and returns the lake directory.
func exampleLake(t *testing.T, asOf string) string {
	t.Helper()
	lakesMu.Lock()
	defer lakesMu.Unlock()
	if dir, ok := lakes[asOf]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "tally-golden-")
	if err != nil {
		t.Fatal(err)
	}
	_, err = jobs.Run(context.Background(), jobs.RunOptions{
		Input: "../fixtures/example", Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf, Out: dir,
		DuckDB: engine.Settings{Threads: 2},
	})
	if err != nil {
		t.Fatalf("run %s: %v", asOf, err)
	}
	lakes[asOf] = dir
	return dir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, dir := range lakes {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var (
	readerOnce sync.Once
	reader     *sql.DB
)

// tableCSV reads a snapshot table through DuckDB as CSV text, rows in a
// stable order.
func tableCSV(t *testing.T, file string) []byte {
	t.Helper()
	return queryCSV(t, "SELECT COLUMNS(*)::VARCHAR FROM (SELECT * FROM read_parquet(?) ORDER BY ALL)", file)
}

// queryCSV runs a query through the DuckDB reader of tableCSV and renders
// the rows as CSV text.
func queryCSV(t *testing.T, query string, args ...any) []byte {
	t.Helper()
	readerOnce.Do(func() {
		e, err := engine.Open(context.Background(), engine.Settings{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		reader = e.DB()
	})
	rows, err := reader.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(cols)
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = v.String
			if !v.Valid {
				rec[i] = `\N`
			}
		}
		_ = w.Write(rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return b.Bytes()
}

// The example program's outputs at three days, against the files in
// fixtures/golden (rewritten by `go test ./jobs/ -run Golden -update`,
// never by hand; TestExampleHandReviewed checks them against figures worked
// out by hand in fixtures/example/README.md).
func TestGoldenExample(t *testing.T) {
	for _, day := range goldenDays {
		t.Run(day, func(t *testing.T) {
			snap := filepath.Join(exampleLake(t, day), "snapshots", "as_of="+day)
			golden := filepath.Join("..", "fixtures", "golden", "as_of="+day)
			for _, table := range engine.OutputTables {
				got := tableCSV(t, filepath.Join(snap, table+".parquet"))
				sortedByPartner(t, filepath.Join(snap, table+".parquet"))
				file := filepath.Join(golden, table+".csv")
				if *update {
					if err := os.MkdirAll(golden, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s:\n%s", table, file, firstDiff(string(want), string(got)))
				}
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + a + "\n  got  " + b
		}
	}
	return ""
}

// sortedByPartner fails when a table with partner_id is not stored sorted by
// it (CONTRACT.md: Parquet sorted by partner_id).
func sortedByPartner(t *testing.T, file string) {
	t.Helper()
	var has int
	if err := reader.QueryRow("SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(?)) WHERE column_name = 'partner_id'", file).Scan(&has); err != nil {
		t.Fatal(err)
	}
	if has == 0 {
		return
	}
	var unsorted int
	q := `SELECT count(*) FROM (SELECT partner_id, lag(partner_id) OVER (ORDER BY file_row_number) AS before
		FROM read_parquet(?, file_row_number = true)) WHERE before > partner_id`
	if err := reader.QueryRow(q, file).Scan(&unsorted); err != nil {
		t.Fatal(err)
	}
	if unsorted > 0 {
		t.Errorf("%s: %d rows out of partner_id order", filepath.Base(file), unsorted)
	}
}

// A failing check fails the run: exit 1, nothing published (the last
// snapshot, latest and current untouched), and the failing rows kept in
// failed/<run id>/, one file per failing check. A check fails only on a
// bug, so the test breaks two partners' base points before the checks
// (jobs.BeforeChecks).
func TestFailingCheck(t *testing.T) {
	const prev, day = "2023-06-30", "2023-09-30"
	run := func(lake, asOf string) (*jobs.RunResult, error) {
		return jobs.Run(context.Background(), jobs.RunOptions{
			Input: "../fixtures/example", Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf, Out: lake,
			DuckDB: engine.Settings{Threads: 2},
		})
	}
	defer func() { jobs.BeforeChecks = nil }()
	lake := t.TempDir()
	if _, err := run(lake, prev); err != nil {
		t.Fatal(err)
	}
	before := laketest.Files(t, lake)
	jobs.BeforeChecks = func(e *engine.Engine) error {
		_, err := e.DB().Exec(`UPDATE booking_events SET points = points + 0.01
			WHERE reason IS NULL AND partner_id IN ('P001', 'P004')`)
		return err
	}
	res, err := run(lake, day)
	if !errors.Is(err, jobs.ErrChecks) || jobs.ExitCode(err) != 1 {
		t.Fatalf("run with broken base points: %v (exit %d), want failing checks, exit 1", err, jobs.ExitCode(err))
	}
	after := laketest.Files(t, lake)
	maps.DeleteFunc(after, func(name, _ string) bool { return name == "failed" || strings.HasPrefix(name, "failed/") })
	laketest.SameFiles(t, before, after, ".lock")
	// P001 is over the perpetual cap: its capped points no longer net the cap
	want := []string{"base_reconciles_to_bookings", "cap_and_terminations_net"}
	failing := 0
	for _, c := range res.Checks {
		if !c.Passed {
			failing++
			if !slices.Contains(want, c.Name) {
				t.Errorf("check %s failed, want only %v", c.Name, want)
			}
		}
	}
	files := laketest.Files(t, filepath.Join(lake, "failed", res.RunID))
	delete(files, ".") // the directory
	if failing != len(want) || len(files) != failing {
		t.Errorf("%d failing checks, %d files kept", failing, len(files))
	}
}
