package engine_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
	"tally/pipeline/synth"
)

// Section 13, as a property: on a generated landing (a few partners over
// the cap, vendor terminations among their capped bookings), for as_of
// dates D1 < D2 every ledger row of the snapshot as of D1 is in the
// snapshot as of D2, unchanged (the snapshot as of D1 holds only rows
// earned on or before D1).
func TestLedgerAppendOnlyInTime(t *testing.T) {
	ctx := context.Background()
	rb, err := rulebook.Parse("rulebook.yaml", []byte(baseRulebook(t)))
	if err != nil {
		t.Fatal(err)
	}
	landing := t.TempDir()
	gen, err := synth.Generate(ctx, synth.GenerateOptions{Out: landing, Partners: 5, Bookings: 1500, Seed: 24, Rulebook: rb})
	if err != nil {
		t.Fatal(err)
	}
	raw := t.TempDir()
	if _, err := extract.Run(ctx, extract.Options{Input: landing, RawDir: raw, Rulebook: rb}); err != nil {
		t.Fatal(err)
	}
	// six dates from the landing's first month to its last day
	var days []date.Date
	for i := range 6 {
		days = append(days, gen.From+30+(gen.To-gen.From-30)*date.Date(i)/5)
	}
	const q = `SELECT partner_id, program_year, earned_on::VARCHAR, source, source_id, component, coalesce(rule_id, '-'),
		business_model, coalesce(tcv_usd::VARCHAR, '-'), points::VARCHAR, earned_on <= (SELECT as_of FROM run_params)
		FROM points_ledger ORDER BY ALL`
	snapshots := make([][]string, len(days))
	for i, asOf := range days {
		e, err := engine.Open(ctx, engine.Settings{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.LoadRaw(ctx, raw); err != nil {
			t.Fatal(err)
		}
		if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Run(ctx); err != nil {
			t.Fatal(err)
		}
		checksPass(t, e)
		snapshots[i] = rows(t, e, q)
		slices.Sort(snapshots[i])
		if i == len(days)-1 {
			// the landing exercises what the property is about
			got := rows(t, e, `SELECT count(*) FILTER (WHERE component = 'cap_release') > 0
				AND count(*) FILTER (WHERE component = 'vendor_termination' AND points < 0 AND source_id IN (
				    SELECT source_id FROM points_ledger WHERE component = 'perpetual_cap')) > 0
				AND count(DISTINCT partner_id) FILTER (WHERE component = 'perpetual_cap') > 1
				FROM points_ledger`)
			equal(t, "cap releases, capped terminations, several partners over the cap", got, []string{"true"})
		}
		e.Close()
	}
	for i := range days {
		for _, r := range snapshots[i] {
			if !strings.HasSuffix(r, "|true") {
				t.Fatalf("as of %s: a row earned after as_of: %s", days[i], r)
			}
		}
		for j := i + 1; j < len(days); j++ {
			missing := 0
			for _, r := range snapshots[i] {
				if _, found := slices.BinarySearch(snapshots[j], r); !found {
					if missing++; missing <= 5 {
						t.Errorf("row of the snapshot as of %s not in the one as of %s: %s", days[i], days[j], r)
					}
				}
			}
			if missing > 5 {
				t.Errorf("... %d rows of the snapshot as of %s not in the one as of %s", missing, days[i], days[j])
			}
		}
	}
}
