package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tally/pipeline/lake"
	"tally/pipeline/publish"
	"tally/pipeline/report"
	"tally/pipeline/rulebook"
)

// busiestPartner is the partner with the most booking ledger rows in the
// year of the snapshot: one with bookings, whatever the data.
func busiestPartner(t *testing.T, s *lake.Snapshot) string {
	t.Helper()
	r, err := s.Query(context.Background(), `SELECT l.partner_id FROM points_ledger l
		JOIN partner_levels p ON p.partner_id = l.partner_id AND p.program_year = l.program_year
		WHERE l.source = 'booking' GROUP BY ALL ORDER BY count(*) DESC, l.partner_id LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) == 0 {
		t.Fatal("no partner has bookings in the year of the snapshot")
	}
	return r.Rows[0][0].Text
}

func TestExplainSubtotalsEqualPartnerLevels(t *testing.T) {
	s := snapshot(t, "")
	id := busiestPartner(t, s)
	e, err := report.Explain(context.Background(), s, id)
	if err != nil {
		t.Fatal(err)
	}
	want := pairs(t, s, `UNPIVOT (SELECT booking_points::VARCHAR AS booking_points, lifecycle_points::VARCHAR AS lifecycle_points,
		influence_points::VARCHAR AS influence_points FROM partner_levels WHERE partner_id = ?) ON COLUMNS(*) INTO NAME col VALUE v`, id)
	if len(e.Totals) != 3 {
		t.Fatalf("%d totals, want booking, lifecycle and influence", len(e.Totals))
	}
	for _, tot := range e.Totals {
		if !tot.Equal || tot.Ledger != want[tot.Column] || tot.PartnerLevels != want[tot.Column] {
			t.Errorf("%s: ledger %s, explain's partner_levels %s, snapshot %s", tot.Column, tot.Ledger, tot.PartnerLevels, want[tot.Column])
		}
	}
	// Each source's subtotal is the sum of its rows in the snapshot.
	sums := pairs(t, s, `SELECT program_year || ' ' || source, sum(points)::VARCHAR FROM points_ledger
		WHERE partner_id = ? GROUP BY ALL`, id)
	n := 0
	for _, y := range e.Ledger {
		for _, g := range y.Sources {
			if sums[y.ProgramYear+" "+g.Source] != g.Subtotal {
				t.Errorf("%s %s: subtotal %s, snapshot %s", y.ProgramYear, g.Source, g.Subtotal, sums[y.ProgramYear+" "+g.Source])
			}
			n++
		}
	}
	if n != len(sums) {
		t.Errorf("%d source groups, the snapshot has %d", n, len(sums))
	}
	if e.Ledger[0].ProgramYear != e.ProgramYear {
		t.Errorf("the year of as_of (%s) is not first: %s", e.ProgramYear, e.Ledger[0].ProgramYear)
	}
	if len(e.Thresholds) == 0 {
		t.Errorf("no thresholds though the rulebook is there: %v", e.Notes)
	}
	var text bytes.Buffer
	if err := e.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"Partner " + id, "Thresholds", "Points ledger", "subtotal booking", "booking_points = ", "Denials", "Level history"} {
		if !strings.Contains(text.String(), part) {
			t.Errorf("the text has no %q:\n%s", part, text.String())
		}
	}
	if strings.Contains(text.String(), "DIFFERENT") {
		t.Errorf("the text reports a difference:\n%s", text.String())
	}
	if _, err := json.Marshal(e); err != nil {
		t.Error(err)
	}
}

func TestExplainDenialsAndHistory(t *testing.T) {
	s := snapshot(t, "")
	r, err := s.Query(context.Background(), "SELECT partner_id, count(*) FROM denials GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) == 0 {
		t.Skip("no denials in the snapshot")
	}
	id := r.Rows[0][0].Text
	e, err := report.Explain(context.Background(), s, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Denials); r.Rows[0][1].Text != itoa(got) {
		t.Errorf("%s: %d denials, snapshot has %s", id, got, r.Rows[0][1].Text)
	}
	h := pairs(t, s, "SELECT partner_id, count(*)::VARCHAR FROM level_history WHERE partner_id = ? GROUP BY ALL", id)
	if itoa(len(e.History)) != orZero(h[id]) {
		t.Errorf("%s: %d level periods, snapshot has %s", id, len(e.History), h[id])
	}
}

func TestExplainUnknownPartner(t *testing.T) {
	_, err := report.Explain(context.Background(), snapshot(t, ""), "NO-SUCH-PARTNER")
	if !errors.Is(err, report.ErrUnknownPartner) {
		t.Fatalf("err = %v, want ErrUnknownPartner", err)
	}
	if !strings.Contains(err.Error(), "NO-SUCH-PARTNER") {
		t.Errorf("the message does not name the partner: %v", err)
	}
}

// A snapshot's readers take its rules from the copy it holds: with the
// rulebook file it was computed from gone, explain still shows the
// thresholds. A snapshot with no copy (published before snapshots held
// their rules) still explains, says so and leaves the thresholds out; so
// does the report.
func TestExplainReadsTheSnapshotsRulebook(t *testing.T) {
	s := snapshot(t, "")
	copyLake := func(keepRulebook bool) string {
		lakeCopy := t.TempDir()
		dst := filepath.Join(lakeCopy, "snapshots", filepath.Base(s.Dir))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(s.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() == publish.RulebookFile && !keepRulebook {
				continue
			}
			b, err := os.ReadFile(filepath.Join(s.Dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() == publish.ManifestFile {
				var m publish.Manifest
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				m.Rulebook.Path = filepath.Join(lakeCopy, "gone.yaml")
				if !keepRulebook {
					m.Outputs = slices.DeleteFunc(m.Outputs, func(o publish.Output) bool { return o.File == publish.RulebookFile })
				}
				if b, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(lakeCopy, "latest"), []byte("snapshots/"+filepath.Base(s.Dir)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return lakeCopy
	}
	explain := func(lakeDir string) (*report.Explanation, string) {
		c, err := lake.Open(context.Background(), lakeDir, "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		e, err := report.Explain(context.Background(), c, busiestPartner(t, c))
		if err != nil {
			t.Fatal(err)
		}
		var text bytes.Buffer
		if err := e.WriteText(&text, true); err != nil {
			t.Fatal(err)
		}
		return e, text.String()
	}

	// (the copies hold the snapshot alone, not its inputs: explain notes that too)
	if e, _ := explain(copyLake(true)); len(e.Thresholds) == 0 || strings.Contains(strings.Join(e.Notes, " "), "rulebook") {
		t.Errorf("with the file gone but the snapshot's copy there: thresholds %v, notes %v", e.Thresholds, e.Notes)
	}
	lakeCopy := copyLake(false)
	e, text := explain(lakeCopy)
	if len(e.Thresholds) != 0 || !strings.Contains(strings.Join(e.Notes, " "), "holds no copy of its rulebook") {
		t.Errorf("thresholds %v, notes %v: want none and a note that the snapshot has no rulebook", e.Thresholds, e.Notes)
	}
	if !strings.Contains(text, "holds no copy of its rulebook") {
		t.Errorf("the text does not say the rulebook is missing:\n%s", text)
	}
	// The report works without it too, and says what it could not do.
	r, err := report.Build(context.Background(), lakeCopy, e.ProgramYear, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Notes) == 0 || r.StartsOn != "" {
		t.Errorf("report without the rulebook: notes %v, starts_on %q", r.Notes, r.StartsOn)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// TestExplainBusinessModels: each year's points by business model are the
// partner's ledger rows grouped by business_model, and add up to the year.
func TestExplainBusinessModels(t *testing.T) {
	s := snapshot(t, "")
	id := busiestPartner(t, s)
	e, err := report.Explain(context.Background(), s, id)
	if err != nil {
		t.Fatal(err)
	}
	want := pairs(t, s, `SELECT program_year || ' ' || coalesce(business_model, 'unattributed'), sum(points)::VARCHAR
		FROM points_ledger WHERE partner_id = ? GROUP BY ALL`, id)
	got := map[string]string{}
	for _, y := range e.Ledger {
		var sum int64
		for _, m := range y.BusinessModels {
			got[y.ProgramYear+" "+m.BusinessModel] = m.Points
			p, _ := strconv.ParseFloat(m.Points, 64)
			sum += int64(p*100 + 0.5*sign(p))
		}
		total, _ := strconv.ParseFloat(y.Points, 64)
		if sum != int64(total*100+0.5*sign(total)) {
			t.Errorf("%s: business models add up to %d hundredths, the year has %s", y.ProgramYear, sum, y.Points)
		}
	}
	sameCounts(t, "business model", got, want)
	var text bytes.Buffer
	if err := e.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "by business model: ") {
		t.Errorf("the text shows no points by business model:\n%s", text.String())
	}
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// TestExplainRequiredCapabilities: explain lists every level's required
// capabilities from the snapshot's rulebook and the capabilities the
// partner holds on as_of (from the snapshot's inputs). Checked against the
// engine: every partner holds what its earned level requires.
func TestExplainRequiredCapabilities(t *testing.T) {
	s := snapshot(t, "")
	levels := pairs(t, s, "SELECT partner_id, earned_level FROM partner_levels WHERE earned_level IS NOT NULL")
	rb := rulebookOf(t, s)
	checked := 0
	for id, earned := range levels {
		e, err := report.Explain(context.Background(), s, id)
		if err != nil {
			t.Fatal(err)
		}
		year := rb.Year(e.ProgramYear).Levels
		if len(e.Required) != len(year) {
			t.Fatalf("%s: %d levels' requirements, the rulebook has %d", id, len(e.Required), len(year))
		}
		for i, l := range year {
			if e.Required[i].Level != l.ID || len(e.Required[i].Required) != len(l.RequiredCapabilities) {
				t.Errorf("%s: level %d is %+v, the rulebook says %s %v", id, i, e.Required[i], l.ID, l.RequiredCapabilities)
			}
			if l.ID == earned && (e.Required[i].Met == nil || !*e.Required[i].Met) {
				t.Errorf("%s earned %s, whose capabilities %v explain says it does not hold (it holds %v)", id, earned, l.RequiredCapabilities, e.Capabilities)
			}
			if l.ID == earned && len(l.RequiredCapabilities) > 0 {
				checked++
			}
		}
		held := pairs(t, s, `SELECT kind, count(DISTINCT capability_id)::VARCHAR FROM (
				SELECT capability_id, arg_max(kind, achieved_on) AS kind FROM raw.capabilities
				WHERE partner_id = ? AND achieved_on <= ?::DATE AND (expires_on IS NULL OR expires_on > ?::DATE) GROUP BY ALL)
			GROUP BY kind`, id, e.AsOf, e.AsOf)
		got := map[string]string{}
		for k, ids := range e.Capabilities {
			got[k] = itoa(len(ids))
		}
		sameCounts(t, id+" capabilities", got, held)
	}
	if checked == 0 {
		t.Error("no partner earned a level that requires capabilities: the check checked nothing")
	}
	e, err := report.Explain(context.Background(), s, busiestPartner(t, s))
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := e.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Capabilities each level requires", "Capabilities held on " + e.AsOf} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text has no %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "not in the snapshot") {
		t.Errorf("the text still says capabilities are not in the snapshot:\n%s", text.String())
	}
}

func rulebookOf(t *testing.T, s *lake.Snapshot) *rulebook.Rulebook {
	t.Helper()
	b, err := s.ReadFile(publish.RulebookFile)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rulebook.Parse(publish.RulebookFile, b)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// TestExplainWithoutInputs: with the snapshot's raw version gone, explain
// still answers and says the partner's capabilities are unknown.
func TestExplainWithoutInputs(t *testing.T) {
	lakeCopy := copyLake(t)
	s := snapshot(t, "")
	if err := os.RemoveAll(filepath.Join(lakeCopy, filepath.FromSlash(s.Manifest.Raw))); err != nil {
		t.Fatal(err)
	}
	c, err := lake.Open(context.Background(), lakeCopy, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e, err := report.Explain(context.Background(), c, busiestPartner(t, c))
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := e.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	if e.Capabilities != nil || !strings.Contains(text.String(), "unknown: the snapshot's inputs are not in the lake") {
		t.Errorf("capabilities %v; text:\n%s", e.Capabilities, text.String())
	}
}
