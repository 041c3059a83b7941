package serve

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"tally/pipeline/lake"
)

// The partner page and /api/partners/{id} show the partner's designations,
// benefits and benefit changes as the snapshot holds them.
func TestPartnerDesignationsAndBenefits(t *testing.T) {
	f := start(t, lakeDir, false)
	snap, err := lake.Open(context.Background(), lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	count := func(q string) int {
		r, err := snap.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Rows)
	}
	_, body := f.get(t, "/api/partners/P002", f.tokens["program"])
	var s Summary
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if want := count("SELECT * FROM designations WHERE partner_id = 'P002'"); want == 0 || len(s.Designations) != want {
		t.Errorf("API designations %d, snapshot %d", len(s.Designations), want)
	}
	tiers := map[string]string{}
	for _, d := range s.Designations {
		tiers[str(d["solution_area"])] = str(d["tier"])
	}
	r, err := snap.Query(context.Background(), "SELECT solution_area, coalesce(tier, '') FROM designations WHERE partner_id = 'P002'")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Rows {
		if tiers[row[0].Text] != row[1].Text {
			t.Errorf("%s: API tier %q, snapshot %q", row[0].Text, tiers[row[0].Text], row[1].Text)
		}
	}
	if want := count("SELECT * FROM benefits WHERE partner_id = 'P002'"); want == 0 || len(s.Benefits) != want {
		t.Errorf("API benefits %d, snapshot %d", len(s.Benefits), want)
	}
	if want := count("SELECT * FROM benefit_changes WHERE partner_id = 'P002'"); len(s.BenefitChanges) != want {
		t.Errorf("API benefit changes %d, snapshot %d", len(s.BenefitChanges), want)
	}
	_, page := f.get(t, "/partners/P002", f.tokens["program"])
	for _, want := range []string{`id="designations"`, "modern_applications", `id="benefits"`, "deal_registration"} {
		if !strings.Contains(page, want) {
			t.Errorf("partner page has no %q", want)
		}
	}
}
