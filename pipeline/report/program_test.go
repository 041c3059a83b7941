package report_test

import (
	"context"
	"database/sql"
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"tally/pipeline/date"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/report"
	"tally/pipeline/rulebook"
)

// The tests of what a program manager reads: every figure of the new
// sections against a query of the snapshot, the page's number formats,
// the reasons of empty sections, --as-of.

// copyLake copies the example lake (files, directories and the links of
// raw/ and current) into a directory of the test's own.
func copyLake(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(lakeDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(lakeDir, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// rewriteLedger replaces the latest snapshot's points_ledger.parquet of a
// copied lake by the rows of query, which reads the old rows as ledger.
func rewriteLedger(t *testing.T, lakeCopy, query string) {
	t.Helper()
	s := snapshot(t, "")
	file := filepath.Join(lakeCopy, "snapshots", filepath.Base(s.Dir), "points_ledger.parquet")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tmp := file + ".new"
	stmt := "COPY (WITH ledger AS (SELECT * FROM read_parquet('" + file + "')) " + query + ") TO '" + tmp + "' (FORMAT parquet)"
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

// TestTCVCountsBaseRowsOnly: a ledger whose multiplier, cap and
// termination rows carried a TCV too would count a booking several times;
// the report sums tcv_usd over base rows only. The test puts a TCV on
// every other row of a copy of the lake, so summing every row gives
// another figure.
func TestTCVCountsBaseRowsOnly(t *testing.T) {
	lakeCopy := copyLake(t)
	rewriteLedger(t, lakeCopy, `SELECT * REPLACE (CASE WHEN component = 'base' THEN tcv_usd ELSE 1000000 END AS tcv_usd) FROM ledger`)
	r, err := report.Build(context.Background(), lakeCopy, year, "")
	if err != nil {
		t.Fatal(err)
	}
	now := snapshot(t, "")
	bySource := section(t, r, "points_by_source")
	got := tableColumn(t, bySource.Table, "source", "tcv_usd")
	want := pairs(t, now, `SELECT source, coalesce(sum(round(tcv_usd, 2)) FILTER (WHERE component = 'base')::DECIMAL(38,2)::VARCHAR, '')
		FROM points_ledger WHERE program_year = ? GROUP BY source`, year)
	sameCounts(t, "TCV by source", got, want)

	booked := pairs(t, now, `SELECT 'tcv', sum(round(tcv_usd, 2))::DECIMAL(38,2)::VARCHAR FROM points_ledger
		WHERE program_year = ? AND component = 'base' AND source IN ('booking', 'oem_credit') AND earned_on <= ?::DATE`, year, r.AsOf)["tcv"]
	yoy := tableColumn(t, section(t, r, "year_over_year").Table, "metric", "this_year")
	if yoy["tcv_booked_usd"] != booked {
		t.Errorf("year over year: TCV booked %s, the base rows of bookings and OEM credits hold %s", yoy["tcv_booked_usd"], booked)
	}
	for _, id := range []string{"points_by_business_model", "points_by_country", "points_by_solution"} {
		total := sumColumn(t, section(t, r, id).Table, "tcv_booked_usd")
		if total != booked {
			t.Errorf("%s: TCV booked adds up to %s, the base rows hold %s", id, total, booked)
		}
	}
}

// TestPointsByBusinessModelCountrySolution: each section's points per key
// are the ledger's, grouped by the row's business_model, the partner's
// country and the event's solution; each adds up to the year's points.
func TestPointsByBusinessModelCountrySolution(t *testing.T) {
	r, _ := written(t)
	now := snapshot(t, "")
	total := pairs(t, now, "SELECT 'all', sum(points)::VARCHAR FROM points_ledger WHERE program_year = ?", year)["all"]
	for _, c := range []struct{ id, key, query string }{
		{"points_by_business_model", "business_model", `SELECT coalesce(business_model, 'unattributed'), sum(points)::VARCHAR
			FROM points_ledger WHERE program_year = ? GROUP BY 1`},
		{"points_by_country", "country", `SELECT p.country, sum(l.points)::VARCHAR
			FROM points_ledger l JOIN raw.partners p USING (partner_id) WHERE l.program_year = ? GROUP BY 1`},
		{"points_by_solution", "solution", `SELECT coalesce(b.solution, o.solution, '(lifecycle claims)'), sum(l.points)::VARCHAR
			FROM points_ledger l
			LEFT JOIN raw.bookings b ON l.source IN ('booking', 'influence') AND b.booking_id = l.source_id
			LEFT JOIN raw.oem_credits o ON l.source = 'oem_credit' AND o.credit_id = l.source_id
			WHERE l.program_year = ? GROUP BY 1`},
	} {
		s := section(t, r, c.id)
		sameCounts(t, c.id, tableColumn(t, s.Table, c.key, "points"), pairs(t, now, c.query, year))
		if got := sumColumn(t, s.Table, "points"); got != total {
			t.Errorf("%s adds up to %s points, the year has %s", c.id, got, total)
		}
		header, rows := readCSV(t, filepath.Join(report.Dir(lakeDir, year), c.id+".csv"))
		sameCounts(t, c.id+".csv", column(t, header, rows, c.key, "points"), tableColumn(t, s.Table, c.key, "points"))
	}
	bm := tableColumn(t, section(t, r, "points_by_business_model").Table, "business_model", "points")
	if len(bm) < 2 {
		t.Errorf("the example earns points in one business model only: %v", bm)
	}
}

// TestPartnerNamesBesideIds: every table with partner_id has the
// partner's name from the snapshot's inputs next to it.
func TestPartnerNamesBesideIds(t *testing.T) {
	r, _ := written(t)
	names := pairs(t, snapshot(t, ""), "SELECT partner_id, name FROM raw.partners")
	checked := 0
	for _, s := range r.Sections {
		id := slices.Index(s.Table.Columns, "partner_id")
		if id < 0 {
			continue
		}
		if s.Table.Columns[id+1] != "partner_name" {
			t.Errorf("%s: columns %v, want partner_name after partner_id", s.ID, s.Table.Columns)
			continue
		}
		for _, row := range s.Table.Rows {
			checked++
			if row[id+1] != names[row[id]] || row[id+1] == "" {
				t.Errorf("%s: partner %s named %q, partners says %q", s.ID, row[id], row[id+1], names[row[id]])
			}
		}
	}
	if checked == 0 {
		t.Error("no section lists partners")
	}
}

// TestYearOverYear: this year to as_of against the previous program year
// up to the same day of its year, both from the ledger.
func TestYearOverYear(t *testing.T) {
	r, _ := written(t)
	now := snapshot(t, "")
	rb, err := rulebook.Parse("rulebook.yaml", mustRead(t, now))
	if err != nil {
		t.Fatal(err)
	}
	this, _ := rb.ProgramYear(year)
	var prev rulebook.ProgramYear
	for _, y := range rb.ProgramYears {
		if y.EndsOn < this.StartsOn && y.StartsOn > prev.StartsOn {
			prev = y
		}
	}
	asOf := date.MustParse(r.AsOf)
	prevDay := prev.StartsOn.AddDays(int(asOf - this.StartsOn))
	q := `SELECT s.source || '_points', coalesce(sum(l.points), 0)::DECIMAL(38,2)::VARCHAR
		FROM (VALUES ('booking'), ('oem_credit'), ('lifecycle'), ('influence')) s(source)
		LEFT JOIN points_ledger l ON l.source = s.source AND l.program_year = ? AND l.earned_on <= ?::DATE GROUP BY 1
		UNION ALL SELECT 'points', coalesce(sum(points), 0)::DECIMAL(38,2)::VARCHAR FROM points_ledger WHERE program_year = ? AND earned_on <= ?::DATE`
	s := section(t, r, "year_over_year")
	thisYear := tableColumn(t, s.Table, "metric", "this_year")
	lastYear := tableColumn(t, s.Table, "metric", "previous_year")
	for k, v := range pairs(t, now, q, year, r.AsOf, year, r.AsOf) {
		if thisYear[k] != v {
			t.Errorf("%s this year: report %s, ledger %s", k, thisYear[k], v)
		}
	}
	for k, v := range pairs(t, now, q, prev.ID, prevDay.String(), prev.ID, prevDay.String()) {
		if lastYear[k] != v {
			t.Errorf("%s in %s to %s: report %s, ledger %s", k, prev.ID, prevDay, lastYear[k], v)
		}
	}
	full := pairs(t, now, "SELECT 'p', sum(points)::DECIMAL(38,2)::VARCHAR FROM points_ledger WHERE program_year = ?", prev.ID)["p"]
	if full == lastYear["points"] {
		t.Logf("%s earned nothing after %s: the same-day cut is not exercised by the example", prev.ID, prevDay)
	}
	if !strings.Contains(strings.Join(s.Notes, " "), prevDay.String()) {
		t.Errorf("the notes do not name the previous year's day %s: %v", prevDay, s.Notes)
	}
}

func mustRead(t *testing.T, s interface{ ReadFile(string) ([]byte, error) }) []byte {
	t.Helper()
	b, err := s.ReadFile("rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPageNumberFormats: money shows as whole dollars with separators,
// points with two decimals, and no number on the page keeps six decimals.
func TestPageNumberFormats(t *testing.T) {
	r, dir := written(t)
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`\d\.\d{3,}`).Find(b); m != nil {
		t.Errorf("report.html shows a number with more than two decimals: %s", m)
	}
	cells := pageTable(t, b, "points_by_source.csv")
	header := cells[0]
	money, pts := slices.Index(header, "tcv usd"), slices.Index(header, "points")
	if money < 0 || pts < 0 {
		t.Fatalf("points_by_source header %v", header)
	}
	dollars := regexp.MustCompile(`^-?\$\d{1,3}(,\d{3})*$`)
	points := regexp.MustCompile(`^-?\d{1,3}(,\d{3})*\.\d{2}$`)
	csvTCV := tableColumn(t, section(t, r, "points_by_source").Table, "source", "tcv_usd")
	for _, row := range cells[1:] {
		if csvTCV[row[0]] != "" && !dollars.MatchString(row[money]) {
			t.Errorf("%s: TCV shown as %q", row[0], row[money])
		}
		if !points.MatchString(row[pts]) {
			t.Errorf("%s: points shown as %q", row[0], row[pts])
		}
	}
}

// pageTable returns the cells of the page's table for a CSV file, the
// header first, as the page shows them.
func pageTable(t *testing.T, page []byte, file string) [][]string {
	t.Helper()
	table := regexp.MustCompile(`(?s)<table data-file="` + regexp.QuoteMeta(file) + `">.*?</table>`).Find(page)
	if table == nil {
		t.Fatalf("no table of %s on the page", file)
	}
	var out [][]string
	for _, tr := range regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`).FindAllSubmatch(table, -1) {
		var row []string
		for _, c := range regexp.MustCompile(`<t[dh][^>]*>([^<]*)</t[dh]>`).FindAllSubmatch(tr[1], -1) {
			row = append(row, html.UnescapeString(string(c[1])))
		}
		out = append(out, row)
	}
	return out
}

// TestEmptySectionsSayWhy: a past year (no reminders or near-next figures
// in a later snapshot) and a future one (no points yet): every section
// without rows says why, on the page too.
func TestEmptySectionsSayWhy(t *testing.T) {
	lakeCopy := copyLake(t)
	rb, err := rulebook.Parse("rulebook.yaml", mustRead(t, snapshot(t, "")))
	if err != nil {
		t.Fatal(err)
	}
	var past, future string
	asOf := date.MustParse(laketest.AsOf)
	for _, y := range rb.ProgramYears {
		if y.EndsOn < asOf {
			past = y.ID
		}
		if y.StartsOn > asOf && future == "" {
			future = y.ID
		}
	}
	if past == "" || future == "" {
		t.Fatalf("the rulebook has no year before or after %s", asOf)
	}
	wantEmpty := map[string][]string{
		past:   {"near_next_level", "reminders"},
		future: {"points_by_source", "points_by_business_model", "influence", "year_over_year"},
	}
	for _, id := range []string{past, future} {
		r, err := report.Build(context.Background(), lakeCopy, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Write(context.Background(), lakeCopy); err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(report.Dir(lakeCopy, id), "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Sections {
			if len(s.Table.Rows) > 0 {
				continue
			}
			if s.Empty == "" {
				t.Errorf("%s %s: empty without a reason", id, s.ID)
			} else if !strings.Contains(string(page), html.EscapeString(s.Empty)) {
				t.Errorf("%s %s: the page does not show %q", id, s.ID, s.Empty)
			}
		}
		for _, sid := range wantEmpty[id] {
			if s := section(t, r, sid); len(s.Table.Rows) != 0 || s.Empty == "" {
				t.Errorf("%s %s: %d rows, reason %q; want none and a reason", id, sid, len(s.Table.Rows), s.Empty)
			}
		}
	}
	if strings.Contains(readAll(t, filepath.Join(report.Dir(lakeCopy, future), "report.html")), "No rows.") {
		t.Error("a section says only \"No rows.\"")
	}
}

// TestReportAsOf: the report of an older snapshot reads that snapshot,
// is written apart from the latest report, and an as_of with no snapshot
// is refused naming the ones there are.
func TestReportAsOf(t *testing.T) {
	lakeCopy := copyLake(t)
	latest, err := report.Build(context.Background(), lakeCopy, year, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := latest.Write(context.Background(), lakeCopy); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, filepath.Join(report.Dir(lakeCopy, year), "level_distribution.csv"))

	r, err := report.Build(context.Background(), lakeCopy, year, startAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if r.AsOf != startAsOf || r.Latest {
		t.Errorf("as_of %s (latest %v), want %s, not the latest", r.AsOf, r.Latest, startAsOf)
	}
	files, err := r.Write(context.Background(), lakeCopy)
	if err != nil {
		t.Fatal(err)
	}
	dir := report.AsOfDir(lakeCopy, startAsOf, year)
	if len(files) == 0 || filepath.Dir(files[0]) != dir {
		t.Errorf("written to %v, want %s", files, dir)
	}
	header, rows := readCSV(t, filepath.Join(dir, "level_distribution.csv"))
	sameCounts(t, "now as of "+startAsOf, column(t, header, rows, "level", "now"),
		pairs(t, snapshot(t, startAsOf), "SELECT coalesce(level, ''), count(*)::VARCHAR FROM partner_levels GROUP BY level"))
	if after := readAll(t, filepath.Join(report.Dir(lakeCopy, year), "level_distribution.csv")); after != before {
		t.Error("the report of an older snapshot changed the latest report")
	}

	_, err = report.Build(context.Background(), lakeCopy, year, "2024-05-31")
	if !errors.Is(err, report.ErrUnknownSnapshot) || !strings.Contains(err.Error(), startAsOf) || !strings.Contains(err.Error(), laketest.AsOf) {
		t.Errorf("no snapshot as of 2024-05-31: %v; want ErrUnknownSnapshot naming %s and %s", err, startAsOf, laketest.AsOf)
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func section(t *testing.T, r *report.Report, id string) *report.Section {
	t.Helper()
	for _, s := range r.Sections {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no section %s", id)
	return nil
}

// tableColumn returns a section table's column as key column -> value.
func tableColumn(t *testing.T, tab report.Table, key, name string) map[string]string {
	t.Helper()
	return column(t, tab.Columns, tab.Rows, key, name)
}

// sumColumn adds a column of decimal text with two places.
func sumColumn(t *testing.T, tab report.Table, name string) string {
	t.Helper()
	i := slices.Index(tab.Columns, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, tab.Columns)
	}
	var vals []string
	for _, row := range tab.Rows {
		vals = append(vals, "("+orZero(row[i])+")")
	}
	if len(vals) == 0 {
		return "0.00"
	}
	return pairs(t, snapshot(t, ""), "SELECT 's', sum(v)::DECIMAL(38,2)::VARCHAR FROM (VALUES "+strings.Join(vals, ", ")+") x(v)")["s"]
}
