package rulebook_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"tally/pipeline/date"
	"tally/pipeline/rulebook"
)

func example(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExampleRulebookLoads(t *testing.T) {
	rb, err := rulebook.Parse("rulebook.yaml", example(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rb.ProgramYears); got != 5 {
		t.Fatalf("program years = %d, want 5", got)
	}
	if got := rb.PointsPerUSD.String(); got != "0.001000000" {
		t.Errorf("points_per_usd = %s", got)
	}
	if rb.Influence.WindowYears != 2 || rb.Influence.CompletionClaimDays != 30 || rb.Influence.Rate.String() != "1.000000000" {
		t.Errorf("influence = %+v", rb.Influence)
	}
	if rb.Migration == nil || rb.Migration.On != date.MustParse("2023-03-20") || rb.Migration.Protect["principal"] != "premier" {
		t.Errorf("migration = %+v", rb.Migration)
	}
	y, ok := rb.YearOf(date.MustParse("2024-02-02"))
	if !ok || y.ID != "FY24" {
		t.Errorf("YearOf(2024-02-02) = %v %v", y.ID, ok)
	}
	if _, ok := rb.YearOf(date.MustParse("2022-02-04")); ok {
		t.Error("2022-02-04 is in no program year")
	}
}

// RULES.md section 1: an override merges key by key into the year's copy;
// earlier years keep the rulebook's values.
func TestOverridesMergeKeyByKey(t *testing.T) {
	rb, err := rulebook.Parse("rulebook.yaml", example(t))
	if err != nil {
		t.Fatal(err)
	}
	fy26, fy27 := rb.Year("FY26"), rb.Year("FY27")
	if got := fy27.PerpetualCap.MaxPoints.String(); got != "250.000000000" {
		t.Errorf("FY27 cap = %s, want 250", got)
	}
	if got := fy26.PerpetualCap.MaxPoints.String(); got != "500.000000000" {
		t.Errorf("FY26 cap = %s, want 500", got)
	}
	// Key by key: the cap's license types survive an override of max_points.
	if got := len(fy27.PerpetualCap.LicenseTypes); got != 3 {
		t.Errorf("FY27 cap license types = %d, want 3", got)
	}
	sel := func(r rulebook.Rules) rulebook.Level {
		for _, l := range r.Levels {
			if l.ID == "select" {
				return l
			}
		}
		t.Fatal("no select level")
		return rulebook.Level{}
	}
	if got := sel(fy27).MinPerformancePoints.String(); got != "1000.000000000" {
		t.Errorf("FY27 select = %s", got)
	}
	if got := sel(fy27).MinCapabilityPoints.String(); got != "100.000000000" {
		t.Errorf("FY27 select capability threshold lost in merge: %s", got)
	}
	if got := sel(fy26).MinPerformancePoints.String(); got != "900.000000000" {
		t.Errorf("FY26 select = %s", got)
	}
}

func TestOverrideListReplacesAndMapMerges(t *testing.T) {
	text := strings.Replace(string(example(t)), "      perpetual_cap: {max_points: 250}\n",
		"      perpetual_cap: {max_points: 250}\n      multipliers: [{id: only_saas, bonus: 0.1, when: {license_types: [saas]}}]\n      lifecycle_points: {poc: 35, workshop: 5}\n", 1)
	rb, err := rulebook.Parse("rulebook.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	fy27 := rb.Year("FY27")
	if len(fy27.Multipliers) != 1 || fy27.Multipliers[0].ID != "only_saas" {
		t.Errorf("FY27 multipliers = %+v, want the list replaced", fy27.Multipliers)
	}
	if got := fy27.LifecyclePoints["poc"].String(); got != "35.000000000" {
		t.Errorf("FY27 poc = %s", got)
	}
	if got := fy27.LifecyclePoints["deployment"].String(); got != "40.000000000" {
		t.Errorf("FY27 deployment = %s, want kept by the merge", got)
	}
	if got := rb.Year("FY26").LifecyclePoints["poc"].String(); got != "30.000000000" {
		t.Errorf("FY26 poc = %s, an override leaked into an earlier year", got)
	}
	if len(rb.Year("FY26").Multipliers) != 2 {
		t.Error("FY26 multipliers changed")
	}
	acts := rb.LifecycleActivities()
	if strings.Join(acts, ",") != "customer_success,deployment,poc,technical_assessment,workshop" {
		t.Errorf("activities = %v", acts)
	}
}

func TestRulebookErrorsNameLineAndKey(t *testing.T) {
	cases := []struct {
		name, from, to string
		line           int
		want           string
	}{
		{"typo in a key", "points_per_usd: 0.001", "points_per_usdd: 0.001", 2, `unknown key (did you mean "points_per_usd"?)`},
		{"typo in a nested key", "remediation_days: 90", "remediaton_days: 90", 30, "audit.remediaton_days: unknown key"},
		{"typo in an override", "perpetual_cap: {max_points: 250}", "perpetual_cap: {max_point: 250}", 14, "perpetual_cap.max_point: unknown key"},
		{"overlapping years", "{id: FY24, starts_on: 2023-02-04", "{id: FY24, starts_on: 2023-02-01", 6, "FY24 (2023-02-01 .. 2024-02-02) overlaps FY23"},
		{"multiplier on an unknown license type", "license_types: [subscription, saas]}}", "license_types: [subscription, saaas]}}", 17, `"saaas" is not one of license_types`},
		{"cap on an unknown license type", "perpetual_cap: {license_types: [perpetual,", "perpetual_cap: {license_types: [perpetuals,", 19, `"perpetuals" is not a known license type`},
		{"levels out of order", "min_performance_points: 4500,", "min_performance_points: 450,", 28, "levels out of order: premier"},
		{"override makes levels out of order", "levels: {select: {min_performance_points: 1000}}", "levels: {select: {min_performance_points: 9000}}", 9, "levels out of order: premier"},
		{"override of an unknown level", "levels: {select: {", "levels: {selected: {", 15, "no such level"},
		{"migration from an unknown year", "based_on: FY23", "based_on: FY22", 32, `"FY22" is not a program year`},
		{"impossible date", "audit_on: 2023-03-20}", "audit_on: 2023-02-30}", 5, "2023-02-30"},
		{"not a number", "max_points: 500", "max_points: lots", 19, "plain decimal"},
		{"audit before the year ends", "audit_on: 2024-03-04", "audit_on: 2024-01-04", 6, "not after it ends"},
		{"unknown capability kind", "accreditation: 50", "accreditations: 50", 21, `"accreditations" is not a capability kind`},
		{"reserved level name", "{id: community_enrolled}", "{id: terminated}", 25, "reserved"},
	}
	base := string(example(t))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.from) {
				t.Fatalf("fixture has no %q", c.from)
			}
			_, err := rulebook.Parse("rb.yaml", []byte(strings.Replace(base, c.from, c.to, 1)))
			if err == nil {
				t.Fatal("accepted a bad rulebook")
			}
			if !errors.Is(err, rulebook.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			var re *rulebook.Error
			if !errors.As(err, &re) || re.Line != c.line {
				t.Errorf("error %q: want line %d", err, c.line)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "rb.yaml:") {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestNotYAML(t *testing.T) {
	for _, text := range []string{"{{{ not yaml", "- just\n- a list\n", ""} {
		_, err := rulebook.Parse("rb.yaml", []byte(text))
		if err == nil || !errors.Is(err, rulebook.ErrInvalid) {
			t.Errorf("%q: err = %v", text, err)
		}
	}
}

func TestDefaultsWhenSilent(t *testing.T) {
	text := `license_types: [saas]
program_years: [{id: Y1, starts_on: 2024-01-01, ends_on: 2024-12-31, audit_on: 2025-01-15}]
influence: {rate: 0.5}
levels: [{id: base}, {id: community, good_standing: true}]
`
	rb, err := rulebook.Parse("rb.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if rb.PointsPerUSD.String() != "0.001000000" || rb.Influence.WindowYears != 2 || rb.Influence.CompletionClaimDays != 30 || rb.Influence.Rate.String() != "0.500000000" {
		t.Errorf("defaults = %+v %+v", rb.PointsPerUSD, rb.Influence)
	}
	if rb.Audit.RemediationDays != 90 || rb.Audit.ReenrollDays != 120 || len(rb.Renewal.NotifyDaysBefore) != 3 {
		t.Errorf("audit defaults = %+v %+v", rb.Audit, rb.Renewal)
	}
}

// The level models hold the levels a partner's capabilities meet as the bits
// of one 64-bit number, so a rulebook may have 64 levels and not 65.
func TestAtMostMaxLevels(t *testing.T) {
	text := func(n int) string {
		var b strings.Builder
		b.WriteString("license_types: [saas]\nprogram_years: [{id: Y1, starts_on: 2024-01-01, ends_on: 2024-12-31, audit_on: 2025-01-15}]\nlevels:\n  - {id: l0}\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "  - {id: l%d, good_standing: true, min_performance_points: %d}\n", i, i*10)
		}
		return b.String()
	}
	if _, err := rulebook.Parse("rb.yaml", []byte(text(rulebook.MaxLevels))); err != nil {
		t.Fatalf("%d levels refused: %v", rulebook.MaxLevels, err)
	}
	_, err := rulebook.Parse("rb.yaml", []byte(text(rulebook.MaxLevels+1)))
	if !errors.Is(err, rulebook.ErrInvalid) || !strings.Contains(err.Error(), "at most 64") {
		t.Fatalf("%d levels: err = %v, want a refusal naming the limit", rulebook.MaxLevels+1, err)
	}
}
