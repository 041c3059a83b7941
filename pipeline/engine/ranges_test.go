package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
)

// rangesWorld: P1 3 bookings, P2 1, P3 10, P4 4, P5 none. P1 (solution
// services) claims influence on ACME/vcf, where P3 and P4 book; P2's claim
// on a booking of P3 is only pending.
func rangesWorld() *world {
	w := (&world{}).partner("P1").partner("P2").partner("P3").partner("P4").partner("P5")
	w.models[0].BusinessModel = "solution_services"
	n := 0
	book := func(p string, k int, customer string) {
		for range k {
			n++
			b := w.booking(fmt.Sprintf("B%02d", n), p, "2023-06-01", 1000, "term")
			if customer != "" {
				b.CustomerID = customer
			}
		}
	}
	book("P1", 3, "")
	book("P2", 1, "")
	book("P3", 9, "")
	book("P3", 1, "ACME")
	book("P4", 2, "ACME")
	// before I1's approval: no match, but a contract naming P1 makes it
	// a transacting partner of that deal
	w.booking("B17", "P4", "2023-01-01", 1000, "term").CustomerID = "ACME"
	early := w.booking("B18", "P4", "2023-01-01", 1000, "term")
	early.CustomerID, early.ContractPartnerIDs = "ACME", []string{"P1"}
	// B18 names P1 on opportunity O-9, so P1 transacts B16, which is on it
	opp := "O-9"
	early.OpportunityID = &opp
	for i := range w.bookings {
		if w.bookings[i].BookingID == "B16" {
			w.bookings[i].OpportunityID = &opp
		}
	}
	w.influence = []extract.InfluenceClaim{
		claim("I1", "P1", "sir", "2023-03-01"),
		{ClaimID: "I2", PartnerID: "P2", Kind: "sir", CustomerID: "C-B05", Solution: "vcf", Status: "pending"},
	}
	return w
}

func planRanges(t *testing.T, w *world, perRange int64) (*engine.Engine, string, []engine.Range) {
	t.Helper()
	raw := w.land(t)
	e, err := engine.Open(context.Background(), engine.Settings{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.LoadRules(context.Background(), w.rules(t).Tables(date.MustParse("2024-01-31"))); err != nil {
		t.Fatal(err)
	}
	ranges, err := e.PlanRanges(context.Background(), raw, perRange)
	if err != nil {
		t.Fatal(err)
	}
	return e, raw, ranges
}

// Ranges hold at most perRange bookings in partner_id order; a partner
// with more is a range of its own; one with none joins the range before it.
func TestPlanRanges(t *testing.T) {
	_, _, ranges := planRanges(t, rangesWorld(), 4)
	var got []string
	for _, r := range ranges {
		got = append(got, fmt.Sprintf("%d:%s-%s:%d:%d", r.Index, r.FirstPartner, r.LastPartner, r.Partners, r.Bookings))
	}
	equal(t, "ranges", got, []string{"0:P1-P2:2:4", "1:P3-P3:1:10", "2:P4-P5:2:4"})

	_, _, one := planRanges(t, rangesWorld(), -1)
	if len(one) != 1 || one[0].Partners != 5 || one[0].Bookings != 18 {
		t.Errorf("perRange -1: %+v, want one range of every partner", one)
	}
}

// SplitRaw puts every row in its partner's range, and gives each range the
// influence matches of its claims on every partner's bookings (booked on or
// after the approval), with whether the claimant transacts the deal (a
// booking before the approval may make it one).
func TestSplitAndLoadRange(t *testing.T) {
	e, raw, ranges := planRanges(t, rangesWorld(), 4)
	split := filepath.Join(t.TempDir(), "split")
	ctx := context.Background()
	if err := e.SplitRaw(ctx, raw, split); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ranges {
		if err := e.LoadRange(ctx, raw, split, r.Index); err != nil {
			t.Fatal(err)
		}
		own := rows(t, e, "SELECT string_agg(DISTINCT partner_id, ',' ORDER BY partner_id) || ' ' || count(*) FROM raw_bookings")
		parts := rows(t, e, "SELECT count(*) FROM raw_partners")
		matches := rows(t, e, "SELECT coalesce(string_agg(claim_id || '/' || booking_id || CASE WHEN claimant_transacts THEN '/transacts' ELSE '' END, ',' ORDER BY booking_id), '-') FROM influence_match_rows")
		got = append(got, fmt.Sprintf("%d: %s partners %s matches %s", r.Index, own[0], parts[0], matches[0]))
	}
	equal(t, "ranges", got, []string{
		"0: P1,P2 4 partners 2 matches I1/B14,I1/B15,I1/B16/transacts", // B14 is P3's, B15 and B16 P4's
		"1: P3 10 partners 1 matches -",
		"2: P4 4 partners 2 matches -",
	})
}

// A row whose partner is not in partners stops SplitRaw: it would be in
// no range.
func TestSplitRefusesAnUnknownPartner(t *testing.T) {
	w := rangesWorld()
	w.booking("BX", "NOBODY", "2023-06-01", 1000, "term")
	e, raw, _ := planRanges(t, w, 4)
	err := e.SplitRaw(context.Background(), raw, filepath.Join(t.TempDir(), "split"))
	if err == nil || !strings.Contains(err.Error(), "1 of 19 rows have a partner_id that is not in partners") {
		t.Fatalf("split: %v", err)
	}
}

// The checks of the ranges add up: failing rows summed, samples kept in
// range order up to 20.
func TestMergeChecks(t *testing.T) {
	sample := func(n int, tag string) [][]string {
		var s [][]string
		for i := range n {
			s = append(s, []string{fmt.Sprint(tag, i)})
		}
		return s
	}
	all := engine.MergeChecks(nil, []engine.Check{{Name: "a", Passed: true}, {Name: "b", Passed: false, FailingRows: 15, Columns: []string{"x"}, Sample: sample(15, "r0-")}})
	all = engine.MergeChecks(all, []engine.Check{{Name: "a", Passed: false, FailingRows: 2, Columns: []string{"y"}, Sample: sample(2, "r1-")}, {Name: "b", Passed: false, FailingRows: 10, Columns: []string{"x"}, Sample: sample(10, "r1-")}})
	if all[0].Passed || all[0].FailingRows != 2 || !slices.Equal(all[0].Columns, []string{"y"}) || len(all[0].Sample) != 2 {
		t.Errorf("a: %+v", all[0])
	}
	if all[1].Passed || all[1].FailingRows != 25 || len(all[1].Sample) != 20 || all[1].Sample[14][0] != "r0-14" || all[1].Sample[15][0] != "r1-0" {
		t.Errorf("b: %+v", all[1])
	}
}
