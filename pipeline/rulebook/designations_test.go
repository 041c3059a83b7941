package rulebook_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// The example's eight areas of seed 004, their tiers and benefits load.
func TestExampleSolutionAreasLoad(t *testing.T) {
	rb, err := rulebook.Parse("rulebook.yaml", example(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rb.SolutionAreas); got != 8 {
		t.Fatalf("solution areas = %d, want 8", got)
	}
	ma := rb.Year("FY25").SolutionAreas[5]
	if ma.ID != "modern_applications" || strings.Join(ma.TierIDs(), ",") != "partner,advanced,principal" {
		t.Errorf("area 5 = %s %v", ma.ID, ma.TierIDs())
	}
	top := ma.Tiers[2]
	if !top.Badged || top.MinCredits.String() != "5000.000000000" || top.RequiredCapabilities.Kinds["master_services_competency"] != 1 {
		t.Errorf("principal = %+v", top)
	}
	if got := ma.Tiers[1].RequiredCapabilities.String(); got != "any of spec_kubernetes" {
		t.Errorf("advanced requires %q", got)
	}
	if got := len(rb.Benefits); got != 5 || rb.Benefits[0].ID != "deal_registration" {
		t.Errorf("benefits = %+v", rb.Benefits)
	}
}

// Overrides change an area's solutions and a tier by id for that year only,
// and a benefit by id.
func TestAreaOverridesByID(t *testing.T) {
	text := strings.Replace(string(example(t)), "      levels: {select: {min_performance_points: 1000}}",
		"      levels: {select: {min_performance_points: 1000}}\n"+
			"      solution_areas: {network_security: {solutions: [network], tiers: {advanced: {min_credits: 800}}}}\n"+
			"      benefits: {mdf_x: {levels: [pinnacle]}}", 1)
	text = strings.Replace(text, "{id: market_development_funds,", "{id: mdf_x,", 1)
	rb, err := rulebook.Parse("rb.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	area := func(year string) rulebook.SolutionArea {
		for _, a := range rb.Year(year).SolutionAreas {
			if a.ID == "network_security" {
				return a
			}
		}
		t.Fatalf("%s: no network_security", year)
		return rulebook.SolutionArea{}
	}
	if got := area("FY27"); strings.Join(got.Solutions, ",") != "network" || got.Tiers[1].MinCredits.String() != "800.000000000" ||
		got.Tiers[1].RequiredCapabilities.String() != "any of sc_network, spec_sdwan" || got.Tiers[2].MinCredits.String() != "5000.000000000" {
		t.Errorf("FY27 network_security = %+v", got)
	}
	if got := area("FY26"); strings.Join(got.Solutions, ",") != "network,security" || got.Tiers[1].MinCredits.String() != "500.000000000" {
		t.Errorf("FY26 network_security changed: %+v", got)
	}
	benefit := func(year string) []string {
		for _, b := range rb.Year(year).Benefits {
			if b.ID == "mdf_x" {
				return b.Levels
			}
		}
		return nil
	}
	if got := benefit("FY27"); !slices.Equal(got, []string{"pinnacle"}) {
		t.Errorf("FY27 mdf_x levels = %v", got)
	}
	if got := benefit("FY26"); !slices.Equal(got, []string{"premier", "pinnacle"}) {
		t.Errorf("FY26 mdf_x levels = %v", got)
	}
	// the rule tables carry each year's values
	var fy27, fy26 string
	for _, tb := range rb.Tables(date.MustParse("2026-03-01")) {
		if tb.Name != "rule_area_tiers" {
			continue
		}
		for _, r := range tb.Rows {
			if r[1] == "network_security" && r[3] == "advanced" {
				switch r[0] {
				case "FY27":
					fy27 = r[4].(string)
				case "FY26":
					fy26 = r[4].(string)
				}
			}
		}
	}
	if fy27 != "800.000000000" || fy26 != "500.000000000" {
		t.Errorf("rule_area_tiers advanced: FY26 %s, FY27 %s", fy26, fy27)
	}
}

// A bad area or benefit is refused with the line and key: an unknown
// solution area, tier, capability, capability kind or benefit reference,
// tiers out of order, a badge below the top tier, an empty solution list.
func TestAreaErrorsNameLineAndKey(t *testing.T) {
	fy27 := "      levels: {select: {min_performance_points: 1000}}"
	cases := []struct {
		name, from, to string
		line           int
		want           string
	}{
		{"unknown capability in any_of", "{any_of: [sc_compute, sc_storage, sc_business_continuity]}}\n      - {id: advanced",
			"{any_of: [sc_compute, sc_storge, sc_business_continuity]}}\n      - {id: advanced", 58,
			`solution_areas[0].tiers[0].required_capabilities.any_of: "sc_storge" is not one of data_center_virtualization's capabilities`},
		{"unknown capability in all_of", "{all_of: [msc_cloud_infrastructure, sc_compute,", "{all_of: [msc_cloud_infra, sc_compute,", 60,
			`required_capabilities.all_of: "msc_cloud_infra" is not one of`},
		{"unknown capability kind", "5000, required_capabilities: {master_services_competency: 1}", "5000, required_capabilities: {master_service_competency: 1}", 111,
			`solution_areas[5].tiers[2].required_capabilities.master_service_competency: "master_service_competency" is not a capability kind`},
		{"count below one", "5000, required_capabilities: {master_services_competency: 1}", "5000, required_capabilities: {master_services_competency: 0}", 111, "the count must be at least 1"},
		{"count not a number", "5000, required_capabilities: {master_services_competency: 1}", "5000, required_capabilities: {master_services_competency: one}", 111, "want a count"},
		{"tiers out of order", "min_credits: 5000, required_capabilities: {master_services_competency: 1}",
			"min_credits: 50, required_capabilities: {master_services_competency: 1}", 111, "tiers out of order: principal needs fewer credits than advanced"},
		{"badge below the top tier", "{id: advanced,  min_credits: 500,  required_capabilities: {any_of: [spec_kubernetes]}}",
			"{id: advanced,  min_credits: 500,  required_capabilities: {any_of: [spec_kubernetes]}, badged: true}", 110,
			"only the top tier of modern_applications (principal) may be badged"},
		{"an id twice in all_of", "{all_of: [msc_cloud_infrastructure, sc_compute,", "{all_of: [msc_cloud_infrastructure, sc_compute, sc_compute,", 60,
			`all_of: "sc_compute" is listed twice`},
		{"no solutions", "solutions: [app_platform]", "solutions: []", 102, "modern_applications needs the solutions"},
		{"capability of an unknown kind", "{id: spec_kubernetes, kind: specialization}", "{id: spec_kubernetes, kind: specialisation}", 102,
			`capabilities[0].kind: "specialisation" is not a capability kind`},
		{"typo in a tier key", "{id: partner,   required_capabilities: {any_of: [spec_kubernetes]}}",
			"{id: partner,   required_capability: {any_of: [spec_kubernetes]}}", 109, "required_capability: unknown key"},
		{"benefit of an unknown area", "      modern_applications: [partner, advanced, principal]",
			"      modern_application: [partner, advanced, principal]", 142, `benefits[0].designations.modern_application: "modern_application" is not a solution area`},
		{"benefit of an unknown tier", "      modern_applications: [principal]", "      modern_applications: [principle]", 152,
			`benefits[1].designations.modern_applications: "principle" is not a tier of modern_applications`},
		{"benefit of an unknown level", "levels: [pinnacle]}", "levels: [pinacle]}", 162, `benefits[2].levels: "pinacle" is not a level`},
		{"benefit of an unknown business model", "business_models: [cloud_services_provider]}", "business_models: [cloud_service_provider]}", 164,
			`"cloud_service_provider" is not a business model`},
		{"benefit that nothing gives", "{id: msc_deployment_incentive, levels: [pinnacle]}", "{id: msc_deployment_incentive}", 162,
			"name the levels, designations or business models that give it"},
		{"override of an unknown area", fy27, fy27 + "\n      solution_areas: {network: {solutions: [nsx]}}", 16,
			"program_years[FY27].overrides.solution_areas.network: no such solution area"},
		{"override of an unknown tier", fy27, fy27 + "\n      solution_areas: {network_security: {tiers: {expert: {min_credits: 1}}}}", 16,
			"program_years[FY27].overrides.solution_areas.network_security.tiers.expert: no such tier of network_security"},
		{"override of an unknown benefit", fy27, fy27 + "\n      benefits: {mdf: {levels: [pinnacle]}}", 16,
			"program_years[FY27].overrides.benefits.mdf: no such benefit"},
		{"override that puts tiers out of order", fy27, fy27 + "\n      solution_areas: {network_security: {tiers: {advanced: {min_credits: 9000}}}}", 9,
			"program_years[FY27].overrides.solution_areas[6].tiers[2].min_credits: tiers out of order"},
		{"override naming an unknown capability", fy27, fy27 + "\n      solution_areas: {network_security: {tiers: {partner: {required_capabilities: {any_of: [sc_nsx]}}}}}", 9,
			`"sc_nsx" is not one of network_security's capabilities`},
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

// Without solution_areas and benefits the rule tables exist with no rows.
func TestNoAreasEmptyTables(t *testing.T) {
	text := string(example(t))
	text = text[:strings.Index(text, "# RULES.md section 14")]
	rb, err := rulebook.Parse("rb.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tb := range rb.Tables(date.MustParse("2024-01-01")) {
		if strings.HasPrefix(tb.Name, "rule_area") || strings.HasPrefix(tb.Name, "rule_benefit") || tb.Name == "rule_tier_capabilities" {
			seen++
			if len(tb.Rows) != 0 {
				t.Errorf("%s: %d rows", tb.Name, len(tb.Rows))
			}
		}
	}
	if seen != 7 {
		t.Errorf("%d designation rule tables, want 7", seen)
	}
}
