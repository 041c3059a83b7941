package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"tally/jobs"
	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/report"
)

const lakeAsOf = "2024-06-30"

// freshLake publishes fixtures/example for lakeAsOf into a lake of the
// test's own, so the test may check that nothing in it changes.
func freshLake(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	_, err := jobs.Run(context.Background(), jobs.RunOptions{
		Input: "../fixtures/example", Rulebook: "../fixtures/rulebook.yaml", AsOf: lakeAsOf, Out: dir,
	})
	if err != nil {
		t.Fatalf("run %s: %v", lakeAsOf, err)
	}
	return dir
}

func TestQuery(t *testing.T) {
	dir := freshLake(t)
	ctx := context.Background()
	before := laketest.Files(t, dir)

	res, err := jobs.Query(ctx, jobs.QueryOptions{Out: dir, SQL: "SELECT partner_id, level, performance_points FROM partner_levels ORDER BY partner_id"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := jobs.Query(ctx, jobs.QueryOptions{Out: dir, AsOf: lakeAsOf, SQL: "SELECT count(*) AS n FROM partner_levels"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strconv.Itoa(len(res.Rows)), m.Rows[0][0].Text; got != want {
		t.Errorf("%s rows, count(*) says %s", got, want)
	}
	if names := res.Names(); len(names) != 3 || names[1] != "level" {
		t.Errorf("columns %v", names)
	}

	outside := t.TempDir()
	snap := filepath.Join(dir, "snapshots", "as_of="+lakeAsOf)
	for _, q := range []string{
		"COPY partner_levels TO '" + filepath.Join(outside, "x.csv") + "'",
		"COPY partner_levels TO '" + filepath.Join(snap, "partner_levels.parquet") + "' (FORMAT parquet, USE_TMP_FILE false)",
		"CREATE TABLE t AS SELECT * FROM partner_levels",
		"CREATE TABLE t AS SELECT 1 AS a; COPY t TO '" + filepath.Join(outside, "t.csv") + "'",
		"ATTACH '" + filepath.Join(outside, "x.duckdb") + "' AS x",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_parquet('" + filepath.Join(dir, "raw", "rejects", "rejects.parquet") + "')",
		"SET enable_external_access = true",
	} {
		if _, err := jobs.Query(ctx, jobs.QueryOptions{Out: dir, SQL: q}); err == nil {
			t.Errorf("allowed: %s", q)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("written outside the lake: %v", entries)
	}
	laketest.SameFiles(t, before, laketest.Files(t, dir))

	if _, err := jobs.Query(ctx, jobs.QueryOptions{Out: dir, SQL: ""}); jobs.ExitCode(err) != jobs.ExitUsage {
		t.Errorf("empty SQL: exit %d, want %d", jobs.ExitCode(err), jobs.ExitUsage)
	}
	if _, err := jobs.Query(ctx, jobs.QueryOptions{Out: t.TempDir(), SQL: "SELECT 1"}); err == nil {
		t.Error("a lake with no snapshot answered")
	}
}

func TestExplainJob(t *testing.T) {
	dir := freshLake(t)
	ctx := context.Background()
	s, err := lake.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Query(ctx, `SELECT partner_id, booking_points::VARCHAR, lifecycle_points::VARCHAR, influence_points::VARCHAR
		FROM partner_levels WHERE booking_points <> 0 ORDER BY partner_id LIMIT 1`)
	s.Close()
	if err != nil || len(r.Rows) == 0 {
		t.Fatalf("no partner with booking points: %v", err)
	}
	id := r.Rows[0][0].Text
	e, err := jobs.Explain(ctx, jobs.ExplainOptions{Partner: id, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i, tot := range e.Totals {
		if want := r.Rows[0][i+1].Text; tot.Ledger != want || !tot.Equal {
			t.Errorf("%s %s: ledger subtotal %s, partner_levels %s", id, tot.Column, tot.Ledger, want)
		}
	}

	_, err = jobs.Explain(ctx, jobs.ExplainOptions{Partner: "P999999", Out: dir})
	if !errors.Is(err, report.ErrUnknownPartner) || jobs.ExitCode(err) != jobs.ExitFailed {
		t.Errorf("unknown partner: %v (exit %d), want ErrUnknownPartner and exit 1", err, jobs.ExitCode(err))
	}
	if _, err := jobs.Explain(ctx, jobs.ExplainOptions{Partner: id, Out: dir, AsOf: "30/06/2024"}); jobs.ExitCode(err) != jobs.ExitUsage {
		t.Errorf("bad --as-of: exit %d, want %d", jobs.ExitCode(err), jobs.ExitUsage)
	}
	if _, err := jobs.Explain(ctx, jobs.ExplainOptions{Partner: id, Out: dir, AsOf: "2020-01-01"}); err == nil {
		t.Error("an as_of with no snapshot answered")
	}
}

func TestReportJob(t *testing.T) {
	dir := freshLake(t)
	ctx := context.Background()
	before := laketest.Files(t, filepath.Join(dir, "snapshots"))
	res, err := jobs.Report(ctx, jobs.ReportOptions{Out: dir, ProgramYear: "FY25"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != filepath.Join(dir, "reports", "program_year=FY25") || len(res.Files) < 2 {
		t.Errorf("dir %s, files %v", res.Dir, res.Files)
	}
	for _, f := range res.Files {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Again: the report directory is replaced whole, nothing is left aside.
	if _, err := jobs.Report(ctx, jobs.ReportOptions{Out: dir, ProgramYear: "FY25"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "reports"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".lock", "program_year=FY25"}; !slices.Equal(names, want) {
		t.Errorf("reports/ holds %q, want %q (the writers' lock and the report)", names, want)
	}
	laketest.SameFiles(t, before, laketest.Files(t, filepath.Join(dir, "snapshots")))

	if _, err := jobs.Report(ctx, jobs.ReportOptions{Out: dir, ProgramYear: "FY99"}); jobs.ExitCode(err) != jobs.ExitUsage {
		t.Errorf("unknown year: %v, exit %d, want %d", err, jobs.ExitCode(err), jobs.ExitUsage)
	}
}
