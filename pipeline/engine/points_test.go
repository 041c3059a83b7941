package engine_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/engine"
	"tally/pipeline/extract"
)

// One test per rule of RULES.md sections 1 to 5, on a handful of rows.

func points(t *testing.T, w *world, asOf, partner string) string {
	t.Helper()
	e := w.run(t, asOf)
	got := rows(t, e, `SELECT booking_points::VARCHAR || ' ' || lifecycle_points::VARCHAR || ' ' || influence_points::VARCHAR || ' ' || performance_points::VARCHAR
		FROM partner_levels WHERE partner_id = ?`, partner)
	if len(got) != 1 {
		t.Fatalf("partner_levels rows for %s: %v", partner, got)
	}
	return got[0]
}

func denials(t *testing.T, w *world, asOf string) []string {
	t.Helper()
	return rows(t, w.run(t, asOf), `SELECT partner_id, source, source_id, reason FROM denials ORDER BY ALL`)
}

// Section 2: base = TCV in USD * points_per_usd; FX by the latest valid_from
// on or before booked_on.
func TestBasePointsAndFX(t *testing.T) {
	w := (&world{}).partner("P1")
	w.fx = []extract.FXRate{
		{Currency: "EUR", ValidFrom: d("2023-01-01"), USDPerUnit: 11_000_000_000}, // 1.1
		{Currency: "EUR", ValidFrom: d("2023-06-01"), USDPerUnit: 12_000_000_000}, // 1.2
	}
	w.booking("B1", "P1", "2023-03-01", 1000, "term")
	eur1 := w.booking("B2", "P1", "2023-05-31", 1000, "term")
	eur1.Currency = "EUR"
	eur2 := w.booking("B3", "P1", "2023-06-01", 1000, "term")
	eur2.Currency = "EUR"
	e := w.run(t, "2023-12-31")
	equal(t, "ledger", rows(t, e, `SELECT source_id, tcv_usd::VARCHAR, points::VARCHAR FROM points_ledger ORDER BY source_id`),
		[]string{"B1|1000.000000|1.00", "B2|1100.000000|1.10", "B3|1200.000000|1.20"})
}

// Section 2 and the notation: every row rounds half away from zero.
func TestRoundingHalfAwayFromZero(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-03-01", 5, "term")     // 0.005 -> 0.01
	w.booking("B2", "P1", "2023-03-02", 4.999, "term") // 0.004999 -> 0.00
	w.booking("B3", "P1", "2023-03-03", 15, "saas")    // base 0.015 -> 0.02, +50% 0.0075 -> 0.01
	e := w.run(t, "2023-12-31")
	equal(t, "ledger", ledger(t, e, "P1"), []string{"B1|base|-|0.01", "B2|base|-|0.00", "B3|base|-|0.02", "B3|multiplier|saas_subscription|0.01"})
	equal(t, "totals sum rounded rows", rows(t, e, `SELECT booking_points::VARCHAR FROM partner_levels`), []string{"0.04"})
}

// Section 2: multipliers are bonus rows that stack; each matches on all its
// conditions (AND across keys, OR within a list).
func TestMultipliersStack(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("none", "P1", "2023-03-01", 1000, "term")
	w.booking("saas", "P1", "2023-03-02", 1000, "saas")
	w.booking("sub", "P1", "2023-03-03", 1000, "subscription").Tags = []string{"other"}
	w.booking("logo", "P1", "2023-03-04", 1000, "perpetual").Tags = []string{"x", "new_logo"}
	w.booking("both", "P1", "2023-03-05", 1000, "saas").Tags = []string{"new_logo"}
	e := w.run(t, "2023-12-31")
	equal(t, "ledger", ledger(t, e, "P1"), []string{
		"none|base|-|1.00",
		"saas|base|-|1.00", "saas|multiplier|saas_subscription|0.50",
		"sub|base|-|1.00", "sub|multiplier|saas_subscription|0.50",
		"logo|base|-|1.00", "logo|multiplier|new_logo|0.20",
		"both|base|-|1.00", "both|multiplier|new_logo|0.20", "both|multiplier|saas_subscription|0.50",
	})
}

func TestMultiplierConditions(t *testing.T) {
	rb := strings.Replace(baseRulebook(t), `  - {id: new_logo, bonus: 0.20, when: {tags: [new_logo]}}`,
		`  - {id: new_logo, bonus: 0.20, when: {tags: [new_logo]}}
  - {id: emea_em, bonus: 0.10, when: {countries: [DE, FR], emerging_market: false}}
  - {id: em, bonus: 0.05, when: {emerging_market: true}}
  - {id: services, bonus: 0.30, when: {business_models: [solution_services], solutions: [vcf, avi]}}
  - {id: fy25_only, bonus: 1.00, when: {program_years: [FY25]}}`, 1)
	w := &world{rulebook: rb}
	w.partner("DE1").partner("IN1").partner("SS1")
	w.partners[0].Country = "DE"
	w.partners[1].Country = "IN"
	w.partners[1].EmergingMarket = true
	w.models[2].BusinessModel = "solution_services"
	w.models[2].EndedOn = dp("2023-06-01") // registered until 2023-06-01 (exclusive)
	w.booking("de", "DE1", "2023-03-01", 1000, "term")
	w.booking("in", "IN1", "2023-03-01", 1000, "term")
	w.booking("ss", "SS1", "2023-03-01", 1000, "term")
	w.booking("ss-other-solution", "SS1", "2023-03-02", 1000, "term").Solution = "nsx"
	w.booking("ss-after-model-ended", "SS1", "2023-06-01", 1000, "term")
	w.booking("fy25", "DE1", "2024-03-01", 1000, "term")
	e := w.run(t, "2024-12-31")
	equal(t, "DE1", ledger(t, e, "DE1"), []string{"de|base|-|1.00", "de|multiplier|emea_em|0.10", "fy25|base|-|1.00", "fy25|multiplier|emea_em|0.10", "fy25|multiplier|fy25_only|1.00"})
	equal(t, "IN1", ledger(t, e, "IN1"), []string{"in|base|-|1.00", "in|multiplier|em|0.05"})
	equal(t, "SS1", ledger(t, e, "SS1"), []string{"ss|base|-|1.00", "ss|multiplier|services|0.30", "ss-other-solution|base|-|1.00", "ss-after-model-ended|base|-|1.00"})
}

// Section 2: the perpetual cap, allocated by (booked_on, source_id): the
// booking that crosses it loses the excess, later ones all their points; it
// counts base and multiplier rows together and resets each program year.
func TestPerpetualCapCrossesAndResets(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-03-01", 300_000, "perpetual")                               // 300
	w.booking("B2", "P1", "2023-04-01", 200_000, "sns_renewal").Tags = []string{"new_logo"} // 200 + 40: crosses 500 by 40
	w.booking("B3", "P1", "2023-05-01", 100_000, "perpetual_hardware")                      // 100: all capped
	w.booking("B4", "P1", "2023-05-02", 100_000, "saas")                                    // not a capped type
	w.booking("B5", "P1", "2024-03-01", 450_000, "perpetual")                               // FY25: 450, cap reset
	w.booking("B6", "P1", "2024-03-01", 100_000, "perpetual")                               // crosses by 50
	e := w.run(t, "2024-12-31")
	equal(t, "ledger", ledger(t, e, "P1"), []string{
		"B1|base|-|300.00",
		"B2|base|-|200.00", "B2|multiplier|new_logo|40.00", "B2|perpetual_cap|-|-40.00",
		"B3|base|-|100.00", "B3|perpetual_cap|-|-100.00",
		"B4|base|-|100.00", "B4|multiplier|saas_subscription|50.00",
		"B5|base|-|450.00",
		"B6|base|-|100.00", "B6|perpetual_cap|-|-50.00",
	})
	equal(t, "FY25 points", rows(t, e, `SELECT booking_points::VARCHAR FROM partner_levels`), []string{"500.00"})
}

// Section 2: partners whose country is exempt are not capped.
func TestPerpetualCapExemptCountry(t *testing.T) {
	rb := strings.Replace(baseRulebook(t), "exempt_countries: []", "exempt_countries: [JP]", 1)
	w := &world{rulebook: rb}
	w.partner("JP1").partner("US1")
	w.partners[0].Country = "JP"
	w.booking("J1", "JP1", "2023-03-01", 700_000, "perpetual")
	w.booking("U1", "US1", "2023-03-01", 700_000, "perpetual")
	e := w.run(t, "2023-12-31")
	equal(t, "exempt", ledger(t, e, "JP1"), []string{"J1|base|-|700.00"})
	equal(t, "capped", ledger(t, e, "US1"), []string{"U1|base|-|700.00", "U1|perpetual_cap|-|-200.00"})
}

// Section 1: a later year's overrides never rewrite an earlier year: FY27
// caps at 250, FY26 still at 500.
func TestOverrideLeavesEarlierYearUnchanged(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("FY26", "P1", "2025-06-01", 400_000, "perpetual")
	w.booking("FY27", "P1", "2026-06-01", 400_000, "perpetual")
	e := w.run(t, "2026-12-31")
	equal(t, "ledger", ledger(t, e, "P1"), []string{"FY26|base|-|400.00", "FY27|base|-|400.00", "FY27|perpetual_cap|-|-150.00"})
}

// Sections 2 and 13: a vendor termination on or before as_of reverses the
// booking's net points (in the booking's year, on terminated_on); a
// customer termination keeps the points. The termination changes nothing
// dated before it: C1 keeps its cap row and gets the room back on the day.
func TestTerminations(t *testing.T) {
	w := (&world{}).partner("P1")
	v := w.booking("V1", "P1", "2023-03-01", 400_000, "perpetual")
	v.Status, v.TerminatedOn = "vendor_terminated", dp("2024-03-15")
	s := w.booking("S1", "P1", "2023-03-02", 1000, "saas")
	s.Status, s.TerminatedOn = "vendor_terminated", dp("2023-09-01")
	c := w.booking("C1", "P1", "2023-04-01", 200_000, "perpetual")
	c.Status, c.TerminatedOn = "customer_terminated", dp("2023-05-01")

	// Before V1's termination: it counts, and C1 crosses the cap.
	e := w.run(t, "2023-12-31")
	equal(t, "2023-12-31", ledger(t, e, "P1"), []string{
		"V1|base|-|400.00", "S1|base|-|1.00", "S1|multiplier|saas_subscription|0.50",
		"C1|base|-|200.00", "C1|perpetual_cap|-|-100.00", "S1|vendor_termination|-|-1.50",
	})
	// After it: V1 is reversed in FY24, and the room it held goes back to C1
	// on that day, in FY24 too.
	e = w.run(t, "2024-06-30")
	equal(t, "2024-06-30", rows(t, e, `SELECT source_id, component, coalesce(rule_id, '-'), program_year, earned_on::VARCHAR, points::VARCHAR FROM points_ledger
		WHERE source_id IN ('V1', 'C1') ORDER BY earned_on, source_id, component`), []string{
		"V1|base|-|FY24|2023-03-01|400.00", "C1|base|-|FY24|2023-04-01|200.00", "C1|perpetual_cap|-|FY24|2023-04-01|-100.00",
		"C1|cap_release|V1|FY24|2024-03-15|100.00", "V1|vendor_termination|-|FY24|2024-03-15|-400.00",
	})
}

// Section 13, the case of issue 24: a termination on 2023-09-01 used to
// re-allocate the cap of May (V3's -200 became -100 in later snapshots).
// Now every row of the 2023-06-01 snapshot is in the 2023-10-01 one
// unchanged, and the room T1 held comes back to V3 as a cap_release on
// 2023-09-01.
func TestTerminationLeavesEarlierCapRowsUnchanged(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("X1", "P1", "2023-02-10", 300_000, "perpetual")
	t1 := w.booking("T1", "P1", "2023-03-01", 100_000, "perpetual")
	t1.Status, t1.TerminatedOn = "vendor_terminated", dp("2023-09-01")
	w.booking("V3", "P1", "2023-05-01", 300_000, "perpetual")
	const q = `SELECT source_id, component, coalesce(rule_id, '-'), program_year, earned_on::VARCHAR, business_model, points::VARCHAR
		FROM points_ledger ORDER BY earned_on, source_id, component, rule_id`
	june := rows(t, w.run(t, "2023-06-01"), q)
	equal(t, "2023-06-01", june, []string{
		"X1|base|-|FY24|2023-02-10|solution_reseller|300.00",
		"T1|base|-|FY24|2023-03-01|solution_reseller|100.00",
		"V3|base|-|FY24|2023-05-01|solution_reseller|300.00",
		"V3|perpetual_cap|-|FY24|2023-05-01|solution_reseller|-200.00",
	})
	e := w.run(t, "2023-10-01")
	october := rows(t, e, q)
	equal(t, "2023-10-01", october, append(slices.Clone(june),
		"T1|vendor_termination|-|FY24|2023-09-01|solution_reseller|-100.00",
		"V3|cap_release|T1|FY24|2023-09-01|solution_reseller|100.00",
	))
	equal(t, "points", rows(t, e, `SELECT booking_points::VARCHAR FROM partner_levels`), []string{"500.00"})
	checksPass(t, e)
}

// Sections 11 and 13, the decisions on the cap in time: an OEM credit takes
// its place by reported_on; a day's bookings are allocated before that
// day's terminations take effect (S, booked on the day T1 and T2 are
// terminated, loses its points to the cap and gets them back that day);
// several terminations take effect in allocation order, each with its own
// release rows (T1's room goes to O1 and T2 first, then T2's, with what it
// got back from T1, to C and S); a terminated booking that was capped
// frees only what it still held (T3 nets 0, frees nothing); a booking
// earned later is capped against the room as it is then (L).
func TestCapReleaseOrder(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("A", "P1", "2023-03-01", 200_000, "perpetual")
	t1 := w.booking("T1", "P1", "2023-04-01", 250_000, "perpetual")
	t1.Status, t1.TerminatedOn = "vendor_terminated", dp("2023-08-01")
	w.oem = append(w.oem, extract.OEMCredit{CreditID: "O1", OEMPartnerID: "OEM1", PartnerID: "P1", CustomerID: "C1",
		Solution: "vcf", BookedOn: d("2023-01-15"), ReportedOn: d("2023-05-01"), TCV: usd(100_000), Currency: "USD",
		LicenseType: "perpetual", Tags: []string{}})
	t2 := w.booking("T2", "P1", "2023-06-01", 200_000, "perpetual")
	t2.Status, t2.TerminatedOn, t2.Tags = "vendor_terminated", dp("2023-08-01"), []string{"new_logo"}
	w.booking("C", "P1", "2023-07-01", 100_000, "sns_renewal")
	t3 := w.booking("T3", "P1", "2023-07-15", 40_000, "perpetual")
	t3.Status, t3.TerminatedOn = "vendor_terminated", dp("2023-07-20")
	w.booking("S", "P1", "2023-08-01", 80_000, "perpetual_hardware")
	w.booking("L", "P1", "2023-09-01", 50_000, "perpetual")
	july := ledger(t, w.run(t, "2023-07-31"), "P1")
	want := []string{
		"A|base|-|200.00",
		"T1|base|-|250.00",
		"O1|base|-|100.00", "O1|perpetual_cap|-|-50.00",
		"T2|base|-|200.00", "T2|multiplier|new_logo|40.00", "T2|perpetual_cap|-|-240.00",
		"C|base|-|100.00", "C|perpetual_cap|-|-100.00",
		"T3|base|-|40.00", "T3|perpetual_cap|-|-40.00",
		"T3|vendor_termination|-|0.00",
	}
	equal(t, "2023-07-31", july, want)
	e := w.run(t, "2023-12-31")
	want = append(want,
		"C|cap_release|T2|100.00",
		"O1|cap_release|T1|50.00",
		"S|base|-|80.00", "S|cap_release|T2|80.00", "S|perpetual_cap|-|-80.00",
		"T1|vendor_termination|-|-250.00",
		"T2|cap_release|T1|200.00", "T2|vendor_termination|-|-200.00",
		"L|base|-|50.00", "L|perpetual_cap|-|-30.00",
	)
	equal(t, "2023-12-31", ledger(t, e, "P1"), want)
	equal(t, "points", rows(t, e, `SELECT booking_points::VARCHAR FROM partner_levels`), []string{"500.00"})
	checksPass(t, e)
}

// Section 2: an OEM credit earns on reported_on for a partner in good
// standing then; otherwise it is denied.
func TestOEMCreditNeedsGoodStanding(t *testing.T) {
	w := (&world{}).partner("GOOD").partner("LAPSED")
	for i := range w.requirements {
		if w.requirements[i].PartnerID == "LAPSED" && w.requirements[i].Requirement == "integrity_training" {
			w.requirements[i].ExpiresOn = dp("2023-06-01")
		}
	}
	for _, p := range []string{"GOOD", "LAPSED"} {
		w.oem = append(w.oem, extract.OEMCredit{CreditID: "O-" + p, OEMPartnerID: "OEM1", PartnerID: p, CustomerID: "C1",
			Solution: "vcf", BookedOn: d("2023-01-15"), ReportedOn: d("2023-07-01"), TCV: usd(1000), Currency: "USD",
			LicenseType: "saas", Tags: []string{}})
	}
	e := w.run(t, "2023-12-31")
	equal(t, "good", rows(t, e, `SELECT source, source_id, program_year, earned_on::VARCHAR, component, points::VARCHAR FROM points_ledger WHERE partner_id = 'GOOD' ORDER BY ALL`),
		[]string{"oem_credit|O-GOOD|FY24|2023-07-01|base|1.00", "oem_credit|O-GOOD|FY24|2023-07-01|multiplier|0.50"})
	equal(t, "lapsed", rows(t, e, `SELECT partner_id, source, source_id, reason FROM denials`), []string{"LAPSED|oem_credit|O-LAPSED|not_in_good_standing"})
}

// Section 11: an OEM credit of a capped license type takes part in the cap
// by its earned_on (reported_on), ordered with the bookings: booked before
// B1 but reported after it, it is the one that crosses the cap.
func TestOEMCreditCappedByReportedOn(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-05-10", 400_000, "perpetual")
	w.oem = append(w.oem, extract.OEMCredit{CreditID: "O1", OEMPartnerID: "OEM1", PartnerID: "P1", CustomerID: "C1",
		Solution: "vcf", BookedOn: d("2023-05-01"), ReportedOn: d("2023-05-20"), TCV: usd(300_000), Currency: "USD",
		LicenseType: "perpetual", Tags: []string{}})
	e := w.run(t, "2023-12-31")
	equal(t, "ledger", ledger(t, e, "P1"), []string{"B1|base|-|400.00", "O1|base|-|300.00", "O1|perpetual_cap|-|-200.00"})
}

// Section 1: a partner enrolled mid-year earns from enrolled_on on; a date in
// no program year earns nothing.
func TestEnrollmentAndProgramYearBounds(t *testing.T) {
	w := (&world{}).partner("NEW")
	w.partners[0].EnrolledOn = d("2023-08-01")
	w.booking("early", "NEW", "2023-07-31", 1000, "term")
	w.booking("ontime", "NEW", "2023-08-01", 1000, "term")
	w.partner("OLD")
	w.booking("ancient", "OLD", "2021-12-31", 1000, "term")
	got := denials(t, w, "2023-12-31")
	equal(t, "denials", got, []string{"NEW|booking|early|before_enrollment", "OLD|booking|ancient|outside_program_year"})
}

// Section 1: performance points reset every program year; the ledger keeps
// earlier years.
func TestPerformancePointsResetEachYear(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("FY24", "P1", "2024-01-15", 5000, "term")
	w.booking("FY25", "P1", "2024-02-03", 2000, "term")
	if got := points(t, w, "2024-02-02", "P1"); got != "5.00 0.00 0.00 5.00" {
		t.Errorf("FY24 points = %s", got)
	}
	if got := points(t, w, "2024-02-03", "P1"); got != "2.00 0.00 0.00 2.00" {
		t.Errorf("FY25 points = %s", got)
	}
	if got := points(t, w, "2024-02-01", "P1"); got != "5.00 0.00 0.00 5.00" {
		t.Errorf("before the FY25 booking: %s", got)
	}
}

// Section 3: approved claims earn lifecycle_points[activity] on approved_on;
// submitted and rejected claims earn nothing; booking and lifecycle points on
// one opportunity both count.
func TestLifecyclePoints(t *testing.T) {
	w := (&world{}).partner("P1")
	opp := "OPP1"
	b := w.booking("B1", "P1", "2023-03-01", 10_000, "term")
	b.OpportunityID = &opp
	w.lifecycle = []extract.LifecycleClaim{
		{ClaimID: "L1", PartnerID: "P1", Activity: "deployment", OpportunityID: &opp, Status: "approved", ApprovedOn: dp("2023-04-01")},
		{ClaimID: "L2", PartnerID: "P1", Activity: "poc", Status: "submitted"},
		{ClaimID: "L3", PartnerID: "P1", Activity: "poc", Status: "rejected"},
		{ClaimID: "L4", PartnerID: "P1", Activity: "customer_success", Status: "approved", ApprovedOn: dp("2024-01-01")},
	}
	if got := points(t, w, "2023-12-31", "P1"); got != "10.00 40.00 0.00 50.00" {
		t.Errorf("points = %s (L4 is approved after as_of)", got)
	}
	equal(t, "denials", denials(t, w, "2023-12-31"), []string{"P1|lifecycle|L2|not_approved", "P1|lifecycle|L3|not_approved"})
	if got := points(t, w, "2024-01-01", "P1"); got != "10.00 65.00 0.00 75.00" {
		t.Errorf("points = %s", got)
	}
}

// Section 5: capability points count valid capabilities (achieved, not
// expired), each capability once.
func TestCapabilityPointsWhileValid(t *testing.T) {
	w := (&world{}).partner("P1")
	w.capabilities = []extract.Capability{
		{PartnerID: "P1", CapabilityID: "SC1", Kind: "solution_competency", AchievedOn: d("2023-01-01"), ExpiresOn: dp("2024-01-01")},
		{PartnerID: "P1", CapabilityID: "SC1", Kind: "solution_competency", AchievedOn: d("2023-12-01")}, // renewed early
		{PartnerID: "P1", CapabilityID: "AC1", Kind: "accreditation", AchievedOn: d("2023-06-01"), ExpiresOn: dp("2023-09-01")},
		{PartnerID: "P1", CapabilityID: "MS1", Kind: "master_services_competency", AchievedOn: d("2024-01-01")},
	}
	for asOf, want := range map[string]string{"2023-05-31": "100.00", "2023-06-01": "150.00", "2023-09-01": "100.00", "2023-12-15": "100.00", "2024-01-01": "350.00"} {
		e := w.run(t, asOf)
		equal(t, asOf, rows(t, e, `SELECT capability_points::VARCHAR FROM partner_levels`), []string{want})
	}
}

// The fast exact rounding of sql/000_macros.sql gives what DuckDB's own
// round() of the exact DECIMAL gives, ties away from zero included, on
// products of the shapes the rules compute (TCV * FX rate to the
// millionth, TCV * points_per_usd * bonus to the cent), and refuses a value
// too large to place rather than round it wrongly.
func TestRoundHalfAwayMatchesDuckDB(t *testing.T) {
	e := (&world{}).partner("P1").run(t, "2023-12-31")
	mismatches := rows(t, e, `
		WITH v AS (
		    SELECT (i * 7919 % 100000000)::DECIMAL(18,6) / 1000 * s AS tcv, r
		    FROM range(1, 200000) t(i), (VALUES (1), (-1)) sign(s),
		         (VALUES (1.0000000000), (0.0012345678), (1.5), (0.9817000000), (123.4567890123)) rate(r)
		    UNION ALL
		    SELECT * FROM (VALUES (0.000001, 0.5), (-0.000001, 0.5), (0.000003, 0.5), (5.0, 0.001),
		                          (-5.0, 0.001), (15.0, 0.0005), (2.675, 1.0), (0.0, 1.0)) t(tcv, r)
		),
		products AS (
		    SELECT tcv::DECIMAL(38,6) * r::DECIMAL(18,10) AS exact, tcv::DOUBLE * r::DOUBLE AS approx FROM v
		)
		SELECT exact::VARCHAR, round(exact, 6)::VARCHAR, round_half_away(exact, approx, 0.000001)::VARCHAR
		FROM products WHERE round(exact, 6) <> round_half_away(exact, approx, 0.000001)
		UNION ALL
		SELECT exact::VARCHAR, round(exact, 2)::VARCHAR, round_half_away(exact, approx, 0.01)::VARCHAR
		FROM products WHERE round(exact, 2) <> round_half_away(exact, approx, 0.01)
		LIMIT 5`)
	equal(t, "rows where round_half_away differs from round", mismatches, nil)
	equal(t, "ties", rows(t, e, `SELECT round_half_away(x, x::DOUBLE, 0.01)::DECIMAL(18,2)::VARCHAR
		FROM (VALUES (0.005::DECIMAL(38,6)), (-0.005), (0.015), (-0.015), (0.004999)) t(x)`),
		[]string{"0.01", "-0.01", "0.02", "-0.02", "0.00"})
	_, err := e.DB().Exec(`SELECT round_half_away(1e11::DECIMAL(38,6) * 1.2345678901::DECIMAL(18,10), 1e11 * 1.2345678901, 0.000001)`)
	if err == nil || !strings.Contains(err.Error(), "too large to round exactly") {
		t.Errorf("a value beyond 2^53 millionths: got %v, want an error", err)
	}
}

// points_of rounds usd * factor to the cent exactly, whichever path it
// takes: the 64-bit product (factors of six places, amounts below
// fast_below), or the 128-bit one (larger amounts, finer factors), on both
// sides of the bound.
func TestPointsOfBothPaths(t *testing.T) {
	e := (&world{}).partner("P1").run(t, "2023-12-31")
	mismatches := rows(t, e, `
		WITH f AS (
		    SELECT f::DECIMAL(38,18) AS factor, factor6_of(f::DECIMAL(38,18)) AS factor6, fast_below_of(f::DECIMAL(38,18)) AS fast_below
		    FROM (VALUES (0.001), (0.0005), (0.00075), (0.0012345678), (0.000000001), (1.5), (0)) t(f)
		),
		v AS (
		    SELECT ((i * 7919 % 100000000)::DECIMAL(18,6) / 1000 * s)::DECIMAL(18,6) AS usd
		    FROM range(1, 50000) t(i), (VALUES (1), (-1)) sign(s)
		    UNION ALL
		    SELECT x::DECIMAL(18,6) FROM (VALUES (5.0), (-5.0), (899999999.999999), (900000005.0), (-900000005.0), (8999999999.999999),
		                                        (999999999999.999999), (4.999)) t(x)
		)
		SELECT usd::VARCHAR, factor::VARCHAR, points_of(usd, factor, factor6, fast_below)::VARCHAR
		FROM v, f
		WHERE points_of(usd, factor, factor6, fast_below) <> round(usd::DECIMAL(38,6) * factor, 2)
		LIMIT 5`)
	equal(t, "rows where points_of differs from the exact rounding", mismatches, nil)
	equal(t, "both paths", rows(t, e, `SELECT factor6_of(0.001::DECIMAL(38,18))::VARCHAR, fast_below_of(0.001::DECIMAL(38,18))::VARCHAR,
			factor6_of(0.0012345678::DECIMAL(38,18)) IS NULL,
			points_of(900000005.000000::DECIMAL(18,6), 0.001::DECIMAL(38,18), 0.001::DECIMAL(18,6), 900000000::DECIMAL(18,6))::VARCHAR,
			points_of(5.000000::DECIMAL(18,6), 0.001::DECIMAL(38,18), 0.001::DECIMAL(18,6), 900000000::DECIMAL(18,6))::VARCHAR`),
		[]string{"0.001000|900000000.000000|true|900000.01|0.01"})
}

// Settings.OnDisk keeps the tables in a DuckDB file under TempDir, gives
// the same ledger as in memory, and Close removes the file.
func TestOnDiskEngine(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-05-01", 900_000, "term")
	const ledger = `SELECT source, source_id, component, rule_id, points::VARCHAR FROM points_ledger ORDER BY ALL`
	inMemory := rows(t, w.run(t, "2023-06-01"), ledger)

	tmp := t.TempDir()
	e := w.runWith(t, "2023-06-01", engine.Settings{Threads: 2, TempDir: tmp, OnDisk: true})
	var file string
	if err := e.DB().QueryRow(`SELECT path FROM duckdb_databases() WHERE database_name = current_database()`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(file, tmp) {
		t.Errorf("database %q is not under the temp dir %s", file, tmp)
	}
	equal(t, "ledger on disk", rows(t, e, ledger), inMemory)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temp dir after Close: %v", left)
	}
}

// Section 12: each ledger row belongs to the first attribution entry whose
// conditions hold for its event and whose business model the partner is
// registered in on the event's day, else to unattributed; a multiplier row
// belongs where its base row does. The example rulebook: solution_services
// for lifecycle and influence, cloud_services_provider for saas, then
// solution_reseller for bookings and OEM credits.
func TestBusinessModelAttribution(t *testing.T) {
	w := (&world{}).partner("RES").partner("SS")
	w.models = append(w.models,
		extract.BusinessModel{PartnerID: "RES", BusinessModel: "cloud_services_provider", RegisteredOn: d("2020-01-01"), EndedOn: dp("2023-06-01")},
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_services", RegisteredOn: d("2020-01-01")})
	w.models = slices.DeleteFunc(w.models, func(m extract.BusinessModel) bool {
		return m.PartnerID == "SS" && m.BusinessModel == "solution_reseller"
	})
	w.booking("SAAS-CLOUD", "RES", "2023-05-31", 1000, "saas")
	w.booking("SAAS-ENDED", "RES", "2023-06-01", 1000, "saas") // cloud registration ended: reseller
	w.booking("TERM", "RES", "2023-05-01", 1000, "term")
	w.booking("SS-TERM", "SS", "2023-05-01", 1000, "term") // no entry for a services-only booking
	w.lifecycle = []extract.LifecycleClaim{
		{ClaimID: "L-SS", PartnerID: "SS", Activity: "poc", Status: "approved", ApprovedOn: dp("2023-05-01")},
		{ClaimID: "L-RES", PartnerID: "RES", Activity: "poc", Status: "approved", ApprovedOn: dp("2023-05-01")},
	}
	e := w.run(t, "2023-06-30")
	equal(t, "business models", rows(t, e, `SELECT source_id, component, business_model FROM points_ledger
		ORDER BY source_id, component`), []string{
		"L-RES|base|unattributed",
		"L-SS|base|solution_services",
		"SAAS-CLOUD|base|cloud_services_provider",
		"SAAS-CLOUD|multiplier|cloud_services_provider",
		"SAAS-ENDED|base|solution_reseller",
		"SAAS-ENDED|multiplier|solution_reseller",
		"SS-TERM|base|unattributed",
		"TERM|base|solution_reseller",
	})
}
