package report_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/report"
	"tally/pipeline/rulebook"
)

// The example lake: a snapshot near the start of FY25 and the latest one.
const (
	startAsOf = "2024-02-05"
	year      = "FY25"
)

var lakeDir string

func TestMain(m *testing.M) {
	os.Exit(laketest.Main(m.Run, &lakeDir, startAsOf, laketest.AsOf))
}

// written builds and writes the FY25 report once for the tests that read it.
var written = func() func(t *testing.T) (*report.Report, string) {
	var r *report.Report
	var dir string
	return func(t *testing.T) (*report.Report, string) {
		t.Helper()
		if r != nil {
			return r, dir
		}
		var err error
		r, err = report.Build(context.Background(), lakeDir, year, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Write(context.Background(), lakeDir); err != nil {
			t.Fatal(err)
		}
		dir = report.Dir(lakeDir, year)
		return r, dir
	}
}()

func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no header", path)
	}
	return rows[0], rows[1:]
}

func snapshot(t *testing.T, asOf string) *lake.Snapshot {
	t.Helper()
	s, err := lake.Open(context.Background(), lakeDir, asOf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// pairs runs a two-column query and returns first column -> second.
func pairs(t *testing.T, s *lake.Snapshot, q string, args ...any) map[string]string {
	t.Helper()
	r, err := s.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, row := range r.Rows {
		out[row[0].Text] = row[1].Text
	}
	return out
}

// column returns a CSV's column as key (first column) -> value.
func column(t *testing.T, header []string, rows [][]string, key, name string) map[string]string {
	t.Helper()
	k, v := slices.Index(header, key), slices.Index(header, name)
	if k < 0 || v < 0 {
		t.Fatalf("columns %s, %s not in %v", key, name, header)
	}
	out := map[string]string{}
	for _, row := range rows {
		out[row[k]] = row[v]
	}
	return out
}

// sameCounts compares counts from a CSV with counts from the lake; a level
// with no row in the lake must be 0 (or absent) in the CSV.
func sameCounts(t *testing.T, what string, csv, lake map[string]string) {
	t.Helper()
	for k, n := range lake {
		if csv[k] != n {
			t.Errorf("%s %q: report %q, lake %q", what, k, csv[k], n)
		}
	}
	for k, n := range csv {
		if _, ok := lake[k]; !ok && n != "0" {
			t.Errorf("%s %q: report %q, lake has none", what, k, n)
		}
	}
}

func TestReportFiles(t *testing.T) {
	r, dir := written(t)
	want := []string{"report.html"}
	for _, s := range r.Sections {
		want = append(want, s.ID+".csv")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, id := range []string{"year_over_year", "level_distribution", "promotions_demotions", "points_by_source",
		"points_by_business_model", "points_by_country", "points_by_solution", "points_by_month",
		"multipliers_and_cap", "influence", "near_next_level", "audit_outcomes", "reminders"} {
		if !slices.Contains(want, id+".csv") {
			t.Errorf("no section %s", id)
		}
	}
}

func TestLevelDistributionEqualsSnapshots(t *testing.T) {
	r, dir := written(t)
	if r.StartAsOf != startAsOf {
		t.Errorf("start of year from %q, want the %s snapshot", r.StartAsOf, startAsOf)
	}
	header, rows := readCSV(t, filepath.Join(dir, "level_distribution.csv"))
	const q = "SELECT coalesce(level, ''), count(*)::VARCHAR FROM partner_levels GROUP BY level"
	sameCounts(t, "now", column(t, header, rows, "level", "now"), pairs(t, snapshot(t, ""), q))
	sameCounts(t, "start of year", column(t, header, rows, "level", "start_of_year"), pairs(t, snapshot(t, startAsOf), q))
	now := snapshot(t, "")
	audited := pairs(t, now, "SELECT coalesce(level_after, ''), count(*)::VARCHAR FROM audits WHERE program_year = ? GROUP BY ALL", year)
	if len(audited) == 0 {
		if slices.Contains(header, "after_audit") {
			t.Errorf("after_audit column with no audit rows for %s", year)
		}
	} else {
		sameCounts(t, "after audit", column(t, header, rows, "level", "after_audit"), audited)
	}
}

func TestPointsEqualLedger(t *testing.T) {
	_, dir := written(t)
	now := snapshot(t, "")
	header, rows := readCSV(t, filepath.Join(dir, "points_by_source.csv"))
	sameCounts(t, "points by source", column(t, header, rows, "source", "points"),
		pairs(t, now, "SELECT source, sum(points)::VARCHAR FROM points_ledger WHERE program_year = ? GROUP BY source", year))

	header, rows = readCSV(t, filepath.Join(dir, "points_by_month.csv"))
	keyed := map[string]string{}
	m, s, p := slices.Index(header, "month"), slices.Index(header, "source"), slices.Index(header, "points")
	for _, row := range rows {
		keyed[row[m]+" "+row[s]] = row[p]
	}
	sameCounts(t, "points by month", keyed, pairs(t, now, `SELECT strftime(earned_on, '%Y-%m') || ' ' || source, sum(points)::VARCHAR
		FROM points_ledger WHERE program_year = ? GROUP BY ALL`, year))

	header, rows = readCSV(t, filepath.Join(dir, "multipliers_and_cap.csv"))
	keyed = map[string]string{}
	c, rule, p := slices.Index(header, "component"), slices.Index(header, "rule_id"), slices.Index(header, "points")
	for _, row := range rows {
		keyed[row[c]+" "+row[rule]] = row[p]
	}
	sameCounts(t, "components", keyed, pairs(t, now, `SELECT component || ' ' || coalesce(rule_id, ''), sum(points)::VARCHAR
		FROM points_ledger WHERE program_year = ? AND source IN ('booking', 'oem_credit') GROUP BY ALL`, year))
}

func TestInfluenceEqualsLedger(t *testing.T) {
	_, dir := written(t)
	header, rows := readCSV(t, filepath.Join(dir, "influence.csv"))
	keyed := map[string]string{}
	pi, ci, p := slices.Index(header, "partner_id"), slices.Index(header, "claim_id"), slices.Index(header, "points")
	for _, row := range rows {
		keyed[row[pi]+" "+row[ci]] = row[p]
	}
	sameCounts(t, "influence", keyed, pairs(t, snapshot(t, ""), `SELECT partner_id || ' ' || rule_id, sum(points)::VARCHAR
		FROM points_ledger WHERE program_year = ? AND source = 'influence' GROUP BY ALL`, year))
}

func TestNearNextLevelEqualsPartnerLevels(t *testing.T) {
	_, dir := written(t)
	now := snapshot(t, "")
	rb, err := rulebook.Load(now.Manifest.Rulebook.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The next level's threshold, as text, per level id.
	var values []string
	var args []any
	for _, l := range rb.Year(year).Levels {
		values = append(values, "(?, ?::DECIMAL(18,2))")
		args = append(args, l.ID, l.MinPerformancePoints.String())
	}
	want := pairs(t, now, `SELECT partner_id, performance_points_to_next::VARCHAR FROM partner_levels
		JOIN (VALUES `+strings.Join(values, ", ")+`) AS th(level_id, threshold) ON th.level_id = next_level
		WHERE threshold > 0 AND performance_points_to_next <= threshold / 10`, args...)
	header, rows := readCSV(t, filepath.Join(dir, "near_next_level.csv"))
	sameCounts(t, "near next level", column(t, header, rows, "partner_id", "performance_points_to_next"), want)
}

func TestAuditsAndRemindersEqualSnapshot(t *testing.T) {
	r, dir := written(t)
	now := snapshot(t, "")
	header, rows := readCSV(t, filepath.Join(dir, "audit_outcomes.csv"))
	sameCounts(t, "audits", column(t, header, rows, "partner_id", "outcome"),
		pairs(t, now, "SELECT partner_id, outcome FROM audits WHERE program_year = ?", year))

	header, rows = readCSV(t, filepath.Join(dir, "reminders.csv"))
	name := slices.Index(header, "partner_name")
	got := map[string]string{}
	for _, row := range rows {
		got[strings.Join(slices.Delete(row, name, name+1), " ")] = "1"
	}
	sameCounts(t, "reminders", got, pairs(t, now, `SELECT concat_ws(' ', partner_id, kind, due_on, about_on, days_before), '1'
		FROM notifications WHERE due_on BETWEEN ?::DATE AND ?::DATE + 90`, r.AsOf, r.AsOf))
}

// TestReportIsSelfContained: the page fetches nothing (no script, style
// sheet, font or image from elsewhere) and so opens offline.
func TestReportIsSelfContained(t *testing.T) {
	_, dir := written(t)
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := strings.ToLower(string(b))
	for _, bad := range []string{"<script", "<link", "http://", "https://", "@import", "url(", "<img", "<iframe", "src="} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	if n := strings.Count(html, "<svg"); n < 3 {
		t.Errorf("%d inline SVG charts, want several", n)
	}
}

// TestReportHTMLShowsLevelCounts: the page's level table has the counts of
// the CSV (the CSV is checked against the lake above).
func TestReportHTMLShowsLevelCounts(t *testing.T) {
	_, dir := written(t)
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	header, rows := readCSV(t, filepath.Join(dir, "level_distribution.csv"))
	table := regexp.MustCompile(`(?s)<table data-file="level_distribution.csv">.*?</table>`).Find(b)
	if table == nil {
		t.Fatal("no level table in report.html")
	}
	cells := regexp.MustCompile(`<t[dh][^>]*>([^<]*)</t[dh]>`).FindAllSubmatch(table, -1)
	var text []string
	for _, c := range cells {
		text = append(text, string(c[1]))
	}
	now := slices.Index(header, "now")
	for _, row := range rows {
		i := slices.Index(text, row[0])
		if row[0] == "" {
			i = slices.Index(text, "–")
		}
		if i < 0 || i+now >= len(text) || text[i+now] != row[now] {
			t.Errorf("level %q: the page does not show %s partners now", row[0], row[now])
		}
	}
}

func TestUnknownYear(t *testing.T) {
	for _, id := range []string{"FY99", "../x", ""} {
		if _, err := report.Build(context.Background(), lakeDir, id, ""); err == nil {
			t.Errorf("program year %q accepted", id)
		}
	}
}
