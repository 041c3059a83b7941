package report_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"tally/pipeline/report"
)

// explain shows a partner's designations as the snapshot holds them, what
// the next tier needs (from the snapshot's rulebook), its periods, and the
// benefits it holds.
func TestExplainDesignationsAndBenefits(t *testing.T) {
	s := snapshot(t, "")
	e, err := report.Explain(context.Background(), s, "P002")
	if err != nil {
		t.Fatal(err)
	}
	want := pairs(t, s, `SELECT solution_area, coalesce(tier, '') || '|' || credits::VARCHAR || '|' || coalesce(next_tier, '')
		FROM designations WHERE partner_id = 'P002'`)
	if len(e.Designations) != len(want) || len(want) != 8 {
		t.Fatalf("%d designations, the snapshot has %d", len(e.Designations), len(want))
	}
	if e.Designations[0].SolutionArea != "data_center_virtualization" {
		t.Errorf("first area %s, want the rulebook's first", e.Designations[0].SolutionArea)
	}
	periods := pairs(t, s, `SELECT solution_area, count(*)::VARCHAR FROM designation_history WHERE partner_id = 'P002' GROUP BY ALL`)
	for _, d := range e.Designations {
		if got := d.Tier + "|" + d.Credits + "|" + d.NextTier; got != want[d.SolutionArea] {
			t.Errorf("%s: explain %s, snapshot %s", d.SolutionArea, got, want[d.SolutionArea])
		}
		if n := len(d.History); (n > 0 || periods[d.SolutionArea] != "") && periods[d.SolutionArea] != strconv.Itoa(n) {
			t.Errorf("%s: %d periods, snapshot %s", d.SolutionArea, n, periods[d.SolutionArea])
		}
		if d.NextTier != "" && !strings.Contains(d.NextNeeds, "credits") {
			t.Errorf("%s: next tier %s needs %q", d.SolutionArea, d.NextTier, d.NextNeeds)
		}
	}
	held := pairs(t, s, "SELECT benefit, since::VARCHAR FROM benefits WHERE partner_id = 'P002'")
	if len(held) == 0 || len(e.Benefits) != len(held) {
		t.Fatalf("benefits %v, snapshot %v", e.Benefits, held)
	}
	for _, b := range e.Benefits {
		if held[b.Benefit] != b.Since {
			t.Errorf("benefit %s since %s, snapshot %s", b.Benefit, b.Since, held[b.Benefit])
		}
	}
	var out bytes.Buffer
	if err := e.WriteText(&out, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Designations (solution areas)", "modern_applications", "Benefits", "deal_registration since"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("explain text has no %q", s)
		}
	}
}
