package lake_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/publish"
)

var lakeDir string

func TestMain(m *testing.M) { os.Exit(laketest.Main(m.Run, &lakeDir)) }

func open(t *testing.T) *lake.Snapshot {
	t.Helper()
	s, err := lake.Open(context.Background(), lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpenLatestHasEveryOutputTable(t *testing.T) {
	s := open(t)
	if s.AsOf != laketest.AsOf {
		t.Errorf("as_of = %s, want %s", s.AsOf, laketest.AsOf)
	}
	for _, o := range s.Manifest.Outputs {
		if o.File == publish.RulebookFile { // not a table: read with ReadFile
			if b, err := s.ReadFile(o.File); err != nil || len(b) == 0 {
				t.Errorf("%s: %d bytes, %v", o.File, len(b), err)
			}
			continue
		}
		if !s.HasTable(o.Table) {
			t.Errorf("no view for %s", o.Table)
			continue
		}
		// Every view gives the rows the manifest recorded.
		r, err := s.Query(context.Background(), "SELECT count(*) AS n FROM "+o.Table)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Rows[0][0].Text; got != itoa(o.Rows) {
			t.Errorf("%s: %s rows, manifest says %d", o.Table, got, o.Rows)
		}
	}
}

func TestOpenByAsOf(t *testing.T) {
	s, err := lake.Open(context.Background(), lakeDir, laketest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := lake.Open(context.Background(), lakeDir, "1999-01-01"); !errors.Is(err, publish.ErrNoSnapshot) {
		t.Errorf("missing as_of: err = %v, want ErrNoSnapshot", err)
	}
}

func TestQueryValuesAsText(t *testing.T) {
	s := open(t)
	r, err := s.Query(context.Background(), `SELECT partner_id, as_of, performance_points, level
		FROM partner_levels WHERE partner_id = ? ;`, "P003")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 {
		t.Fatalf("%d rows for P003", len(r.Rows))
	}
	if got := r.Get(0, "as_of").Text; got != laketest.AsOf {
		t.Errorf("as_of = %q, want %q", got, laketest.AsOf)
	}
	want := []lake.Column{{"partner_id", "VARCHAR"}, {"as_of", "DATE"}, {"performance_points", "DECIMAL(18,2)"}, {"level", "VARCHAR"}}
	for i, c := range want {
		if r.Columns[i] != c {
			t.Errorf("column %d = %+v, want %+v", i, r.Columns[i], c)
		}
	}
	// Decimals keep their scale, as DuckDB prints them.
	if p := r.Get(0, "performance_points").Text; !strings.Contains(p, ".") {
		t.Errorf("performance_points %q has no decimals", p)
	}
	r, err = s.Query(context.Background(), "SELECT NULL::VARCHAR AS x, '' AS y -- a trailing comment")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Rows[0][0].Null || r.Rows[0][1].Null {
		t.Errorf("NULL and '' not told apart: %+v", r.Rows[0])
	}
}

// TestQueryIsReadOnly tries every way out of the snapshot we know of; each
// must fail, and the lake must be unchanged afterwards.
func TestQueryIsReadOnly(t *testing.T) {
	s := open(t)
	before := laketest.Files(t, lakeDir)
	outside := t.TempDir()
	attempts := []string{
		"COPY partner_levels TO '" + filepath.Join(s.Dir, "x.csv") + "'",
		"COPY partner_levels TO '" + filepath.Join(s.Dir, "partner_levels.parquet") + "' (FORMAT parquet)",
		"COPY (SELECT 1) TO '" + filepath.Join(outside, "x.csv") + "'",
		"CREATE TABLE t AS SELECT * FROM partner_levels",
		"CREATE TABLE t AS SELECT 1 AS a; COPY t TO '" + filepath.Join(s.Dir, "t.csv") + "'",
		"SELECT 1; COPY partner_levels TO '" + filepath.Join(s.Dir, "y.csv") + "'",
		"SELECT 1) ; COPY partner_levels TO '" + filepath.Join(s.Dir, "z.csv") + "' ; SELECT (1",
		"EXPORT DATABASE '" + filepath.Join(s.Dir, "export") + "'",
		"ATTACH '" + filepath.Join(s.Dir, "x.duckdb") + "' AS x",
		"ATTACH ':memory:' AS m",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('" + filepath.Join(s.Dir, "..", "..", "latest") + "')",
		"SELECT * FROM read_parquet('" + filepath.Join(lakeDir, "raw", "rejects", "rejects.parquet") + "')",
		"SELECT * FROM glob('/etc/*')",
		"SELECT * FROM read_csv('https://example.com/x.csv')",
		"SET enable_external_access = true",
		"RESET enable_external_access",
		"SET allowed_directories = ['/']",
		"SET lock_configuration = false",
		"PRAGMA enable_profiling",
		"CALL enable_logging()",
		"SET VARIABLE v = 1",
		"INSERT INTO partner_levels SELECT * FROM partner_levels",
		"DROP VIEW partner_levels",
		"CREATE OR REPLACE VIEW partner_levels AS SELECT 1",
		"COPY partner_levels TO '" + filepath.Join(s.Dir, "partner_levels.parquet") + "' (FORMAT parquet, USE_TMP_FILE false)",
		"SELECT * FROM query('COPY partner_levels TO ''" + filepath.Join(s.Dir, "partner_levels.parquet") + "'' (FORMAT parquet, USE_TMP_FILE false)')",
		"SELECT * FROM query('COPY partner_levels TO ''" + filepath.Join(s.Dir, "q.csv") + "''')",
	}
	for _, q := range attempts {
		if _, err := s.Query(context.Background(), q); err == nil {
			t.Errorf("allowed: %s", q)
		}
	}
	// The views still answer.
	if _, err := s.Query(context.Background(), "SELECT count(*) FROM partner_levels"); err != nil {
		t.Errorf("after the attempts: %v", err)
	}
	laketest.SameFiles(t, before, laketest.Files(t, lakeDir))
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("files written outside the lake: %v", entries)
	}
}

func TestQueryRefusesWithErrNotReadOnly(t *testing.T) {
	s := open(t)
	_, err := s.Query(context.Background(), "COPY partner_levels TO 'x.csv'")
	if !errors.Is(err, lake.ErrNotReadOnly) {
		t.Errorf("err = %v, want ErrNotReadOnly", err)
	}
	if err == nil || !strings.Contains(err.Error(), "COPY") {
		t.Errorf("the message should name the statement: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDuckDBLockdown checks the second lock alone: statements sent past
// Query's gate still cannot write files, read outside the snapshot or undo
// the settings. (COPY over a table's own file with USE_TMP_FILE false is
// the one write DuckDB allows here; only the gate stops it.)
func TestDuckDBLockdown(t *testing.T) {
	s := open(t)
	conn := lake.ConnForTest(s)
	before := laketest.Files(t, lakeDir)
	outside := t.TempDir()
	for _, q := range []string{
		"COPY (SELECT 1) TO '" + filepath.Join(outside, "x.csv") + "'",
		"COPY partner_levels TO '" + filepath.Join(s.Dir, "x.csv") + "'",
		"COPY partner_levels TO '" + filepath.Join(s.Dir, "partner_levels.parquet") + "' (FORMAT parquet)",
		"EXPORT DATABASE '" + filepath.Join(s.Dir, "export") + "'",
		"ATTACH '" + filepath.Join(outside, "x.duckdb") + "' AS x",
		"ATTACH '" + filepath.Join(s.Dir, "x.duckdb") + "' AS y",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_json('" + filepath.Join(s.Dir, "manifest.json") + "')",
		"SELECT * FROM read_parquet('" + filepath.Join(lakeDir, "raw", "rejects", "rejects.parquet") + "')",
		"SET enable_external_access = true",
		"RESET enable_external_access",
		"SET allowed_directories = ['/']",
		"SET allowed_paths = ['/etc/passwd']",
		"SET temp_directory = '" + outside + "'",
		"SET autoload_known_extensions = true",
		"SET lock_configuration = false",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err == nil {
			t.Errorf("DuckDB allowed: %s", q)
		}
	}
	laketest.SameFiles(t, before, laketest.Files(t, lakeDir))
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("files written outside the lake: %v", entries)
	}
}

// TestQueryKeepsOrder: Query wraps the statement to print its values; the
// wrapping must keep the statement's ORDER BY on a result big enough to be
// computed in parallel.
func TestQueryKeepsOrder(t *testing.T) {
	s := open(t)
	r, err := s.Query(context.Background(), "SELECT i, i % 7 AS k FROM range(300000) t(i) ORDER BY k DESC, i")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 300000 {
		t.Fatalf("%d rows", len(r.Rows))
	}
	prevK, prevI := int64(7), int64(-1)
	for n, row := range r.Rows {
		i, _ := strconv.ParseInt(row[0].Text, 10, 64)
		k, _ := strconv.ParseInt(row[1].Text, 10, 64)
		if k > prevK || (k == prevK && i <= prevI) {
			t.Fatalf("row %d (%d, %d) out of order after (%d, %d)", n, i, k, prevI, prevK)
		}
		prevK, prevI = k, i
	}
}

// TestEachStreamsWhatQueryReturns: Each hands over the same columns and
// rows as Query, one at a time; an error of the callback stops it; a
// statement that is not a SELECT is refused as by Query.
func TestEachStreamsWhatQueryReturns(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	q := "SELECT partner_id, program_year, performance_points, next_level FROM partner_levels WHERE partner_id > ? ORDER BY partner_id"
	want, err := s.Query(ctx, q, "P001")
	if err != nil {
		t.Fatal(err)
	}
	var cols []lake.Column
	var got [][]lake.Value
	calls := 0
	err = s.Each(ctx, q, []any{"P001"}, func(c []lake.Column) { cols = c; calls++ }, func(row []lake.Value) error {
		if cols == nil {
			t.Fatal("a row before the columns")
		}
		got = append(got, slices.Clone(row))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !slices.Equal(cols, want.Columns) {
		t.Errorf("columns %v (%d calls), Query's %v", cols, calls, want.Columns)
	}
	if len(got) < 2 || len(got) != len(want.Rows) {
		t.Fatalf("%d rows, Query %d", len(got), len(want.Rows))
	}
	for i := range got {
		if !slices.Equal(got[i], want.Rows[i]) {
			t.Errorf("row %d: %v, Query %v", i, got[i], want.Rows[i])
		}
	}

	stop := errors.New("stop")
	n := 0
	if err := s.Each(ctx, q, []any{""}, func([]lake.Column) {}, func([]lake.Value) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d rows", err, n)
	}

	calls = 0
	if err := s.Each(ctx, "SELECT * FROM partner_levels WHERE false", nil, func(c []lake.Column) { cols = c; calls++ }, func([]lake.Value) error { return nil }); err != nil || calls != 1 || len(cols) == 0 {
		t.Errorf("no rows: %v, %d calls, columns %v", err, calls, cols)
	}
	if err := s.Each(ctx, "COPY partner_levels TO 'x.csv'", nil, func([]lake.Column) {}, func([]lake.Value) error { return nil }); !errors.Is(err, lake.ErrNotReadOnly) {
		t.Errorf("COPY: %v", err)
	}
}

// TestInputsAreTheSnapshotsRawVersion: the raw version the manifest names
// is readable as raw.<table>, with the rows the run accepted, and no other
// file of it.
func TestInputsAreTheSnapshotsRawVersion(t *testing.T) {
	s := open(t)
	if s.Manifest.Raw == "" {
		t.Fatal("the example snapshot names no raw version")
	}
	for _, in := range s.Manifest.Inputs {
		if !s.HasInput(in.Table) {
			t.Errorf("no view raw.%s (inputs %v)", in.Table, s.Inputs())
			continue
		}
		r, err := s.Query(context.Background(), "SELECT count(*) FROM raw."+in.Table)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Rows[0][0].Text; got != itoa(in.RowsAccepted) {
			t.Errorf("raw.%s: %s rows, the manifest accepted %d", in.Table, got, in.RowsAccepted)
		}
	}
	if s.HasInput("rejects") {
		t.Error("raw.rejects: rejects is an output table, not an input")
	}
	rejects := filepath.Join(lakeDir, filepath.FromSlash(s.Manifest.Raw), "rejects", "rejects.parquet")
	if _, err := s.Query(context.Background(), "SELECT * FROM read_parquet('"+rejects+"')"); err == nil {
		t.Error("a query read the raw version's rejects, which is not an input")
	}
}

// TestNoRawVersion: a snapshot whose manifest names no raw version (a lake
// written before raw versions) opens with no inputs.
func TestNoRawVersion(t *testing.T) {
	dir := t.TempDir()
	if err := laketest.Publish(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	snap, err := publish.Latest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := publish.ReadManifest(snap)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(m.Raw))); err != nil {
		t.Fatal(err)
	}
	s, err := lake.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Inputs()) != 0 {
		t.Errorf("inputs %v of a raw version that is gone", s.Inputs())
	}
	if _, err := s.Query(context.Background(), "SELECT count(*) FROM partner_levels"); err != nil {
		t.Error(err)
	}
}
