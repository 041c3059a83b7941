package serve

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tally/jobs"
	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
)

// TestThresholdsFromTheSnapshot publishes the example under a rulebook
// whose pinnacle no partner reaches (123,456.50 performance points, in
// every year) and whose select asks 950 in FY25 only, then checks every
// partner's page and API against the snapshot's level_thresholds: the
// thresholds listed are those of the partner's program year, the distance
// to the next level is what that level asks minus the partner's points, and
// the chart's threshold lines are at the current and next level's values.
func TestThresholdsFromTheSnapshot(t *testing.T) {
	root, err := laketest.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "fixtures", "rulebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rb := string(b)
	for old, repl := range map[string]string{
		"min_performance_points: 27000, min_capability_points: 3000":                   "min_performance_points: 123456.5, min_capability_points: 3000",
		"{id: FY25, starts_on: 2024-02-03, ends_on: 2025-01-31, audit_on: 2025-03-03}": "{id: FY25, starts_on: 2024-02-03, ends_on: 2025-01-31, audit_on: 2025-03-03, overrides: {levels: {select: {min_performance_points: 950}}}}",
	} {
		if !strings.Contains(rb, old) {
			t.Fatalf("fixtures/rulebook.yaml has no %q", old)
		}
		rb = strings.Replace(rb, old, repl, 1)
	}
	dir := t.TempDir()
	rulebook := filepath.Join(dir, "rulebook.yaml")
	if err := os.WriteFile(rulebook, []byte(rb), 0o644); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	ctx := context.Background()
	if _, err := jobs.Run(ctx, jobs.RunOptions{Input: filepath.Join(root, "fixtures", "example"), Rulebook: rulebook, AsOf: laketest.AsOf, Out: lakeDir}); err != nil {
		t.Fatal(err)
	}
	snap, err := lake.Open(ctx, lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	lt, err := snap.Query(ctx, "SELECT program_year, level_rank, level_id, good_standing, min_performance_points, min_capability_points FROM level_thresholds ORDER BY program_year, level_rank")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]lake.Value{} // program_year/level -> its row
	ladder := map[string][]string{}
	for _, r := range lt.Rows {
		want[r[0].Text+"/"+r[2].Text] = r
		ladder[r[0].Text] = append(ladder[r[0].Text], r[2].Text)
	}
	if v := want["FY25/select"]; v == nil || num(t, v[4].Text) != 95000 || num(t, want["FY24/select"][4].Text) != 90000 {
		t.Fatalf("the override did not take: FY25 select %v, FY24 %v", v, want["FY24/select"])
	}
	levels, err := snap.Query(ctx, "SELECT partner_id, program_year, level, next_level, performance_points, capability_points FROM partner_levels ORDER BY partner_id")
	if err != nil {
		t.Fatal(err)
	}

	f := start(t, lakeDir, false)
	label := regexp.MustCompile(`<text class="rule-label"[^>]*>([^<]*)</text>`)
	nextPinnacle := 0
	for _, r := range levels.Rows {
		id, year, level, next := r[0].Text, r[1].Text, r[2].Text, r[3].Text
		perf, capa := num(t, r[4].Text), num(t, r[5].Text)
		if level == "pinnacle" {
			t.Fatalf("%s reached pinnacle: the test needs a level no partner has reached", id)
		}
		_, body := f.get(t, "/api/partners/"+url.PathEscape(id), f.tokens["program"])
		var s Summary
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, body)
		}
		// Every level of the partner's year, as level_thresholds has it.
		if len(s.Thresholds) != len(ladder[year]) {
			t.Fatalf("%s: %d thresholds, level_thresholds has %d levels in %s", id, len(s.Thresholds), len(ladder[year]), year)
		}
		for i, got := range s.Thresholds {
			w := want[year+"/"+got.Level]
			if got.Level != ladder[year][i] || w == nil || strconv.Itoa(got.Rank) != w[1].Text || strconv.FormatBool(got.GoodStanding) != w[3].Text ||
				num(t, got.Performance) != num(t, w[4].Text) || num(t, got.Capability) != num(t, w[5].Text) {
				t.Errorf("%s: threshold %+v, level_thresholds %v", id, got, w)
			}
			role := map[bool]string{true: "current"}[got.Level == level]
			if got.Level == next {
				role = "next"
			}
			if got.Role != role {
				t.Errorf("%s: %s has role %q, want %q", id, got.Level, got.Role, role)
			}
		}
		// The distance to the next level: its thresholds less the points.
		_, page := f.get(t, "/partners/"+url.PathEscape(id), f.tokens["program"])
		if next != "" {
			w := want[year+"/"+next]
			dp, dc := max(num(t, w[4].Text)-perf, 0), max(num(t, w[5].Text)-capa, 0)
			if s.ToNext == nil || num(t, s.ToNext.Performance) != dp || num(t, s.ToNext.Capability) != dc {
				t.Errorf("%s: distance to %s %+v, level_thresholds gives %v and %v", id, next, s.ToNext, dp, dc)
			}
			if shown := between(page, `<strong id="performance-to-next">`, `</strong>`); num(t, strings.ReplaceAll(shown, ",", "")) != dp {
				t.Errorf("%s: the page shows %q performance points to %s, want %v", id, shown, next, dp)
			}
			if next == "pinnacle" {
				nextPinnacle++
			}
		}
		// The page's threshold table lists the unreached level too.
		if !strings.Contains(page, "<td>pinnacle") || !strings.Contains(page, `<td class="num">123,456.50</td>`) {
			t.Errorf("%s: the page does not list pinnacle's 123,456.50", id)
		}
		// The chart's lines: the current and next level's performance
		// thresholds above 0, at level_thresholds' values.
		var lines []string
		for _, m := range label.FindAllStringSubmatch(page, -1) {
			lines = append(lines, m[1])
		}
		var wantLines []string
		for _, l := range []string{level, next} {
			if w := want[year+"/"+l]; w != nil && num(t, w[4].Text) > 0 {
				wantLines = append(wantLines, l)
			}
		}
		if len(lines) != len(wantLines) {
			t.Errorf("%s: chart lines %q, want lines for %q", id, lines, wantLines)
			continue
		}
		for i, l := range lines {
			name, value, _ := strings.Cut(l, " ")
			if name != wantLines[i] || num(t, strings.ReplaceAll(value, ",", "")) != num(t, want[year+"/"+name][4].Text) {
				t.Errorf("%s: chart line %q, level_thresholds %s asks %s", id, l, wantLines[i], want[year+"/"+wantLines[i]][4].Text)
			}
		}
	}
	if nextPinnacle == 0 {
		t.Error("no partner has pinnacle as its next level: the unreached level's line is not checked")
	}
}

// num reads a decimal as hundredths.
func num(t *testing.T, s string) int64 {
	t.Helper()
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return hundredths(s)
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
