package engine_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

// One test per rule of RULES.md sections 6 to 10 (levels, audits, migration,
// reminders) on a handful of rows, with as_of on both sides of each event.
// The example thresholds (fixtures/rulebook.yaml): select 900 performance +
// 100 capability points, premier 4,500 + 500 and a solution competency,
// pinnacle 27,000 + 3,000 and a master services competency; FY27 select
// needs 1,000. FY24 is 2023-02-04..2024-02-02, audited 2024-03-04 (windows
// until 2024-06-02 and 2024-09-30); FY25 2024-02-03..2025-01-31, audited
// 2025-03-03. The migration on 2023-03-20 is based on FY23.

// partnerOn is a partner enrolled on the given day, in good standing from
// then on, registered as a solution reseller.
func (w *world) partnerOn(id, on string) *world {
	w.partners = append(w.partners, extract.Partner{PartnerID: id, Name: id, Country: "US", EnrolledOn: d(on)})
	w.models = append(w.models, extract.BusinessModel{PartnerID: id, BusinessModel: "solution_reseller", RegisteredOn: d(on)})
	for _, r := range []string{"partner_agreement", "integrity_training", "due_diligence", "enrollment_fee"} {
		w.requirements = append(w.requirements, extract.Requirement{PartnerID: id, Requirement: r, CompletedOn: d(on)})
	}
	return w
}

// capability adds a capability; expires "" = never.
func (w *world) capability(partner, id, kind, achieved, expires string) *world {
	c := extract.Capability{PartnerID: partner, CapabilityID: id, Kind: kind, AchievedOn: d(achieved)}
	if expires != "" {
		c.ExpiresOn = dp(expires)
	}
	w.capabilities = append(w.capabilities, c)
	return w
}

// lapse makes a partner's completions of a requirement expire on a day.
func (w *world) lapse(partner, requirement, expires string) *world {
	for i, r := range w.requirements {
		if r.PartnerID == partner && r.Requirement == requirement {
			w.requirements[i].ExpiresOn = dp(expires)
		}
	}
	return w
}

// complete adds a completion of a requirement (a renewal, the fee, ...).
func (w *world) complete(partner, requirement, on string) *world {
	w.requirements = append(w.requirements, extract.Requirement{PartnerID: partner, Requirement: requirement, CompletedOn: d(on)})
	return w
}

// drop removes a partner's completions of a requirement.
func (w *world) drop(partner, requirement string) *world {
	kept := w.requirements[:0]
	for _, r := range w.requirements {
		if r.PartnerID != partner || r.Requirement != requirement {
			kept = append(kept, r)
		}
	}
	w.requirements = kept
	return w
}

// selectInFY24 is a partner that earns select on 2023-05-01 and keeps its
// solution competency: 900 points exactly and 100 capability points.
func selectInFY24(id string) *world {
	w := (&world{}).partner(id)
	w.capability(id, "SC-"+id, "solution_competency", "2023-03-01", "")
	w.booking("B-"+id, id, "2023-05-01", 900_000, "term")
	return w
}

// level is "level earned=... baseline=..." of a partner on the run's as_of.
func level(t *testing.T, e *engine.Engine, partner string) string {
	t.Helper()
	got := rows(t, e, `SELECT level || ' earned=' || coalesce(earned_level, '-') || ' baseline=' || coalesce(baseline_level, '-')
		FROM partner_levels WHERE partner_id = ?`, partner)
	if len(got) != 1 {
		t.Fatalf("partner_levels rows for %s: %v", partner, got)
	}
	return got[0]
}

// history lists a partner's level periods as "level|valid_from|valid_to|reason".
func history(t *testing.T, e *engine.Engine, partner string) []string {
	t.Helper()
	return rows(t, e, `SELECT level, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, 'NULL'), reason
		FROM level_history WHERE partner_id = ? ORDER BY valid_from`, partner)
}

// audited lists a partner's audits as "year|audit_on|previous|earned|outcome|after|
// remediation_until|reenroll_until|reinstated_on|terminated_on".
func audited(t *testing.T, e *engine.Engine, partner string) []string {
	t.Helper()
	return rows(t, e, `SELECT program_year, audit_on::VARCHAR, previous_level, earned_level, outcome, level_after,
		remediation_until::VARCHAR, reenroll_until::VARCHAR, reinstated_on::VARCHAR, terminated_on::VARCHAR
		FROM audits WHERE partner_id = ? ORDER BY audit_on`, partner)
}

// checksPass fails the test if an audit check finds failing rows.
func checksPass(t *testing.T, e *engine.Engine) {
	t.Helper()
	checks, err := e.Checks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if !c.Passed {
			t.Errorf("check %s failed: %v %v", c.Name, c.Columns, c.Sample)
		}
	}
}

// Section 7: up-levelled the day the thresholds are met (inclusive), and the
// level is kept for the rest of the year when the earned level falls back.
func TestUpLevelledMidYearKeepsLevelAfterCapabilityExpires(t *testing.T) {
	w := (&world{}).partner("P1")
	w.capability("P1", "SC1", "solution_competency", "2023-03-01", "2023-10-01")
	w.booking("B1", "P1", "2023-05-01", 900_000, "term")
	for _, c := range []struct{ asOf, want string }{
		{"2023-04-30", "community earned=community baseline=community"},
		{"2023-05-01", "select earned=select baseline=community"},
		{"2023-09-30", "select earned=select baseline=community"},
		{"2023-10-01", "select earned=community baseline=community"}, // SC1 expired
		{"2024-02-02", "select earned=community baseline=community"},
	} {
		e := w.run(t, c.asOf)
		if got := level(t, e, "P1"); got != c.want {
			t.Errorf("%s: %s, want %s", c.asOf, got, c.want)
		}
		checksPass(t, e)
	}
	e := w.run(t, "2023-10-01")
	equal(t, "history", history(t, e, "P1"), []string{
		"community|2023-03-20|2023-04-30|migration",
		"select|2023-05-01|NULL|earned",
	})
}

// Section 8: at the audit the level becomes the level earned on the year's
// last day; until the audit the level held on that day carries on.
func TestDemotionAtAudit(t *testing.T) {
	w := selectInFY24("P1")
	w.booking("B2", "P1", "2024-05-01", 500_000, "term") // FY25: 500 points, community
	e := w.run(t, "2025-03-02")
	if got := level(t, e, "P1"); got != "select earned=community baseline=select" {
		t.Errorf("the day before the audit: %s", got)
	}
	equal(t, "audits before", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|retained|select|NULL|NULL|NULL|NULL",
	})
	e = w.run(t, "2025-03-03")
	if got := level(t, e, "P1"); got != "community earned=community baseline=community" {
		t.Errorf("on the audit: %s", got)
	}
	equal(t, "audits", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|retained|select|NULL|NULL|NULL|NULL",
		"FY25|2025-03-03|select|community|demoted|community|NULL|NULL|NULL|NULL",
	})
	checksPass(t, e)
}

// Section 8: not in good standing on audit_on: community with a 90-day
// window; good standing again inside it reinstates the earned level that day.
func TestRemediationReinstatedWithin90Days(t *testing.T) {
	w := selectInFY24("P1")
	w.lapse("P1", "integrity_training", "2024-02-15")
	w.complete("P1", "integrity_training", "2024-04-10")
	for _, c := range []struct{ asOf, want string }{
		{"2024-03-03", "select earned=community_enrolled baseline=select"}, // carried from 2024-02-02
		{"2024-03-04", "community earned=community_enrolled baseline=community"},
		{"2024-04-09", "community earned=community_enrolled baseline=community"},
		{"2024-04-10", "select earned=community baseline=select"},
	} {
		e := w.run(t, c.asOf)
		if got := level(t, e, "P1"); got != c.want {
			t.Errorf("%s: %s, want %s", c.asOf, got, c.want)
		}
		checksPass(t, e)
	}
	e := w.run(t, "2024-04-09")
	equal(t, "audit in the window", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|remediation|community|2024-06-02|NULL|NULL|NULL",
	})
	e = w.run(t, "2024-04-10")
	equal(t, "audit reinstated", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|remediation|community|2024-06-02|NULL|2024-04-10|NULL",
	})
	equal(t, "history", history(t, e, "P1"), []string{
		"community|2023-03-20|2023-04-30|migration",
		"select|2023-05-01|2024-03-03|earned",
		"community|2024-03-04|2024-04-09|remediation",
		"select|2024-04-10|NULL|reinstated",
	})
	// the reinstated level is the baseline the next audit starts from
	e = w.run(t, "2025-03-03")
	equal(t, "next audit", audited(t, e, "P1")[1:], []string{
		"FY25|2025-03-03|select|community|demoted|community|NULL|NULL|NULL|NULL",
	})
}

// Section 8: still not in good standing when the first window ends:
// community_enrolled with a second window, in which good standing and the
// reenrollment_fee together reinstate the earned level.
func TestReenrollmentThenReinstatedWithFee(t *testing.T) {
	w := selectInFY24("P1")
	w.lapse("P1", "integrity_training", "2024-01-31")
	w.complete("P1", "integrity_training", "2024-07-01")
	w.complete("P1", rulebook.ReenrollmentFee, "2024-07-15")
	for _, c := range []struct{ asOf, want, reenrollUntil string }{
		{"2024-06-02", "community earned=community_enrolled baseline=community", "NULL"},
		{"2024-06-03", "community_enrolled earned=community_enrolled baseline=community_enrolled", "2024-09-30"},
		{"2024-07-14", "community_enrolled earned=community baseline=community_enrolled", "2024-09-30"}, // good standing, no fee yet
		{"2024-07-15", "select earned=community baseline=select", "2024-09-30"},
	} {
		e := w.run(t, c.asOf)
		if got := level(t, e, "P1"); got != c.want {
			t.Errorf("%s: %s, want %s", c.asOf, got, c.want)
		}
		equal(t, c.asOf+" reenroll_until", rows(t, e, `SELECT coalesce(reenroll_until::VARCHAR, 'NULL') FROM audits`), []string{c.reenrollUntil})
		checksPass(t, e)
	}
	e := w.run(t, "2024-07-15")
	equal(t, "history", history(t, e, "P1")[2:], []string{
		"community|2024-03-04|2024-06-02|remediation",
		"community_enrolled|2024-06-03|2024-07-14|reenrollment",
		"select|2024-07-15|NULL|reinstated",
	})
	equal(t, "audit", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|remediation|community|2024-06-02|2024-09-30|2024-07-15|NULL",
	})
}

// Section 8: no good standing through both windows: terminated the day
// after the second one; from then on the partner earns nothing, is not
// audited and gets no reminders.
func TestTerminatedAfterBothWindows(t *testing.T) {
	w := (&world{}).partner("P1")
	w.lapse("P1", "due_diligence", "2024-01-10")
	w.booking("B1", "P1", "2023-05-01", 300_000, "term")
	w.booking("B2", "P1", "2024-11-05", 100_000, "term")
	e := w.run(t, "2024-09-30")
	if got := level(t, e, "P1"); got != "community_enrolled earned=community_enrolled baseline=community_enrolled" {
		t.Errorf("last day of the second window: %s", got)
	}
	equal(t, "audit in the second window", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|community|community|remediation|community|2024-06-02|2024-09-30|NULL|NULL",
	})
	e = w.run(t, "2024-10-01")
	equal(t, "terminated", rows(t, e, `SELECT level, coalesce(next_level, 'NULL'), good_standing::VARCHAR FROM partner_levels`),
		[]string{"terminated|NULL|false"})
	equal(t, "audit terminated", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|community|community|remediation|community|2024-06-02|2024-09-30|NULL|2024-10-01",
	})
	e = w.run(t, "2025-04-01")
	equal(t, "denied", rows(t, e, `SELECT source_id, reason FROM denials`), []string{"B2|partner_terminated"})
	equal(t, "ledger", ledger(t, e, "P1"), []string{"B1|base|-|300.00"})
	equal(t, "no FY25 audit", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|community|community|remediation|community|2024-06-02|2024-09-30|NULL|2024-10-01",
	})
	equal(t, "no reminders", rows(t, e, `SELECT kind FROM notifications`), nil)
	equal(t, "history", history(t, e, "P1")[1:], []string{
		"community_enrolled|2024-06-03|2024-09-30|reenrollment",
		"terminated|2024-10-01|NULL|terminated",
	})
	checksPass(t, e)
}

// Section 9: the migration places every partner at the level earned over
// FY23 (good standing on the migration day), a protected legacy level at
// least at its protected level when services-only and in good standing.
func TestMigrationWithAndWithoutProtection(t *testing.T) {
	w := &world{}
	principal := func(id string, models ...string) {
		w.partners = append(w.partners, extract.Partner{PartnerID: id, Name: id, Country: "DE", EnrolledOn: d("2020-01-01"), LegacyLevel: sp("principal")})
		for _, m := range models {
			w.models = append(w.models, extract.BusinessModel{PartnerID: id, BusinessModel: m, RegisteredOn: d("2020-01-01")})
		}
		for _, r := range []string{"partner_agreement", "integrity_training", "due_diligence", "enrollment_fee"} {
			w.complete(id, r, "2020-01-01")
		}
	}
	principal("PA", "solution_services")
	principal("PB", "solution_services", "solution_reseller")
	principal("PC", "solution_services")
	w.drop("PC", "due_diligence").complete("PC", "due_diligence", "2023-04-10")
	principal("PE", "solution_services") // a reseller until the day of the migration (ended_on is exclusive)
	w.models = append(w.models, extract.BusinessModel{PartnerID: "PE", BusinessModel: "solution_reseller", RegisteredOn: d("2020-01-01"), EndedOn: dp("2023-03-20")})
	w.partner("PD")
	w.partners[len(w.partners)-1].LegacyLevel = sp("registered")
	w.capability("PD", "SC1", "solution_competency", "2022-06-01", "")
	w.booking("B1", "PD", "2022-09-01", 900_000, "term") // FY23: select

	e := w.run(t, "2023-03-19")
	equal(t, "before the migration", rows(t, e, `SELECT partner_id FROM migration`), nil)
	if got := level(t, e, "PA"); got != "community earned=community baseline=community" {
		t.Errorf("PA before the migration: %s", got)
	}
	e = w.run(t, "2023-03-20")
	equal(t, "migration", rows(t, e, `SELECT partner_id, migrated_on::VARCHAR, based_on, legacy_level, earned_level, migrated_level, protected::VARCHAR
		FROM migration ORDER BY partner_id`), []string{
		"PA|2023-03-20|FY23|principal|community|premier|true",
		"PB|2023-03-20|FY23|principal|community|community|false",                   // also a reseller
		"PC|2023-03-20|FY23|principal|community_enrolled|community_enrolled|false", // not in good standing
		"PD|2023-03-20|FY23|registered|select|select|false",
		"PE|2023-03-20|FY23|principal|community|premier|true", // no longer a reseller that day
	})
	for p, want := range map[string]string{
		"PA": "premier earned=community baseline=premier",
		"PC": "community_enrolled earned=community_enrolled baseline=community_enrolled",
		"PD": "select earned=community baseline=select",
	} {
		if got := level(t, e, p); got != want {
			t.Errorf("%s on the migration: %s, want %s", p, got, want)
		}
	}
	equal(t, "PA history", history(t, e, "PA"), []string{
		"premier|2023-03-20|NULL|migration",
	})
	checksPass(t, e)
}

// Section 7: a partner enrolled after the latest audit or migration starts at
// the lowest level; one enrolled between a year's end and its audit is
// audited from the lowest level.
func TestEnrolledMidYearStartsAtLowest(t *testing.T) {
	w := (&world{}).partnerOn("P1", "2023-08-15")
	w.drop("P1", "due_diligence").complete("P1", "due_diligence", "2023-09-01")
	w.partnerOn("P2", "2023-08-15")
	w.capability("P2", "SC1", "solution_competency", "2023-08-20", "")
	w.booking("B1", "P2", "2023-09-01", 900_000, "term")
	w.partnerOn("P3", "2024-02-20")

	e := w.run(t, "2023-08-31")
	for p, want := range map[string]string{
		"P1": "community_enrolled earned=community_enrolled baseline=community_enrolled",
		"P2": "community earned=community baseline=community_enrolled",
	} {
		if got := level(t, e, p); got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
	equal(t, "not migrated", rows(t, e, `SELECT partner_id FROM migration`), nil)
	e = w.run(t, "2024-03-04")
	equal(t, "P1 history", history(t, e, "P1"), []string{
		"community_enrolled|2023-08-15|2023-08-31|earned",
		"community|2023-09-01|NULL|earned",
	})
	equal(t, "P2 history", history(t, e, "P2"), []string{
		"community|2023-08-15|2023-08-31|earned",
		"select|2023-09-01|NULL|earned",
	})
	equal(t, "P3 audited from the lowest level", audited(t, e, "P3"), []string{
		"FY24|2024-03-04|community_enrolled|community|promoted|community|NULL|NULL|NULL|NULL",
	})
	checksPass(t, e)
}

// Section 7: next_level is the level above `level`, and the *_to_next
// figures the points short of its thresholds in as_of's year (0 when met).
func TestNextLevelAndPointsShort(t *testing.T) {
	w := (&world{}).partner("P1").partner("P2").partner("P3").partner("P4")
	w.capability("P1", "AC1", "accreditation", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 880_000, "term") // community
	w.capability("P2", "SC2", "solution_competency", "2023-03-01", "")
	w.booking("B2", "P2", "2023-05-01", 1_000_000, "term") // select
	w.capability("P3", "SC3", "solution_competency", "2023-03-01", "")
	w.booking("B3", "P3", "2023-05-01", 5_000_000, "term") // select: premier's points met, not its capabilities
	for i := range 12 {
		w.capability("P4", "MS"+string(rune('a'+i)), "master_services_competency", "2023-03-01", "")
	}
	w.booking("B4", "P4", "2023-05-01", 27_000_000, "term") // pinnacle
	e := w.run(t, "2023-12-31")
	equal(t, "next", rows(t, e, `SELECT partner_id, level, coalesce(next_level, 'NULL'),
		coalesce(performance_points_to_next::VARCHAR, 'NULL'), coalesce(capability_points_to_next::VARCHAR, 'NULL')
		FROM partner_levels ORDER BY partner_id`), []string{
		"P1|community|select|20.00|50.00",
		"P2|select|premier|3500.00|400.00",
		"P3|select|premier|0.00|400.00",
		"P4|pinnacle|NULL|NULL|NULL",
	})
	checksPass(t, e)
}

// Section 10: renewal reminders before each anniversary, audit reminders
// before each audit that will happen (not the migration's based_on year),
// the mid-year health check; all due in as_of's program year, only for
// enrolled partners that are not terminated.
func TestRemindersOnTheRightDates(t *testing.T) {
	w := (&world{}).partnerOn("P1", "2020-03-15").partnerOn("P2", "2023-09-01").partnerOn("P3", "2020-01-01")
	w.partners[2].TerminatedOn = dp("2023-05-01")
	w.partnerOn("P4", "2023-07-01") // enrolled after as_of
	e := w.run(t, "2023-06-30")     // FY24: 2023-02-04 .. 2024-02-02
	equal(t, "reminders", rows(t, e, `SELECT partner_id, kind, due_on::VARCHAR, about_on::VARCHAR, days_before::VARCHAR
		FROM notifications ORDER BY partner_id, due_on, kind`), []string{
		"P1|renewal|2023-02-13|2023-03-15|30",
		"P1|renewal|2023-02-28|2023-03-15|15",
		"P1|health_check|2023-08-04|2023-08-04|0",
		"P1|audit|2023-12-05|2024-03-04|90",
		"P1|audit|2024-01-04|2024-03-04|60",
		"P1|renewal|2024-01-15|2024-03-15|60",
	})
	e = w.run(t, "2023-10-01")
	// none due before enrollment: P2 misses the health check, P4 does not
	equal(t, "enrolled mid-year", rows(t, e, `SELECT partner_id, kind, due_on::VARCHAR FROM notifications
		WHERE partner_id IN ('P2', 'P4') ORDER BY due_on, partner_id`), []string{
		"P4|health_check|2023-08-04",
		"P2|audit|2023-12-05", "P4|audit|2023-12-05",
		"P2|audit|2024-01-04", "P4|audit|2024-01-04",
	})
}

// Section 5: a partner at the lowest level counts 0 capability points.
func TestCapabilityPointsZeroAtLowestLevel(t *testing.T) {
	w := (&world{}).partner("P1").partner("P2")
	w.drop("P1", "due_diligence") // never in good standing
	w.capability("P1", "AC1", "accreditation", "2023-01-01", "")
	w.capability("P2", "AC2", "accreditation", "2023-01-01", "")
	e := w.run(t, "2023-06-30")
	equal(t, "capability points", rows(t, e, `SELECT partner_id, level, capability_points::VARCHAR FROM partner_levels ORDER BY partner_id`), []string{
		"P1|community_enrolled|0.00",
		"P2|community|50.00",
	})
}

// Sections 1 and 7: a threshold override of FY27 applies to levels of FY27
// only; FY26, audited in FY27, keeps its own thresholds.
func TestFY27ThresholdOverrideAppliesToFY27Only(t *testing.T) {
	w := (&world{}).partner("P1")
	w.capability("P1", "SC1", "solution_competency", "2025-01-01", "")
	w.booking("B1", "P1", "2025-06-01", 950_000, "term") // FY26: select at 900
	w.booking("B2", "P1", "2026-03-10", 950_000, "term") // FY27: below 1,000
	w.partnerOn("P2", "2026-02-01")
	w.capability("P2", "SC2", "solution_competency", "2026-02-01", "")
	w.booking("B3", "P2", "2026-03-10", 950_000, "term")
	e := w.run(t, "2026-01-30")
	if got := level(t, e, "P1"); got != "select earned=select baseline=community" {
		t.Errorf("FY26: %s", got)
	}
	e = w.run(t, "2026-04-30")
	equal(t, "FY26 audit", audited(t, e, "P1")[2:], []string{
		"FY26|2026-03-02|select|select|retained|select|NULL|NULL|NULL|NULL",
	})
	equal(t, "FY27", rows(t, e, `SELECT partner_id, earned_level, level, next_level, performance_points_to_next::VARCHAR
		FROM partner_levels ORDER BY partner_id`), []string{
		"P1|community|select|premier|3550.00",
		"P2|community|community|select|50.00",
	})
	checksPass(t, e)
}

// Sections 7 and 8: level_history periods of a partner across an audit, as
// of the day before it and the day of it.
func TestLevelHistoryAcrossAnAudit(t *testing.T) {
	w := selectInFY24("P1") // nothing in FY25
	e := w.run(t, "2025-03-02")
	equal(t, "before", history(t, e, "P1"), []string{
		"community|2023-03-20|2023-04-30|migration",
		"select|2023-05-01|NULL|earned",
	})
	e = w.run(t, "2025-03-03")
	equal(t, "after", history(t, e, "P1"), []string{
		"community|2023-03-20|2023-04-30|migration",
		"select|2023-05-01|2025-03-02|earned",
		"community|2025-03-03|NULL|audit",
	})
	checksPass(t, e)
}

// The example program (fixtures/example, README "Migration" and "FY24
// audit"): the pipeline agrees with the figures worked out by hand.
func TestExampleLevels(t *testing.T) {
	if _, err := os.Stat("../../fixtures/example/partners.csv"); err != nil {
		t.Skip("no fixtures/example")
	}
	rb, err := rulebook.Parse("rulebook.yaml", []byte(baseRulebook(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	raw := t.TempDir()
	if _, err := extract.Run(ctx, extract.Options{Input: "../../fixtures/example", RawDir: raw, Rulebook: rb}); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(ctx, engine.Settings{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.LoadRaw(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(ctx, rb.Tables(date.MustParse("2024-10-01"))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checksPass(t, e)
	equal(t, "migration", rows(t, e, `SELECT partner_id, earned_level, migrated_level, protected::VARCHAR
		FROM migration WHERE partner_id IN ('P001','P002','P003','P004','P005','P006','P007','P013','P023') ORDER BY partner_id`), []string{
		"P001|pinnacle|pinnacle|false",
		"P002|premier|premier|false",
		"P003|community|premier|true",
		"P004|select|select|false",
		"P005|community_enrolled|community_enrolled|false",
		"P006|select|select|false",
		"P007|community|community|false",
		"P013|community|community|false",
		"P023|premier|premier|false",
	})
	want := map[string]string{
		"P001": "pinnacle|pinnacle|retained|pinnacle",
		"P002": "premier|premier|retained|premier",
		"P003": "premier|select|demoted|select",
		"P004": "select|select|retained|select", "P006": "select|select|retained|select",
		"P010": "select|select|retained|select", "P022": "select|select|retained|select",
		"P023": "premier|select|demoted|select",
		"P024": "select|select|remediation|community|2024-04-10|NULL",
		"P025": "select|select|remediation|community|2024-07-15|NULL",
		"P026": "community|community|remediation|community|NULL|2024-10-01",
	}
	for _, p := range []string{"P005", "P007", "P008", "P009", "P013", "P014", "P015", "P017", "P018", "P019", "P020", "P021", "P027"} {
		want[p] = "community|community|retained|community"
	}
	got := rows(t, e, `SELECT partner_id, previous_level || '|' || earned_level || '|' || outcome || '|' || level_after
		|| CASE WHEN outcome = 'remediation' THEN '|' || coalesce(reinstated_on::VARCHAR, 'NULL') || '|' || coalesce(terminated_on::VARCHAR, 'NULL') ELSE '' END
		FROM audits WHERE program_year = 'FY24' AND partner_id <= 'P027' ORDER BY partner_id`)
	if len(got) != len(want) {
		t.Errorf("FY24 audits of scenario partners: %d rows, want %d: %v", len(got), len(want), got)
	}
	for _, r := range got {
		p, outcome, _ := strings.Cut(r, "|")
		if want[p] != outcome {
			t.Errorf("FY24 audit of %s: %s, want %s", p, outcome, want[p])
		}
	}
	equal(t, "levels on 2024-10-01", rows(t, e, `SELECT partner_id, level FROM partner_levels
		WHERE partner_id IN ('P016', 'P022', 'P024', 'P025', 'P026') ORDER BY partner_id`), []string{
		"P016|community_enrolled", "P022|premier", "P024|select", "P025|select", "P026|terminated",
	})
}

// Sections 5 and 7: the earned level follows the performance points both
// ways. A vendor termination takes them back under select's 900 (the earned
// level falls, the level is held), a later booking crosses again, and the
// audit judges the points of the year's last day. The levels model looks at
// the points only on the days they cross a threshold; this is the case that
// needs every crossing, down as well as up.
func TestEarnedLevelFollowsPointsDownAndUpAgain(t *testing.T) {
	w := (&world{}).partner("P1")
	w.capability("P1", "SC1", "solution_competency", "2023-03-01", "")
	w.booking("B1", "P1", "2023-05-01", 600_000, "term")
	b2 := w.booking("B2", "P1", "2023-06-01", 400_000, "term")
	b2.Status, b2.TerminatedOn = "vendor_terminated", dp("2023-07-01")
	for _, c := range []struct{ asOf, want string }{
		{"2023-05-31", "community earned=community baseline=community"}, // 600
		{"2023-06-01", "select earned=select baseline=community"},       // 1,000
		{"2023-07-01", "select earned=community baseline=community"},    // 600 again
	} {
		if got := level(t, w.run(t, c.asOf), "P1"); got != c.want {
			t.Errorf("%s: %s, want %s", c.asOf, got, c.want)
		}
	}
	// The year ends at 600 points: demoted at the FY24 audit.
	e := w.run(t, "2024-03-04")
	equal(t, "audits at 600", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|community|demoted|community|NULL|NULL|NULL|NULL",
	})
	checksPass(t, e)

	// 300 more on 2023-08-01: 900, select again, and kept at the audit.
	w.booking("B3", "P1", "2023-08-01", 300_000, "term")
	if got := level(t, w.run(t, "2023-08-01"), "P1"); got != "select earned=select baseline=community" {
		t.Errorf("2023-08-01: %s", got)
	}
	e = w.run(t, "2024-03-04")
	equal(t, "audits at 900", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|retained|select|NULL|NULL|NULL|NULL",
	})
	checksPass(t, e)
}

// Section 6: a foundational requirement counts while any of its completions
// is valid. A renewal before the old completion expires keeps the partner in
// good standing without a break; a renewal after it leaves a gap; a
// completion that expires the day it is made never counts.
func TestGoodStandingAcrossRenewals(t *testing.T) {
	w := (&world{}).partner("OVERLAP").partner("GAP").partner("SAMEDAY")
	w.lapse("OVERLAP", "integrity_training", "2023-06-01").complete("OVERLAP", "integrity_training", "2023-05-01")
	w.lapse("GAP", "integrity_training", "2023-06-01").complete("GAP", "integrity_training", "2023-07-01")
	w.lapse("SAMEDAY", "due_diligence", "2023-06-01")
	w.requirements = append(w.requirements, extract.Requirement{PartnerID: "SAMEDAY", Requirement: "due_diligence",
		CompletedOn: d("2023-06-10"), ExpiresOn: dp("2023-06-10")})
	w.complete("SAMEDAY", "due_diligence", "2023-06-20")
	e := w.runWith(t, "2023-09-30", engine.Settings{Threads: 2, KeepIntermediates: true})
	equal(t, "standing", rows(t, e, `SELECT partner_id, changed_on::VARCHAR, good_standing::VARCHAR
		FROM standing ORDER BY partner_id, changed_on`), []string{
		"GAP|2020-01-01|true", "GAP|2023-06-01|false", "GAP|2023-07-01|true",
		"OVERLAP|2020-01-01|true",
		"SAMEDAY|2020-01-01|true", "SAMEDAY|2023-06-01|false", "SAMEDAY|2023-06-20|true",
	})
}

// Section 6 at its edges: a partner missing a requirement from enrollment
// is out of good standing from its first day (a row saying so, not none);
// a terminated partner is out of it from terminated_on on, and a renewal
// after that changes nothing (no further row).
func TestGoodStandingFromEnrollmentToTermination(t *testing.T) {
	w := (&world{}).partner("LATE").partner("ENDED")
	w.drop("LATE", "due_diligence").complete("LATE", "due_diligence", "2023-03-01")
	w.partners[1].TerminatedOn = dp("2023-04-01")
	w.lapse("ENDED", "integrity_training", "2023-05-01").complete("ENDED", "integrity_training", "2023-06-01")
	e := w.runWith(t, "2023-09-30", engine.Settings{Threads: 2, KeepIntermediates: true})
	equal(t, "standing", rows(t, e, `SELECT partner_id, changed_on::VARCHAR, good_standing::VARCHAR
		FROM standing ORDER BY partner_id, changed_on`), []string{
		"ENDED|2020-01-01|true", "ENDED|2023-04-01|false",
		"LATE|2020-01-01|false", "LATE|2023-03-01|true",
	})
}

// Section 7 with the rulebook's most levels (rulebook.MaxLevels): the levels
// a partner's capabilities meet are bits of one 64-bit number, so the top
// ranks must work as the low ones do. The top level asks for a solution
// competency, the one below it for a master services competency: each
// partner earns the one whose kind it has.
func TestEarnedLevelAtTheHighestRanks(t *testing.T) {
	var rb strings.Builder
	rb.WriteString("license_types: [term]\nprogram_years: [{id: Y1, starts_on: 2023-01-01, ends_on: 2023-12-31, audit_on: 2024-02-01}]\n")
	rb.WriteString("capability_points: {solution_competency: 100, master_services_competency: 100}\nlevels:\n  - {id: l0}\n")
	for i := 1; i < rulebook.MaxLevels; i++ {
		kinds := ""
		switch i {
		case rulebook.MaxLevels - 1:
			kinds = ", required_capabilities: {solution_competency: 1}"
		case rulebook.MaxLevels - 2:
			kinds = ", required_capabilities: {master_services_competency: 1}"
		}
		fmt.Fprintf(&rb, "  - {id: l%d, good_standing: true, min_performance_points: %d%s}\n", i, i*10, kinds)
	}
	w := (&world{rulebook: rb.String()}).partner("SC").partner("MS")
	w.capability("SC", "SC1", "solution_competency", "2023-01-01", "")
	w.capability("MS", "MS1", "master_services_competency", "2023-01-01", "")
	w.booking("B1", "SC", "2023-03-01", 1_000_000, "term")
	w.booking("B2", "MS", "2023-03-01", 1_000_000, "term")
	e := w.run(t, "2023-06-30")
	equal(t, "levels", rows(t, e, `SELECT partner_id, earned_level, level FROM partner_levels ORDER BY partner_id`),
		[]string{"MS|l62|l62", "SC|l63|l63"})
	checksPass(t, e)
}

// Section 11: the audit judges the points earned on or before ends_on. B1's
// termination on 2024-02-20, after FY24 ended, lowers FY24's total (a row of
// FY24 dated 2024-02-20) but not its audit; between ends_on and audit_on the
// baseline is the level held on ends_on, whatever the reversal did.
func TestAuditJudgesPointsUpToEndsOn(t *testing.T) {
	w := selectInFY24("P1")
	w.bookings[0].Status, w.bookings[0].TerminatedOn = "vendor_terminated", dp("2024-02-20")
	e := w.run(t, "2024-02-25")
	if got := level(t, e, "P1"); got != "select earned=community baseline=select" {
		t.Errorf("between ends_on and the audit: %s", got)
	}
	e = w.run(t, "2024-03-04")
	equal(t, "FY24 total", rows(t, e, `SELECT program_year, max(earned_on)::VARCHAR, sum(points)::VARCHAR FROM points_ledger GROUP BY ALL`),
		[]string{"FY24|2024-02-20|0.00"})
	equal(t, "audit", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|select|retained|select|NULL|NULL|NULL|NULL",
	})
	checksPass(t, e)
	// the same booking reversed on ends_on itself counts at the audit
	w.bookings[0].TerminatedOn = dp("2024-02-02")
	e = w.run(t, "2024-03-04")
	equal(t, "reversed on ends_on", audited(t, e, "P1"), []string{
		"FY24|2024-03-04|select|community|demoted|community|NULL|NULL|NULL|NULL",
	})
}

// Section 11: the level in the new program starts at the migration. The
// level_history of a partner enrolled before migration.on begins with a
// `migration` row on migration.on (the level it was placed at, also when it
// held that level before); a partner enrolled after it starts on
// enrolled_on. Before the migration has happened, the history is the one
// the rules give up to as_of.
func TestLevelHistoryStartsAtTheMigration(t *testing.T) {
	w := (&world{}).partner("OLD").partner("UP")
	w.capability("UP", "SC1", "solution_competency", "2022-06-01", "")
	w.booking("B1", "UP", "2022-09-01", 900_000, "term") // FY23: select, earned in FY23 already
	w.partnerOn("NEW", "2023-05-01")
	e := w.run(t, "2023-06-30")
	equal(t, "OLD", history(t, e, "OLD"), []string{"community|2023-03-20|NULL|migration"})
	equal(t, "UP", history(t, e, "UP"), []string{"select|2023-03-20|NULL|migration"})
	equal(t, "NEW", history(t, e, "NEW"), []string{"community|2023-05-01|NULL|earned"})
	checksPass(t, e)
	e = w.run(t, "2023-03-19")
	equal(t, "UP before the migration", history(t, e, "UP"), []string{
		"community|2020-01-01|2022-08-31|earned",
		"select|2022-09-01|NULL|earned",
	})
	checksPass(t, e)
}

// Section 11: a partner whose terminated_on (partners) is D earns nothing on
// or after D (bookings, OEM credits, lifecycle claims, cap releases) and is
// not audited after it; the vendor termination of a booking it earned
// before D still reverses that booking.
func TestPartnerTerminatedOnEarnsNothingFromThatDay(t *testing.T) {
	w := (&world{}).partner("P1")
	w.partners[0].TerminatedOn = dp("2024-01-15")
	w.booking("B1", "P1", "2023-05-01", 500_000, "perpetual")
	t2 := w.booking("T2", "P1", "2023-06-01", 100_000, "perpetual") // fully capped
	t2.Status, t2.TerminatedOn = "vendor_terminated", dp("2024-01-20")
	v := w.booking("V1", "P1", "2023-04-01", 100_000, "perpetual") // frees 100 after the end: no release
	v.Status, v.TerminatedOn = "vendor_terminated", dp("2024-01-20")
	w.booking("LAST", "P1", "2024-01-14", 1000, "term")
	w.booking("ON", "P1", "2024-01-15", 1000, "term")
	w.oem = append(w.oem, extract.OEMCredit{CreditID: "O1", OEMPartnerID: "OEM1", PartnerID: "P1", CustomerID: "C1",
		Solution: "vcf", BookedOn: d("2024-01-10"), ReportedOn: d("2024-01-15"), TCV: usd(1000), Currency: "USD",
		LicenseType: "term", Tags: []string{}})
	w.lifecycle = []extract.LifecycleClaim{{ClaimID: "L1", PartnerID: "P1", Activity: "poc", Status: "approved", ApprovedOn: dp("2024-01-15")}}
	e := w.run(t, "2024-06-30")
	equal(t, "ledger", ledger(t, e, "P1"), []string{
		"V1|base|-|100.00",
		"B1|base|-|500.00", "B1|perpetual_cap|-|-100.00",
		"T2|base|-|100.00", "T2|perpetual_cap|-|-100.00",
		"LAST|base|-|1.00",
		"T2|vendor_termination|-|0.00", "V1|vendor_termination|-|-100.00",
	})
	equal(t, "denials", rows(t, e, `SELECT source_id, reason FROM denials ORDER BY ALL`), []string{
		"L1|partner_terminated", "O1|partner_terminated", "ON|partner_terminated",
	})
	equal(t, "no audit after it", audited(t, e, "P1"), nil)
	equal(t, "level", rows(t, e, `SELECT level FROM partner_levels`), []string{"terminated"})
	equal(t, "history", history(t, e, "P1")[1:], []string{"terminated|2024-01-15|NULL|terminated"})
	checksPass(t, e)
}
