package engine_test

import (
	"strings"
	"testing"

	"tally/pipeline/extract"
)

// influenceWorld: SS (solution_services) influences deals of RES (a
// reseller) at customer ACME on solution vcf.
func influenceWorld() *world {
	w := (&world{}).partner("SS").partner("RES").partner("OTHER")
	w.models[0].BusinessModel = "solution_services"
	return w
}

func claim(id, partner, kind, approved string) extract.InfluenceClaim {
	return extract.InfluenceClaim{ClaimID: id, PartnerID: partner, Kind: kind, CustomerID: "ACME", Solution: "vcf",
		Status: "approved", ApprovedOn: dp(approved)}
}

func (w *world) acme(id, partner, on string, dollars float64) *extract.Booking {
	b := w.booking(id, partner, on, dollars, "term")
	b.CustomerID = "ACME"
	return b
}

func influenceLedger(t *testing.T, w *world, asOf string) ([]string, []string) {
	t.Helper()
	e := w.run(t, asOf)
	return rows(t, e, `SELECT partner_id, rule_id, source_id, component, earned_on::VARCHAR, points::VARCHAR FROM points_ledger
			WHERE source = 'influence' ORDER BY ALL`),
		rows(t, e, `SELECT partner_id, source_id, reason, coalesce(detail, '-') FROM denials WHERE source = 'influence' ORDER BY ALL`)
}

// Section 4: an approved claim influences a later booking of the same
// customer and solution by another partner: tcv * points_per_usd * rate, no
// multipliers, earned on booked_on.
func TestInfluenceAward(t *testing.T) {
	w := influenceWorld()
	c := claim("I1", "SS", "poc", "2023-03-01")
	c.WorkStartedOn, c.WorkCompletedOn, c.CompletionSubmittedOn = dp("2023-03-05"), dp("2023-04-01"), dp("2023-05-01")
	w.influence = []extract.InfluenceClaim{c}
	w.acme("B1", "RES", "2023-06-01", 100_000).LicenseType = "saas"
	w.booking("B2", "RES", "2023-06-01", 100_000, "term") // another customer
	w.acme("B3", "RES", "2024-01-02", 100_000)            // booked after as_of: not yet
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"SS|I1|B1|base|2023-06-01|100.00"})
	equal(t, "denials", dn, nil)
}

// Section 4: the window is approved_on .. approved_on + window_years,
// calendar years, inclusive.
func TestInfluenceWindow(t *testing.T) {
	w := influenceWorld()
	w.influence = []extract.InfluenceClaim{claim("I1", "SS", "sir", "2023-03-01")}
	w.acme("before", "RES", "2023-02-28", 1000)
	w.acme("first-day", "RES", "2023-03-01", 1000)
	w.acme("last-day", "RES", "2025-03-01", 1000)
	w.acme("too-late", "RES", "2025-03-02", 1000)
	l, _ := influenceLedger(t, w, "2025-12-31")
	equal(t, "ledger", l, []string{"SS|I1|first-day|base|2023-03-01|1.00", "SS|I1|last-day|base|2025-03-01|1.00"})
}

// Sections 1 and 4: an influenced booking's TCV is converted with the rate
// of its booked_on, as the booking's own points are; a booking in no
// program year is matched (with the last year's window) only to be denied.
func TestInfluenceInUSDAndProgramYears(t *testing.T) {
	w := influenceWorld()
	w.fx = []extract.FXRate{
		{Currency: "EUR", ValidFrom: d("2021-01-01"), USDPerUnit: 11_000_000_000}, // 1.1
		{Currency: "EUR", ValidFrom: d("2023-06-01"), USDPerUnit: 12_000_000_000}, // 1.2
	}
	w.influence = []extract.InfluenceClaim{claim("I1", "SS", "sir", "2021-06-01")}
	w.acme("EUR", "RES", "2023-06-01", 10_000).Currency = "EUR"
	w.acme("ANCIENT", "RES", "2021-12-31", 10_000)
	w.acme("LATE", "RES", "2023-06-02", 10_000) // after the window of 2021-06-01
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"SS|I1|EUR|base|2023-06-01|12.00"})
	equal(t, "denials", dn, []string{"SS|I1|outside_program_year|booking ANCIENT"})
}

// Section 4: poc and technical_assessment must be approved before work
// starts, and the completion claim filed within completion_claim_days. A
// claim whose completion is late earns nothing on bookings after the last
// day it could be filed; what it earned before then stands (section 13).
func TestInfluenceRetroactiveAndLateClaims(t *testing.T) {
	w := influenceWorld()
	retro := claim("RETRO", "SS", "technical_assessment", "2023-03-10")
	retro.WorkStartedOn = dp("2023-03-09")
	late := claim("LATE", "SS", "poc", "2023-03-01")
	late.WorkStartedOn, late.WorkCompletedOn, late.CompletionSubmittedOn = dp("2023-03-01"), dp("2023-04-01"), dp("2023-05-02")
	ontime := claim("ONTIME", "OTHER", "poc", "2023-03-01")
	ontime.WorkStartedOn, ontime.WorkCompletedOn, ontime.CompletionSubmittedOn = dp("2023-03-01"), dp("2023-04-01"), dp("2023-05-01")
	sirRetro := claim("SIR", "OTHER", "sir", "2023-03-02")
	sirRetro.WorkStartedOn = dp("2023-03-01") // an sir counts when approved
	w.models[2].BusinessModel = "solution_services"
	w.influence = []extract.InfluenceClaim{retro, late, ontime, sirRetro}
	w.acme("B1", "RES", "2023-06-01", 10_000)
	w.acme("B0", "RES", "2023-05-01", 10_000) // on the last day LATE's completion could be filed
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"OTHER|ONTIME|B0|base|2023-05-01|10.00", "OTHER|ONTIME|B1|base|2023-06-01|10.00",
		"SS|LATE|B0|base|2023-05-01|10.00"})
	equal(t, "denials", dn, []string{
		"OTHER|SIR|earlier_claim_awarded|booking B0",
		"OTHER|SIR|earlier_claim_awarded|booking B1",
		"SS|LATE|late_completion_claim|booking B1",
		"SS|RETRO|retroactive_claim|-",
	})
	// as of the last day, before the completion is late, B0's award is the same
	l, _ = influenceLedger(t, w, "2023-05-01")
	equal(t, "as of 2023-05-01", l, []string{"OTHER|ONTIME|B0|base|2023-05-01|10.00", "SS|LATE|B0|base|2023-05-01|10.00"})
}

// Section 4: only non-transacting partners registered in solution_services
// on the booking date earn influence. A partner that transacts the deal
// earns nothing on it from the day it first transacts; an award earned
// before that day stands (section 13: a later fact rewrites no earlier row).
func TestInfluenceOnlyNonTransactingServicesPartners(t *testing.T) {
	w := influenceWorld()
	w.partner("SS2").partner("SS3")
	w.models[3].BusinessModel, w.models[4].BusinessModel = "solution_services", "solution_services"
	w.influence = []extract.InfluenceClaim{
		claim("SELF", "SS", "sir", "2023-03-01"),      // SS books B-SS itself
		claim("NAMED", "SS2", "sir", "2023-03-01"),    // named in B1's contract
		claim("RESELL", "OTHER", "sir", "2023-03-01"), // not in solution_services
		claim("OK", "SS3", "sir", "2023-03-01"),
	}
	b := w.acme("B1", "RES", "2023-06-01", 1000)
	b.ContractPartnerIDs = []string{"SS2"}
	w.acme("B-SS", "SS", "2023-07-01", 1000)
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"SS|SELF|B1|base|2023-06-01|1.00", "SS3|OK|B-SS|base|2023-07-01|1.00", "SS3|OK|B1|base|2023-06-01|1.00"})
	equal(t, "denials", dn, []string{
		"OTHER|RESELL|not_solution_services|booking B-SS",
		"OTHER|RESELL|not_solution_services|booking B1",
		"SS|SELF|transacting_partner|booking B-SS",
		"SS2|NAMED|transacting_partner|booking B-SS",
		"SS2|NAMED|transacting_partner|booking B1",
	})
}

// Section 4: a claim that names an opportunity influences only that one;
// one award per partner and booking, from the earliest approved claim; a
// vendor termination reverses the award.
func TestInfluenceOpportunityEarliestClaimAndTermination(t *testing.T) {
	w := influenceWorld()
	opp1, opp2 := "OPP1", "OPP2"
	early := claim("EARLY", "SS", "sir", "2023-03-01")
	later := claim("LATER", "SS", "sir", "2023-04-01")
	named := claim("NAMED", "SS", "sir", "2023-02-15")
	named.OpportunityID = &opp2
	w.influence = []extract.InfluenceClaim{later, early, named}
	b1 := w.acme("B1", "RES", "2023-06-01", 2000)
	b1.OpportunityID = &opp1
	b1.Status, b1.TerminatedOn = "vendor_terminated", dp("2023-09-01")
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"SS|EARLY|B1|base|2023-06-01|2.00", "SS|EARLY|B1|vendor_termination|2023-09-01|-2.00"})
	equal(t, "denials", dn, []string{"SS|LATER|earlier_claim_awarded|booking B1"})
	l, _ = influenceLedger(t, w, "2023-08-31")
	equal(t, "before the termination", l, []string{"SS|EARLY|B1|base|2023-06-01|2.00"})
}

// Section 4: "registered in solution_services on the booking date", with
// registrations that overlap, nest, end (exclusive) and are empty: a
// booking inside an earlier, longer registration is covered even when a
// later-starting, shorter one has ended.
func TestInfluenceSolutionServicesRegistrationPeriods(t *testing.T) {
	w := (&world{}).partner("RES").partner("SS")
	w.models = append(w.models[:1], // SS: only these
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_services", RegisteredOn: d("2023-01-01"), EndedOn: dp("2023-07-01")},
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_services", RegisteredOn: d("2023-03-01"), EndedOn: dp("2023-04-01")},
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_services", RegisteredOn: d("2023-08-01"), EndedOn: dp("2023-08-01")},
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_reseller", RegisteredOn: d("2023-08-01")},
		extract.BusinessModel{PartnerID: "SS", BusinessModel: "solution_services", RegisteredOn: d("2023-09-01")},
	)
	w.influence = []extract.InfluenceClaim{claim("I1", "SS", "sir", "2023-02-01")}
	w.acme("B-0315", "RES", "2023-03-15", 1000) // in two registrations: one award
	w.acme("B-0501", "RES", "2023-05-01", 1000) // in the first registration, after the nested one ended
	w.acme("B-0701", "RES", "2023-07-01", 1000) // the day the first ended
	w.acme("B-0801", "RES", "2023-08-01", 1000) // an empty registration; reseller only
	w.acme("B-0901", "RES", "2023-09-01", 1000) // registered again
	l, dn := influenceLedger(t, w, "2023-12-31")
	equal(t, "ledger", l, []string{"SS|I1|B-0315|base|2023-03-15|1.00", "SS|I1|B-0501|base|2023-05-01|1.00", "SS|I1|B-0901|base|2023-09-01|1.00"})
	equal(t, "denials", dn, []string{
		"SS|I1|not_solution_services|booking B-0701",
		"SS|I1|not_solution_services|booking B-0801",
	})
}

// Sections 4 and 12: an influence award belongs to the first attribution
// entry that holds for influence and that its partner is registered in on
// the booking date; an entry the partner is not registered in is passed
// over, on every candidate claim, and the award is the earliest claim's
// whichever entry it takes.
func TestInfluenceAwardBusinessModel(t *testing.T) {
	w := influenceWorld().partner("BOTH")
	w.models[len(w.models)-1].BusinessModel = "solution_services"
	w.models = append(w.models, extract.BusinessModel{PartnerID: "BOTH", BusinessModel: "cloud_services_provider",
		RegisteredOn: d("2023-01-01"), EndedOn: dp("2023-07-01")})
	w.rulebook = strings.Replace(baseRulebook(t), "business_model_attribution:\n",
		"business_model_attribution:\n  - {business_model: cloud_services_provider, when: {sources: [influence]}}\n", 1)
	w.influence = []extract.InfluenceClaim{
		claim("SS-LATER", "SS", "sir", "2023-04-01"), claim("SS-EARLY", "SS", "sir", "2023-03-01"),
		claim("BOTH-LATER", "BOTH", "sir", "2023-03-01"), claim("BOTH-EARLY", "BOTH", "poc", "2023-02-01"),
	}
	w.acme("B1", "RES", "2023-06-01", 2000)
	w.acme("B2", "RES", "2023-08-01", 3000) // BOTH's cloud registration has ended
	e := w.run(t, "2023-12-31")
	equal(t, "awards", rows(t, e, `SELECT partner_id, rule_id, source_id, business_model, points::VARCHAR FROM points_ledger
		WHERE source = 'influence' ORDER BY ALL`), []string{
		"BOTH|BOTH-EARLY|B1|cloud_services_provider|2.00",
		"BOTH|BOTH-EARLY|B2|solution_services|3.00",
		"SS|SS-EARLY|B1|solution_services|2.00",
		"SS|SS-EARLY|B2|solution_services|3.00",
	})
	equal(t, "denials", rows(t, e, `SELECT partner_id, source_id, reason, coalesce(detail, '-') FROM denials
		WHERE source = 'influence' ORDER BY ALL`), []string{
		"BOTH|BOTH-LATER|earlier_claim_awarded|booking B1",
		"BOTH|BOTH-LATER|earlier_claim_awarded|booking B2",
		"SS|SS-LATER|earlier_claim_awarded|booking B1",
		"SS|SS-LATER|earlier_claim_awarded|booking B2",
	})
}
