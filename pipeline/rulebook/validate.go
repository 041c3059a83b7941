package rulebook

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// validator records the first problem it finds, with the line of the key.
type validator struct {
	file string
	root *yaml.Node
	rb   *Rulebook
	err  error
}

func (v *validator) fail(line int, key, format string, a ...any) {
	if v.err == nil {
		v.err = &Error{File: v.file, Line: line, Key: key, Msg: fmt.Sprintf(format, a...)}
	}
}

// line is the line of a dotted key ("perpetual_cap.max_points"), or of the
// deepest part of it that is present, or 1.
func (v *validator) line(key string) int {
	n, line := v.root, 1
	for _, part := range strings.Split(key, ".") {
		found := false
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

func (v *validator) rulebook() {
	rb := v.rb
	if len(rb.LicenseTypes) == 0 {
		v.fail(v.line("license_types"), "license_types", "at least one license type is required")
	}
	if d := firstDuplicate(rb.LicenseTypes); d != "" {
		v.fail(v.line("license_types"), "license_types", "%q is listed twice", d)
	}
	if len(rb.ProgramYears) == 0 {
		v.fail(v.line("program_years"), "program_years", "at least one program year is required")
	}
	seen := map[string]bool{}
	for i, y := range rb.ProgramYears {
		key := fmt.Sprintf("program_years[%d]", i)
		switch {
		case y.ID == "":
			v.fail(y.Line, key+".id", "a program year needs an id")
		case seen[y.ID]:
			v.fail(y.Line, key+".id", "%s is listed twice", y.ID)
		case y.StartsOn == 0 || y.EndsOn == 0 || y.AuditOn == 0:
			v.fail(y.Line, key, "%s needs starts_on, ends_on and audit_on", y.ID)
		case y.EndsOn < y.StartsOn:
			v.fail(y.Line, key+".ends_on", "%s ends on %s, before it starts on %s", y.ID, y.EndsOn, y.StartsOn)
		case y.AuditOn <= y.EndsOn:
			v.fail(y.Line, key+".audit_on", "%s is audited on %s, not after it ends on %s", y.ID, y.AuditOn, y.EndsOn)
		}
		seen[y.ID] = true
	}
	years := slices.Clone(rb.ProgramYears)
	sort.SliceStable(years, func(i, j int) bool { return years[i].StartsOn < years[j].StartsOn })
	for i := 1; i < len(years); i++ {
		a, b := years[i-1], years[i]
		if b.StartsOn <= a.EndsOn {
			v.fail(b.Line, "program_years", "%s (%s .. %s) overlaps %s (%s .. %s)", b.ID, b.StartsOn, b.EndsOn, a.ID, a.StartsOn, a.EndsOn)
		}
	}
	if len(rb.Levels) < 2 {
		v.fail(v.line("levels"), "levels", "at least two levels are required (the lowest, and the one partners are sent to for remediation)")
	}
	if len(rb.Levels) > MaxLevels {
		v.fail(v.line("levels"), "levels", "%d levels: at most %d are allowed", len(rb.Levels), MaxLevels)
	}
	if d := firstDuplicate(rb.FoundationalRequirements); d != "" {
		v.fail(v.line("foundational_requirements"), "foundational_requirements", "%q is listed twice", d)
	}
	a := rb.Audit
	if a.RemediationDays < 0 || a.ReenrollDays < 0 {
		v.fail(v.line("audit"), "audit", "remediation_days and reenroll_days must not be negative")
	}
	if a.ReenrollFeeUSD.Scaled < 0 {
		v.fail(v.line("audit"), "audit.reenroll_fee_usd", "must not be negative")
	}
	v.days(v.line("audit"), "audit.notify_days_before", a.NotifyDaysBefore)
	v.days(v.line("renewal"), "renewal.notify_days_before", rb.Renewal.NotifyDaysBefore)
	v.rules(rb.Rules, "", 0)
	for i, a := range rb.BusinessModelAttribution {
		key := fmt.Sprintf("business_model_attribution[%d]", i)
		w := a.When
		switch {
		case !slices.Contains(BusinessModels, a.BusinessModel):
			v.fail(a.Line, key+".business_model", "%q is not a business model %v", a.BusinessModel, BusinessModels)
		case len(w.BusinessModels) > 0:
			v.fail(a.Line, key+".when.business_models", "an attribution names its business model in business_model, not in when")
		}
		for _, s := range w.Sources {
			if !slices.Contains(Sources, s) {
				v.fail(a.Line, key+".when.sources", "%q is not a source %v", s, Sources)
			}
		}
		for _, lt := range w.LicenseTypes {
			if !slices.Contains(rb.LicenseTypes, lt) {
				v.fail(a.Line, key+".when.license_types", "%q is not one of license_types %v", lt, rb.LicenseTypes)
			}
		}
		for _, y := range w.ProgramYears {
			if !seen[y] {
				v.fail(a.Line, key+".when.program_years", "%q is not a program year", y)
			}
		}
	}
	if m := rb.Migration; m != nil {
		if m.On == 0 {
			v.fail(m.Line, "migration.on", "the migration needs a date")
		}
		if !seen[m.BasedOn] {
			v.fail(m.Line, "migration.based_on", "%q is not a program year", m.BasedOn)
		}
		for legacy, level := range sortedMap(m.Protect) {
			if !slices.Contains(rb.LevelIDs(), level) {
				v.fail(m.Line, "migration.protect."+legacy, "%q is not a level", level)
			}
		}
	}
}

func (v *validator) days(line int, key string, days []int) {
	for _, d := range days {
		if d < 0 {
			v.fail(line, key, "%d: days must not be negative", d)
		}
	}
}

// rules checks the parameters of the rulebook (prefix "") or of a program
// year after its overrides (prefix names the year, line is the year's).
func (v *validator) rules(r Rules, prefix string, line int) {
	at := func(key string) (int, string) {
		if prefix == "" {
			return v.line(key), key
		}
		return line, prefix + "." + key
	}
	if !r.PointsPerUSD.IsSet() || r.PointsPerUSD.Scaled <= 0 {
		l, k := at("points_per_usd")
		v.fail(l, k, "must be a positive number")
	}
	known := func(list []string, key string, allowed []string, what string) {
		for _, s := range list {
			if !slices.Contains(allowed, s) {
				l, k := at(key)
				v.fail(l, k, "%q is not a known %s", s, what)
			}
		}
	}
	ids := map[string]bool{}
	for i, m := range r.Multipliers {
		key := fmt.Sprintf("multipliers[%d]", i)
		l, k := at(key)
		if prefix == "" && m.Line > 0 {
			l = m.Line
		}
		switch {
		case m.ID == "":
			v.fail(l, k+".id", "a multiplier needs an id")
		case ids[m.ID]:
			v.fail(l, k+".id", "%s is listed twice", m.ID)
		case !m.Bonus.IsSet() || m.Bonus.Scaled < 0:
			v.fail(l, k+".bonus", "%s needs a bonus of 0 or more", m.ID)
		}
		ids[m.ID] = true
		for _, lt := range m.When.LicenseTypes {
			if !slices.Contains(v.rb.LicenseTypes, lt) {
				v.fail(l, k+".when.license_types", "%q is not one of license_types %v", lt, v.rb.LicenseTypes)
			}
		}
		for _, bm := range m.When.BusinessModels {
			if !slices.Contains(BusinessModels, bm) {
				v.fail(l, k+".when.business_models", "%q is not a business model %v", bm, BusinessModels)
			}
		}
		for _, y := range m.When.ProgramYears {
			if _, ok := v.rb.ProgramYear(y); !ok {
				v.fail(l, k+".when.program_years", "%q is not a program year", y)
			}
		}
	}
	known(r.PerpetualCap.LicenseTypes, "perpetual_cap.license_types", v.rb.LicenseTypes, "license type (license_types)")
	if r.PerpetualCap.MaxPoints.Scaled < 0 {
		l, k := at("perpetual_cap.max_points")
		v.fail(l, k, "must not be negative")
	}
	if len(r.PerpetualCap.LicenseTypes) > 0 && !r.PerpetualCap.MaxPoints.IsSet() {
		l, k := at("perpetual_cap.max_points")
		v.fail(l, k, "a cap on license types needs max_points")
	}
	for activity, p := range sortedMap(r.LifecyclePoints) {
		if p.Scaled < 0 {
			l, k := at("lifecycle_points." + activity)
			v.fail(l, k, "must not be negative")
		}
	}
	for kind, p := range sortedMap(r.CapabilityPoints) {
		if !slices.Contains(CapabilityKinds, kind) {
			l, k := at("capability_points." + kind)
			v.fail(l, k, "%q is not a capability kind %v", kind, CapabilityKinds)
		}
		if p.Scaled < 0 {
			l, k := at("capability_points." + kind)
			v.fail(l, k, "must not be negative")
		}
	}
	if in := r.Influence; in.Rate.Scaled < 0 || in.WindowYears < 0 || in.CompletionClaimDays < 0 {
		l, k := at("influence")
		v.fail(l, k, "rate, window_years and completion_claim_days must not be negative")
	}
	v.levels(r.Levels, at, prefix == "")
	v.designations(r, at, prefix == "")
}

func (v *validator) levels(levels []Level, at func(string) (int, string), own bool) {
	ids := map[string]bool{}
	for i, l := range levels {
		line, key := at(fmt.Sprintf("levels[%d]", i))
		if own && l.Line > 0 {
			line = l.Line
		}
		switch {
		case l.ID == "":
			v.fail(line, key+".id", "a level needs an id")
		case l.ID == Terminated:
			v.fail(line, key+".id", "%q is reserved for ended partnerships", Terminated)
		case ids[l.ID]:
			v.fail(line, key+".id", "%s is listed twice", l.ID)
		case l.MinPerformancePoints.Scaled < 0 || l.MinCapabilityPoints.Scaled < 0:
			v.fail(line, key, "%s: thresholds must not be negative", l.ID)
		}
		ids[l.ID] = true
		for kind, n := range sortedMap(l.RequiredCapabilities) {
			if !slices.Contains(CapabilityKinds, kind) {
				v.fail(line, key+".required_capabilities."+kind, "%q is not a capability kind %v", kind, CapabilityKinds)
			}
			if n < 1 {
				v.fail(line, key+".required_capabilities."+kind, "the count must be at least 1")
			}
		}
		if i == 0 && (l.GoodStanding || l.MinPerformancePoints.Scaled > 0 || l.MinCapabilityPoints.Scaled > 0 || len(l.RequiredCapabilities) > 0) {
			v.fail(line, key, "%s is the lowest level: every enrolled partner earns it, so it can require nothing", l.ID)
		}
		if i > 0 {
			p := levels[i-1]
			if l.MinPerformancePoints.Scaled < p.MinPerformancePoints.Scaled || l.MinCapabilityPoints.Scaled < p.MinCapabilityPoints.Scaled {
				v.fail(line, key, "levels out of order: %s needs fewer points than %s below it", l.ID, p.ID)
			}
		}
	}
}

func firstDuplicate(list []string) string {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return s
		}
		seen[s] = true
	}
	return ""
}

// sortedMap iterates a map in key order, so the first error is stable.
func sortedMap[V any](m map[string]V) func(func(string, V) bool) {
	return func(yield func(string, V) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
