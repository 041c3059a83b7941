package rulebook

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// SolutionArea is one solution area of RULES.md section 14: the solutions
// whose bookings, OEM credits and influence awards credit it, and its tiers,
// lowest first (seed 004: partner, advanced, principal).
type SolutionArea struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Solutions are the bookings' `solution` values that credit the area.
	Solutions []string `yaml:"solutions"`
	// Capabilities, when given, are the area's competencies: a tier's
	// any_of and all_of name only these, and a tier's count of a kind
	// counts only these (seed 004: "one of the area's solution
	// competencies"). Without them, any capability id may be named and a
	// kind counts all of the partner's capabilities of that kind.
	Capabilities []AreaCapability `yaml:"capabilities"`
	Tiers        []Tier           `yaml:"tiers"`
	Line         int              `yaml:"-"`
}

// AreaCapability is one competency of an area.
type AreaCapability struct {
	ID   string `yaml:"id"`
	Kind string `yaml:"kind"`
}

// Tier is one reward tier of an area and what it requires besides good
// standing (RULES.md section 14). Only the top tier may be badged.
type Tier struct {
	ID                   string                `yaml:"id"`
	MinCredits           Number                `yaml:"min_credits"`
	RequiredCapabilities CapabilityRequirement `yaml:"required_capabilities"`
	Badged               bool                  `yaml:"badged"`
	Line                 int                   `yaml:"-"`
}

// CapabilityRequirement is what a tier asks of the partner's valid
// capabilities: at least one of AnyOf, every one of AllOf, and at least
// Kinds[kind] capabilities of each kind. All of the parts must hold; an
// absent part asks nothing.
type CapabilityRequirement struct {
	AnyOf []string
	AllOf []string
	Kinds map[string]int
	Line  int
}

// IsZero tells whether the requirement asks nothing.
func (c CapabilityRequirement) IsZero() bool {
	return len(c.AnyOf) == 0 && len(c.AllOf) == 0 && len(c.Kinds) == 0
}

// String is the requirement in the rulebook's words, for messages and the
// report: "any of SC-NV, SC-SDWAN; all of MSC-NV; 1 master_services_competency".
func (c CapabilityRequirement) String() string {
	var parts []string
	if len(c.AnyOf) > 0 {
		parts = append(parts, "any of "+strings.Join(c.AnyOf, ", "))
	}
	if len(c.AllOf) > 0 {
		parts = append(parts, "all of "+strings.Join(c.AllOf, ", "))
	}
	for kind, n := range sortedMap(c.Kinds) {
		parts = append(parts, fmt.Sprintf("%d %s", n, kind))
	}
	return strings.Join(parts, "; ")
}

// UnmarshalYAML reads `{any_of: [ids], all_of: [ids], <kind>: <count>, ...}`.
func (c *CapabilityRequirement) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	out := CapabilityRequirement{Line: n.Line}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*c = out
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &Error{Line: n.Line, Msg: "required_capabilities must be a mapping: any_of and all_of lists of capability ids, or capability kinds with a count"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "any_of", "all_of":
			var ids []string
			if err := v.Decode(&ids); err != nil {
				return &Error{Line: k.Line, Key: "required_capabilities." + k.Value, Msg: "want a list of capability ids"}
			}
			if k.Value == "any_of" {
				out.AnyOf = ids
			} else {
				out.AllOf = ids
			}
		default:
			var count int
			if err := v.Decode(&count); err != nil {
				return &Error{Line: k.Line, Key: "required_capabilities." + k.Value, Msg: "want a count of capabilities of that kind (or any_of / all_of lists)"}
			}
			if out.Kinds == nil {
				out.Kinds = map[string]int{}
			}
			out.Kinds[k.Value] = count
		}
	}
	*c = out
	return nil
}

// Benefit is one benefit or incentive eligibility (RULES.md section 15) and
// who holds it: a partner whose level is one of Levels, that holds one of
// Designations (area id -> tiers), and that is registered in one of
// BusinessModels. Like a multiplier's conditions: all the given keys must
// hold, a list holds when any of its values does, an absent key asks
// nothing.
type Benefit struct {
	ID             string              `yaml:"id"`
	Name           string              `yaml:"name"`
	Levels         []string            `yaml:"levels"`
	Designations   map[string][]string `yaml:"designations"`
	BusinessModels []string            `yaml:"business_models"`
	Line           int                 `yaml:"-"`
}

// areaOverride is what a program year's overrides may change of an area:
// its solutions, its capabilities (each list replaced whole) and its tiers
// by id. Areas and tiers keep their ids and order every year.
type areaOverride struct {
	Name         string           `yaml:"name"`
	Solutions    []string         `yaml:"solutions"`
	Capabilities []AreaCapability `yaml:"capabilities"`
	Tiers        map[string]Tier  `yaml:"tiers"`
}

func (a *SolutionArea) UnmarshalYAML(n *yaml.Node) error {
	type plain SolutionArea
	a.Line = n.Line
	return n.Decode((*plain)(a))
}

func (t *Tier) UnmarshalYAML(n *yaml.Node) error {
	type plain Tier
	t.Line = n.Line
	return n.Decode((*plain)(t))
}

func (b *Benefit) UnmarshalYAML(n *yaml.Node) error {
	type plain Benefit
	b.Line = n.Line
	return n.Decode((*plain)(b))
}

// TierIDs lists an area's tiers, lowest first.
func (a SolutionArea) TierIDs() []string {
	ids := make([]string, len(a.Tiers))
	for i, t := range a.Tiers {
		ids[i] = t.ID
	}
	return ids
}

// overrideAreas changes this year's areas by id: `solution_areas: {area:
// {solutions: [...], tiers: {tier: {min_credits: ...}}}}`.
func (r *Rules) overrideAreas(file, year string, val *yaml.Node) error {
	key := "program_years[" + year + "].overrides.solution_areas"
	if val.Kind != yaml.MappingNode {
		return &Error{File: file, Line: val.Line, Key: key, Msg: "overrides change solution areas by id: a mapping of area ids"}
	}
	r.SolutionAreas = slices.Clone(r.SolutionAreas)
	for j := 0; j+1 < len(val.Content); j += 2 {
		id, body := val.Content[j], val.Content[j+1]
		idx := slices.IndexFunc(r.SolutionAreas, func(a SolutionArea) bool { return a.ID == id.Value })
		if idx < 0 {
			return &Error{File: file, Line: id.Line, Key: key + "." + id.Value, Msg: "no such solution area"}
		}
		a := r.SolutionAreas[idx]
		a.Tiers = slices.Clone(a.Tiers)
		var o areaOverride
		if err := body.Decode(&o); err != nil {
			return decodeError(file, err)
		}
		for k := 0; body.Kind == yaml.MappingNode && k+1 < len(body.Content); k += 2 {
			switch body.Content[k].Value {
			case "name":
				a.Name = o.Name
			case "solutions":
				a.Solutions = o.Solutions
			case "capabilities":
				a.Capabilities = o.Capabilities
			case "tiers":
				tiers := body.Content[k+1]
				for t := 0; tiers.Kind == yaml.MappingNode && t+1 < len(tiers.Content); t += 2 {
					tid := tiers.Content[t]
					ti := slices.IndexFunc(a.Tiers, func(x Tier) bool { return x.ID == tid.Value })
					if ti < 0 {
						return &Error{File: file, Line: tid.Line, Key: key + "." + id.Value + ".tiers." + tid.Value, Msg: fmt.Sprintf("no such tier of %s %v", a.ID, a.TierIDs())}
					}
					tier := a.Tiers[ti]
					if err := tiers.Content[t+1].Decode(&tier); err != nil {
						return decodeError(file, err)
					}
					tier.ID = tid.Value
					a.Tiers[ti] = tier
				}
			}
		}
		r.SolutionAreas[idx] = a
	}
	return nil
}

// overrideBenefits changes this year's benefits by id: `benefits: {id:
// {levels: [...]}}`; a list given replaces the benefit's list.
func (r *Rules) overrideBenefits(file, year string, val *yaml.Node) error {
	key := "program_years[" + year + "].overrides.benefits"
	if val.Kind != yaml.MappingNode {
		return &Error{File: file, Line: val.Line, Key: key, Msg: "overrides change benefits by id: a mapping of benefit ids"}
	}
	r.Benefits = slices.Clone(r.Benefits)
	for j := 0; j+1 < len(val.Content); j += 2 {
		id := val.Content[j]
		idx := slices.IndexFunc(r.Benefits, func(b Benefit) bool { return b.ID == id.Value })
		if idx < 0 {
			return &Error{File: file, Line: id.Line, Key: key + "." + id.Value, Msg: "no such benefit"}
		}
		b := r.Benefits[idx]
		if err := val.Content[j+1].Decode(&b); err != nil {
			return decodeError(file, err)
		}
		b.ID = id.Value
		r.Benefits[idx] = b
	}
	return nil
}

// designations checks the areas and benefits of the rulebook (own) or of a
// year after its overrides: every reference to a solution area, tier,
// capability, level, business model or benefit must name one that exists.
func (v *validator) designations(r Rules, at func(string) (int, string), own bool) {
	where := func(line int, key string) (int, string) {
		l, k := at(key)
		if own && line > 0 {
			l = line
		}
		return l, k
	}
	areas := map[string]SolutionArea{}
	for i, a := range r.SolutionAreas {
		line, key := where(a.Line, fmt.Sprintf("solution_areas[%d]", i))
		switch {
		case a.ID == "":
			v.fail(line, key+".id", "a solution area needs an id")
		case areas[a.ID].ID != "":
			v.fail(line, key+".id", "%s is listed twice", a.ID)
		case len(a.Solutions) == 0:
			v.fail(line, key+".solutions", "%s needs the solutions whose bookings credit it", a.ID)
		case slices.Contains(a.Solutions, ""):
			v.fail(line, key+".solutions", "%s: a solution cannot be empty", a.ID)
		case firstDuplicate(a.Solutions) != "":
			v.fail(line, key+".solutions", "%q is listed twice", firstDuplicate(a.Solutions))
		case len(a.Tiers) == 0:
			v.fail(line, key+".tiers", "%s needs at least one tier", a.ID)
		case len(a.Tiers) > MaxLevels:
			// the tier models keep the tiers met as the bits of one 64-bit number (sql/172_area_capability_states.sql)
			v.fail(line, key+".tiers", "%d tiers: at most %d are allowed", len(a.Tiers), MaxLevels)
		}
		areas[a.ID] = a
		known := map[string]bool{}
		for j, c := range a.Capabilities {
			ck := fmt.Sprintf("%s.capabilities[%d]", key, j)
			switch {
			case c.ID == "":
				v.fail(line, ck+".id", "a capability needs an id")
			case known[c.ID]:
				v.fail(line, ck+".id", "%s is listed twice", c.ID)
			case !slices.Contains(CapabilityKinds, c.Kind):
				v.fail(line, ck+".kind", "%q is not a capability kind %v", c.Kind, CapabilityKinds)
			}
			known[c.ID] = true
		}
		tiers := map[string]bool{}
		for j, t := range a.Tiers {
			tline, tkey := where(t.Line, fmt.Sprintf("%s.tiers[%d]", key, j))
			if !own {
				tline = line
			}
			switch {
			case t.ID == "":
				v.fail(tline, tkey+".id", "a tier needs an id")
			case tiers[t.ID]:
				v.fail(tline, tkey+".id", "%s is listed twice in %s", t.ID, a.ID)
			case t.MinCredits.Scaled < 0:
				v.fail(tline, tkey+".min_credits", "must not be negative")
			case j > 0 && t.MinCredits.Scaled < a.Tiers[j-1].MinCredits.Scaled:
				v.fail(tline, tkey+".min_credits", "tiers out of order: %s needs fewer credits than %s below it", t.ID, a.Tiers[j-1].ID)
			case t.Badged && j != len(a.Tiers)-1:
				v.fail(tline, tkey+".badged", "only the top tier of %s (%s) may be badged", a.ID, a.Tiers[len(a.Tiers)-1].ID)
			}
			tiers[t.ID] = true
			req := t.RequiredCapabilities
			rkey := tkey + ".required_capabilities"
			for _, list := range []struct {
				name string
				ids  []string
			}{{"any_of", req.AnyOf}, {"all_of", req.AllOf}} {
				if list.ids != nil && len(list.ids) == 0 {
					v.fail(tline, rkey+"."+list.name, "an empty list asks nothing: name capability ids or leave it out")
				}
				if d := firstDuplicate(list.ids); d != "" {
					v.fail(tline, rkey+"."+list.name, "%q is listed twice", d)
				}
				for _, id := range list.ids {
					switch {
					case id == "":
						v.fail(tline, rkey+"."+list.name, "a capability id cannot be empty")
					case len(a.Capabilities) > 0 && !known[id]:
						v.fail(tline, rkey+"."+list.name, "%q is not one of %s's capabilities", id, a.ID)
					}
				}
			}
			for kind, n := range sortedMap(req.Kinds) {
				if !slices.Contains(CapabilityKinds, kind) {
					v.fail(tline, rkey+"."+kind, "%q is not a capability kind %v (or any_of, all_of)", kind, CapabilityKinds)
				}
				if n < 1 {
					v.fail(tline, rkey+"."+kind, "the count must be at least 1")
				}
			}
		}
	}
	ids := map[string]bool{}
	for i, b := range r.Benefits {
		line, key := where(b.Line, fmt.Sprintf("benefits[%d]", i))
		switch {
		case b.ID == "":
			v.fail(line, key+".id", "a benefit needs an id")
		case ids[b.ID]:
			v.fail(line, key+".id", "%s is listed twice", b.ID)
		case len(b.Levels) == 0 && len(b.Designations) == 0 && len(b.BusinessModels) == 0:
			v.fail(line, key, "%s: name the levels, designations or business models that give it", b.ID)
		}
		ids[b.ID] = true
		for _, l := range b.Levels {
			if !slices.Contains(v.rb.LevelIDs(), l) {
				v.fail(line, key+".levels", "%q is not a level %v", l, v.rb.LevelIDs())
			}
		}
		for _, bm := range b.BusinessModels {
			if !slices.Contains(BusinessModels, bm) {
				v.fail(line, key+".business_models", "%q is not a business model %v", bm, BusinessModels)
			}
		}
		for area, tiers := range sortedMap(b.Designations) {
			a, ok := areas[area]
			if !ok {
				v.fail(line, key+".designations."+area, "%q is not a solution area", area)
				continue
			}
			if len(tiers) == 0 {
				v.fail(line, key+".designations."+area, "name the tiers of %s that give %s", area, b.ID)
			}
			for _, t := range tiers {
				if !slices.Contains(a.TierIDs(), t) {
					v.fail(line, key+".designations."+area, "%q is not a tier of %s %v", t, area, a.TierIDs())
				}
			}
		}
	}
}

// designationTables are the rule tables of RULES.md sections 14 and 15, one
// set of rows per program year after its overrides (years in start order).
// A rulebook without solution areas or benefits gives them no rows.
func (rb *Rulebook) designationTables(years []ProgramYear) []Table {
	areas := Table{Name: "rule_areas", Columns: cols("program_year", tText, "area_rank", tInt, "solution_area", tText)}
	solutions := Table{Name: "rule_area_solutions", Columns: cols("program_year", tText, "solution_area", tText, "solution", tText)}
	capabilities := Table{Name: "rule_area_capabilities", Columns: cols("program_year", tText, "solution_area", tText, "capability_id", tText, "kind", tText)}
	tiers := Table{Name: "rule_area_tiers", Columns: cols(
		"program_year", tText, "solution_area", tText, "tier_rank", tInt, "tier_id", tText, "min_credits", tDecimal, "badged", tBool)}
	// requirement: any_of (value: a capability id; the tier needs one of
	// its any_of rows), all_of (value: an id it needs), kind (value: a
	// kind it needs min_count of).
	tierCaps := Table{Name: "rule_tier_capabilities", Columns: cols(
		"program_year", tText, "solution_area", tText, "tier_id", tText, "requirement", tText, "value", tText, "min_count", tInt)}
	benefits := Table{Name: "rule_benefits", Columns: cols("program_year", tText, "benefit_rank", tInt, "benefit", tText)}
	// condition: levels, business_models or designations (solution_area
	// set, value a tier); any row of a condition satisfies it.
	benefitValues := Table{Name: "rule_benefit_values", Columns: cols(
		"program_year", tText, "benefit", tText, "condition", tText, "solution_area", tText, "value", tText)}
	for _, y := range years {
		r := rb.Year(y.ID)
		for i, a := range r.SolutionAreas {
			areas.Rows = append(areas.Rows, []any{y.ID, i, a.ID})
			for _, s := range a.Solutions {
				solutions.Rows = append(solutions.Rows, []any{y.ID, a.ID, s})
			}
			for _, c := range a.Capabilities {
				capabilities.Rows = append(capabilities.Rows, []any{y.ID, a.ID, c.ID, c.Kind})
			}
			for j, t := range a.Tiers {
				tiers.Rows = append(tiers.Rows, []any{y.ID, a.ID, j, t.ID, t.MinCredits.String(), t.Badged})
				req := t.RequiredCapabilities
				for _, id := range req.AnyOf {
					tierCaps.Rows = append(tierCaps.Rows, []any{y.ID, a.ID, t.ID, "any_of", id, 1})
				}
				for _, id := range req.AllOf {
					tierCaps.Rows = append(tierCaps.Rows, []any{y.ID, a.ID, t.ID, "all_of", id, 1})
				}
				for kind, n := range sortedMap(req.Kinds) {
					tierCaps.Rows = append(tierCaps.Rows, []any{y.ID, a.ID, t.ID, "kind", kind, n})
				}
			}
		}
		for i, b := range r.Benefits {
			benefits.Rows = append(benefits.Rows, []any{y.ID, i, b.ID})
			for _, l := range b.Levels {
				benefitValues.Rows = append(benefitValues.Rows, []any{y.ID, b.ID, "levels", nil, l})
			}
			for _, bm := range b.BusinessModels {
				benefitValues.Rows = append(benefitValues.Rows, []any{y.ID, b.ID, "business_models", nil, bm})
			}
			for area, ts := range sortedMap(b.Designations) {
				for _, t := range ts {
					benefitValues.Rows = append(benefitValues.Rows, []any{y.ID, b.ID, "designations", area, t})
				}
			}
		}
	}
	return []Table{areas, solutions, capabilities, tiers, tierCaps, benefits, benefitValues}
}
