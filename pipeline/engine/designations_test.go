package engine_test

import (
	"strings"
	"testing"

	"tally/pipeline/engine"
	"tally/pipeline/extract"
)

// One test per rule of RULES.md sections 14 and 15 on a handful of rows.
// The world's bookings are of solution "vcf", which credits the area
// `cloud` below; its tiers: partner (one of SC-A, SC-B), advanced (the
// same and 100 credits), principal (MSC-A, SC-A and SC-B and 1,000
// credits, badged). The example's FY24 (2023-02-04..2024-02-02, audited
// 2024-03-04, perpetual cap 500) and levels apply.
const areaRules = `solution_areas:
  - id: cloud
    solutions: [vcf, vcf_edge]
    capabilities:
      - {id: SC-A, kind: solution_competency}
      - {id: SC-B, kind: solution_competency}
      - {id: MSC-A, kind: master_services_competency}
    tiers:
      - {id: partner,   required_capabilities: {any_of: [SC-A, SC-B]}}
      - {id: advanced,  min_credits: 100,  required_capabilities: {any_of: [SC-A, SC-B]}}
      - {id: principal, min_credits: 1000, required_capabilities: {all_of: [MSC-A, SC-A, SC-B]}, badged: true}
  - id: edge
    solutions: [edge]
    tiers:
      - {id: member}
      - {id: expert, min_credits: 50, required_capabilities: {solution_competency: 2}}
benefits:
  - {id: deal_registration, designations: {cloud: [partner, advanced, principal]}}
  - {id: co_sell, designations: {cloud: [principal]}}
  - {id: mdf, levels: [select, premier, pinnacle]}
  - {id: reseller_mdf, levels: [select, premier, pinnacle], business_models: [solution_reseller]}
`

// areaWorld is a world with the example rulebook's points and levels and
// areaRules' areas and benefits in place of the example's.
func areaWorld(t *testing.T) *world {
	return &world{rulebook: withAreas(t, areaRules)}
}

// withAreas is the example rulebook with its solution_areas and benefits
// replaced by text ("" = none).
func withAreas(t *testing.T, text string) string {
	base := baseRulebook(t)
	if i := strings.Index(base, "\nsolution_areas:"); i >= 0 {
		base = base[:i+1]
	}
	// the comment block above solution_areas goes too; it belongs to them
	if i := strings.Index(base, "# RULES.md section 14"); i >= 0 {
		base = base[:i]
	}
	return base + text
}

// tiers lists a partner's designations on the run's as_of as
// "area|credits|earned_tier|tier|badged|next_tier|credits_to_next".
func tiers(t *testing.T, e *engine.Engine, partner string) []string {
	t.Helper()
	return rows(t, e, `SELECT solution_area, credits::VARCHAR, coalesce(earned_tier, '-'), coalesce(tier, '-'), badged,
		coalesce(next_tier, '-'), coalesce(credits_to_next::VARCHAR, '-')
		FROM designations WHERE partner_id = ? ORDER BY solution_area`, partner)
}

// designationHistory lists a partner's periods in an area as "tier|valid_from|valid_to|reason".
func designationHistory(t *testing.T, e *engine.Engine, partner, area string) []string {
	t.Helper()
	return rows(t, e, `SELECT coalesce(tier, '-'), valid_from::VARCHAR, coalesce(valid_to::VARCHAR, 'NULL'), reason
		FROM designation_history WHERE partner_id = ? AND solution_area = ? ORDER BY valid_from`, partner, area)
}

func (w *world) solutionBooking(id, partner, on string, dollars float64, license, solution string) *extract.Booking {
	b := w.booking(id, partner, on, dollars, license)
	b.Solution = solution
	return b
}

// Section 14: credits are the ledger's points of the area's solutions after
// the cap: 1,200 perpetual points count 500 (FY24's cap), an OEM credit
// adds 50 on the day it is reported, and principal waits for the
// subscription booking (of the area's other solution) that brings credits
// to 1,150; a booking of another solution and lifecycle points credit
// nothing.
func TestTierMetByCreditsAfterTheCap(t *testing.T) {
	w := areaWorld(t).partner("P1")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.capability("P1", "SC-B", "solution_competency", "2023-03-01", "")
	w.capability("P1", "MSC-A", "master_services_competency", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 1_200_000, "perpetual")
	w.solutionBooking("B2", "P1", "2023-05-02", 5_000_000, "term", "other")
	w.lifecycle = append(w.lifecycle, extract.LifecycleClaim{ClaimID: "L1", PartnerID: "P1", Activity: "poc", Status: "approved", ApprovedOn: dp("2023-05-03")})
	w.oem = append(w.oem, extract.OEMCredit{CreditID: "O1", OEMPartnerID: "OEM1", PartnerID: "P1", CustomerID: "C1",
		Solution: "vcf", BookedOn: d("2023-05-10"), ReportedOn: d("2023-05-20"), TCV: usd(50_000), Currency: "USD",
		LicenseType: "term", Tags: []string{}})
	w.solutionBooking("B3", "P1", "2023-06-01", 400_000, "subscription", "vcf_edge")
	for _, c := range []struct {
		asOf string
		want []string
	}{
		{"2023-04-30", []string{"cloud|0.00|partner|partner|false|advanced|100.00", "edge|0.00|member|member|false|expert|50.00"}},
		{"2023-05-19", []string{"cloud|500.00|advanced|advanced|false|principal|500.00", "edge|0.00|member|member|false|expert|50.00"}},
		{"2023-05-31", []string{"cloud|550.00|advanced|advanced|false|principal|450.00", "edge|0.00|member|member|false|expert|50.00"}},
		{"2023-06-01", []string{"cloud|1150.00|principal|principal|true|-|-", "edge|0.00|member|member|false|expert|50.00"}},
	} {
		e := w.run(t, c.asOf)
		equal(t, c.asOf, tiers(t, e, "P1"), c.want)
		checksPass(t, e)
	}
}

// Section 14: any_of needs one of its ids, all_of every one; a kind count
// counts only the area's own capabilities when it lists them, and all of
// the partner's of that kind when it does not (`edge`).
func TestAnyOfAllOfAndKindCounts(t *testing.T) {
	w := areaWorld(t).partner("P1").partner("P2")
	w.capability("P1", "SC-B", "solution_competency", "2023-03-01", "")
	w.capability("P1", "MSC-A", "master_services_competency", "2023-03-01", "")
	w.capability("P1", "SC-A", "solution_competency", "2023-07-01", "")
	w.booking("B1", "P1", "2023-05-01", 1_000_000, "term")
	w.solutionBooking("B2", "P1", "2023-05-01", 60_000, "term", "edge")
	// P2: two solution competencies of no area's list; edge counts them, cloud does not
	w.capability("P2", "SC-X", "solution_competency", "2023-03-01", "")
	w.capability("P2", "SC-Y", "solution_competency", "2023-03-01", "")
	w.solutionBooking("B3", "P2", "2023-05-01", 60_000, "term", "edge")
	e := w.run(t, "2023-06-30")
	equal(t, "P1 with SC-B and MSC-A: any_of met, all_of not", tiers(t, e, "P1"), []string{
		"cloud|1000.00|advanced|advanced|false|principal|0.00",
		"edge|60.00|member|member|false|expert|0.00",
	})
	equal(t, "P2", tiers(t, e, "P2"), []string{
		"cloud|0.00|-|-|false|partner|0.00",
		"edge|60.00|expert|expert|false|-|-",
	})
	e = w.run(t, "2023-07-01")
	equal(t, "P1 with SC-A too: all_of met", tiers(t, e, "P1")[:1], []string{
		"cloud|1000.00|principal|principal|true|-|-",
	})
}

// Section 14: in an area that lists its capabilities, a kind count counts
// only the listed ones, each once: P1's listed SC-A and unlisted SC-Z make
// one, short of two; P2's listed SC-A and SC-B make two.
func TestKindCountInAListingArea(t *testing.T) {
	w := &world{rulebook: withAreas(t, `solution_areas:
  - id: cloud
    solutions: [vcf]
    capabilities:
      - {id: SC-A, kind: solution_competency}
      - {id: SC-B, kind: solution_competency}
    tiers:
      - {id: member}
      - {id: expert, required_capabilities: {solution_competency: 2}}
`)}
	w.partner("P1").partner("P2")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.capability("P1", "SC-Z", "solution_competency", "2023-03-01", "")
	w.capability("P2", "SC-A", "solution_competency", "2023-03-01", "")
	w.capability("P2", "SC-B", "solution_competency", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 1_000, "term")
	w.booking("B2", "P2", "2023-05-01", 1_000, "term")
	e := w.run(t, "2023-06-30")
	equal(t, "P1: one listed capability of the kind", tiers(t, e, "P1"), []string{"cloud|1.00|member|member|false|expert|0.00"})
	equal(t, "P2: two", tiers(t, e, "P2"), []string{"cloud|1.00|expert|expert|false|-|-"})
	checksPass(t, e)
}

// Section 14: a tier rises the day it is met (here from partner straight
// to principal, both thresholds crossed by one booking), is kept for the rest of the
// year when what met it lapses, and falls only at the audit, to the tier
// earned on the year's last day; only the top tier is badged. Section 15:
// the benefit it gave is lost on the day of the demotion, with the
// designation change as its cause; deal registration, which advanced
// still gives, is kept.
func TestRiseDuringTheYearFallOnlyAtTheAudit(t *testing.T) {
	w := areaWorld(t).partner("P1")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.capability("P1", "SC-B", "solution_competency", "2023-03-01", "")
	w.capability("P1", "MSC-A", "master_services_competency", "2023-03-01", "2023-10-01")
	w.booking("B1", "P1", "2023-06-15", 1_000_000, "term")
	for _, c := range []struct{ asOf, want string }{
		{"2023-06-14", "cloud|0.00|partner|partner|false|advanced|100.00"},
		{"2023-06-15", "cloud|1000.00|principal|principal|true|-|-"},
		{"2023-10-01", "cloud|1000.00|advanced|principal|true|-|-"}, // MSC-A expired: kept
		{"2024-03-03", "cloud|0.00|partner|principal|true|-|-"},     // FY25, before the audit: carried
		{"2024-03-04", "cloud|0.00|partner|advanced|false|principal|1000.00"},
	} {
		e := w.run(t, c.asOf)
		equal(t, c.asOf, tiers(t, e, "P1")[:1], []string{c.want})
		checksPass(t, e)
	}
	e := w.run(t, "2024-03-31")
	equal(t, "history", designationHistory(t, e, "P1", "cloud"), []string{
		"partner|2023-03-01|2023-06-14|earned",
		"principal|2023-06-15|2024-03-03|earned",
		"advanced|2024-03-04|NULL|audit",
	})
	equal(t, "benefits", rows(t, e, `SELECT benefit, since::VARCHAR FROM benefits
		WHERE partner_id = 'P1' AND benefit IN ('deal_registration', 'co_sell') ORDER BY ALL`),
		[]string{"deal_registration|2023-03-01"})
	equal(t, "benefit changes of FY25", rows(t, e, `SELECT benefit, changed_on::VARCHAR, change, because
		FROM benefit_changes WHERE partner_id = 'P1' AND benefit IN ('deal_registration', 'co_sell') ORDER BY ALL`),
		[]string{"co_sell|2024-03-04|lost|designation cloud principal -> advanced"})
	e = w.run(t, "2023-12-31")
	equal(t, "benefit changes of FY24", rows(t, e, `SELECT benefit, changed_on::VARCHAR, change, because
		FROM benefit_changes WHERE partner_id = 'P1' AND benefit IN ('deal_registration', 'co_sell') ORDER BY ALL`),
		[]string{"co_sell|2023-06-15|gained|designation cloud partner -> principal",
			"deal_registration|2023-03-01|gained|designation cloud none -> partner"})
}

// Section 15: a benefit of levels follows the level: up-levelled to select
// on the day it is earned (mdf gained), kept while the earned level falls
// back, lost on the day of the demotion at the audit. A benefit that also
// names a business model is held only while the partner is registered in
// it.
func TestBenefitLostOnTheDayOfADemotion(t *testing.T) {
	w := areaWorld(t).partner("P1")
	w.capability("P1", "SC1", "solution_competency", "2023-03-01", "2023-10-01")
	w.booking("B1", "P1", "2023-05-01", 900_000, "term")
	w.models[0].EndedOn = dp("2023-08-01") // no longer a solution reseller from 2023-08-01
	e := w.run(t, "2024-03-31")
	equal(t, "level history", history(t, e, "P1"), []string{
		"community|2023-03-20|2023-04-30|migration", // section 11: the history starts at the migration
		"select|2023-05-01|2024-03-03|earned",
		"community|2024-03-04|NULL|audit",
	})
	equal(t, "benefit changes", rows(t, e, `SELECT benefit, changed_on::VARCHAR, change, because
		FROM benefit_changes WHERE partner_id = 'P1' ORDER BY ALL`),
		[]string{"mdf|2024-03-04|lost|level select -> community"})
	equal(t, "no benefits", rows(t, e, `SELECT benefit FROM benefits WHERE partner_id = 'P1'`), nil)
	e = w.run(t, "2024-01-31")
	equal(t, "FY24 changes", rows(t, e, `SELECT benefit, changed_on::VARCHAR, change, because
		FROM benefit_changes WHERE partner_id = 'P1' ORDER BY ALL`), []string{
		"mdf|2023-05-01|gained|level community -> select",
		"reseller_mdf|2023-05-01|gained|level community -> select",
		"reseller_mdf|2023-08-01|lost|business model solution_reseller ended",
	})
}

// Section 14: a tier also needs good standing. P1 meets advanced's credits
// on 2023-05-01 while a requirement has lapsed, keeps the partner tier it
// holds (a tier falls only at the audit) and earns advanced the day it is
// back in good standing.
func TestTierNeedsGoodStanding(t *testing.T) {
	w := areaWorld(t).partner("P1")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.lapse("P1", "integrity_training", "2023-04-01")
	w.booking("B1", "P1", "2023-05-01", 200_000, "term")
	w.complete("P1", "integrity_training", "2023-06-01")
	e := w.run(t, "2023-06-30")
	equal(t, "history", designationHistory(t, e, "P1", "cloud"), []string{
		"partner|2023-03-01|2023-05-31|earned",
		"advanced|2023-06-01|NULL|earned",
	})
	checksPass(t, e)
}

// Sections 8 and 14: not in good standing at the audit, the partner holds
// no designation in the remediation window (whatever it earned) and is
// reinstated to the tier earned on the year's last day when it is back in
// good standing; a terminated partner holds none.
func TestDesignationFollowsTheAuditWindows(t *testing.T) {
	w := areaWorld(t).partner("P1")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 200_000, "term")
	w.lapse("P1", "integrity_training", "2024-02-15")
	w.complete("P1", "integrity_training", "2024-04-10")
	e := w.run(t, "2024-04-30")
	equal(t, "history", designationHistory(t, e, "P1", "cloud"), []string{
		"partner|2023-03-01|2023-04-30|earned",
		"advanced|2023-05-01|2024-03-03|earned",
		"-|2024-03-04|2024-04-09|remediation",
		"advanced|2024-04-10|NULL|reinstated",
	})
	checksPass(t, e)
	w.partners[0].TerminatedOn = dp("2024-04-20")
	e = w.run(t, "2024-04-30")
	equal(t, "terminated", designationHistory(t, e, "P1", "cloud")[3:], []string{
		"advanced|2024-04-10|2024-04-19|reinstated",
		"-|2024-04-20|NULL|terminated",
	})
	equal(t, "terminated row", tiers(t, e, "P1")[:1], []string{"cloud|0.00|-|-|false|-|-"})
}

// Sections 14 and 15 are optional: without solution_areas and benefits the
// four tables are published empty.
func TestNoAreasNoDesignations(t *testing.T) {
	w := &world{rulebook: withAreas(t, "")}
	w.partner("P1")
	w.capability("P1", "SC-A", "solution_competency", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 900_000, "term")
	e := w.run(t, "2024-03-31")
	for _, table := range []string{"designations", "designation_history", "benefits", "benefit_changes"} {
		equal(t, table, rows(t, e, "SELECT count(*) FROM "+table), []string{"0"})
	}
	checksPass(t, e)
}
