package rulebook

import (
	"slices"

	"tally/pipeline/date"
)

// Table is a small rule table: the rulebook as data for the SQL to join.
// Values are Go strings, ints, bools, nil, or text for dates and decimals
// (the DDL gives each column its type; values always travel as parameters).
type Table struct {
	Name    string
	Columns []Column
	Rows    [][]any
}

// Column is a rule table column and its DuckDB type.
type Column struct{ Name, Type string }

const (
	tText    = "VARCHAR"
	tDate    = "DATE"
	tInt     = "INTEGER"
	tBool    = "BOOLEAN"
	tDecimal = "DECIMAL(18,9)"
)

func cols(pairs ...string) []Column {
	out := make([]Column, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Column{pairs[i], pairs[i+1]})
	}
	return out
}

// Tables turns the rulebook into rule tables, one set of rows per program
// year after its overrides, so every point is computed with the rules of the
// year it is earned in. asOf is the snapshot date (run_params).
func (rb *Rulebook) Tables(asOf date.Date) []Table {
	years := Table{Name: "rule_years", Columns: cols(
		"program_year", tText, "year_rank", tInt, "starts_on", tDate, "ends_on", tDate, "audit_on", tDate,
		"points_per_usd", tDecimal, "cap_max_points", tDecimal,
		"influence_rate", tDecimal, "influence_window_years", tInt, "completion_claim_days", tInt)}
	mult := Table{Name: "rule_multipliers", Columns: cols(
		"program_year", tText, "multiplier_id", tText, "ord", tInt, "bonus", tDecimal, "emerging_market", tBool)}
	multValues := Table{Name: "rule_multiplier_values", Columns: cols(
		"program_year", tText, "multiplier_id", tText, "condition", tText, "value", tText)}
	capTypes := Table{Name: "rule_cap_license_types", Columns: cols("program_year", tText, "license_type", tText)}
	capExempt := Table{Name: "rule_cap_exempt_countries", Columns: cols("program_year", tText, "country", tText)}
	lifecycle := Table{Name: "rule_lifecycle_points", Columns: cols("program_year", tText, "activity", tText, "points", tDecimal)}
	capability := Table{Name: "rule_capability_points", Columns: cols("program_year", tText, "kind", tText, "points", tDecimal)}
	levels := Table{Name: "rule_levels", Columns: cols(
		"program_year", tText, "level_rank", tInt, "level_id", tText, "good_standing", tBool,
		"min_performance_points", tDecimal, "min_capability_points", tDecimal)}
	levelCaps := Table{Name: "rule_level_capabilities", Columns: cols("program_year", tText, "level_id", tText, "kind", tText, "min_count", tInt)}

	ordered := slices.Clone(rb.ProgramYears)
	slices.SortFunc(ordered, func(a, b ProgramYear) int { return int(a.StartsOn - b.StartsOn) })
	for rank, y := range ordered {
		r := rb.Year(y.ID)
		var capMax any
		if len(r.PerpetualCap.LicenseTypes) > 0 {
			capMax = r.PerpetualCap.MaxPoints.String()
		}
		years.Rows = append(years.Rows, []any{y.ID, rank, y.StartsOn.String(), y.EndsOn.String(), y.AuditOn.String(),
			r.PointsPerUSD.String(), capMax, r.Influence.Rate.String(), r.Influence.WindowYears, r.Influence.CompletionClaimDays})
		for i, m := range r.Multipliers {
			var em any
			if m.When.EmergingMarket != nil {
				em = *m.When.EmergingMarket
			}
			mult.Rows = append(mult.Rows, []any{y.ID, m.ID, i, m.Bonus.String(), em})
			for _, c := range []struct {
				name   string
				values []string
			}{
				{"license_types", m.When.LicenseTypes}, {"tags", m.When.Tags}, {"solutions", m.When.Solutions},
				{"countries", m.When.Countries}, {"business_models", m.When.BusinessModels}, {"program_years", m.When.ProgramYears},
			} {
				for _, v := range c.values {
					multValues.Rows = append(multValues.Rows, []any{y.ID, m.ID, c.name, v})
				}
			}
		}
		for _, lt := range r.PerpetualCap.LicenseTypes {
			capTypes.Rows = append(capTypes.Rows, []any{y.ID, lt})
		}
		for _, c := range r.PerpetualCap.ExemptCountries {
			capExempt.Rows = append(capExempt.Rows, []any{y.ID, c})
		}
		for a, p := range sortedMap(r.LifecyclePoints) {
			lifecycle.Rows = append(lifecycle.Rows, []any{y.ID, a, p.String()})
		}
		for k, p := range sortedMap(r.CapabilityPoints) {
			capability.Rows = append(capability.Rows, []any{y.ID, k, p.String()})
		}
		for i, l := range r.Levels {
			levels.Rows = append(levels.Rows, []any{y.ID, i, l.ID, l.GoodStanding, l.MinPerformancePoints.String(), l.MinCapabilityPoints.String()})
			for k, n := range sortedMap(l.RequiredCapabilities) {
				levelCaps.Rows = append(levelCaps.Rows, []any{y.ID, l.ID, k, n})
			}
		}
	}

	reqs := Table{Name: "rule_requirements", Columns: cols("requirement", tText)}
	for _, r := range rb.FoundationalRequirements {
		reqs.Rows = append(reqs.Rows, []any{r})
	}
	audit := Table{Name: "rule_audit", Columns: cols("remediation_days", tInt, "reenroll_days", tInt, "reenroll_fee_usd", tDecimal, "reenrollment_requirement", tText),
		Rows: [][]any{{rb.Audit.RemediationDays, rb.Audit.ReenrollDays, rb.Audit.ReenrollFeeUSD.String(), ReenrollmentFee}}}
	notify := Table{Name: "rule_notify", Columns: cols("kind", tText, "days_before", tInt)}
	for _, d := range rb.Audit.NotifyDaysBefore {
		notify.Rows = append(notify.Rows, []any{"audit", d})
	}
	for _, d := range rb.Renewal.NotifyDaysBefore {
		notify.Rows = append(notify.Rows, []any{"renewal", d})
	}
	migration := Table{Name: "rule_migration", Columns: cols("migrated_on", tDate, "based_on", tText)}
	protect := Table{Name: "rule_migration_protect", Columns: cols("legacy_level", tText, "level_id", tText)}
	if m := rb.Migration; m != nil {
		migration.Rows = append(migration.Rows, []any{m.On.String(), m.BasedOn})
		for legacy, level := range sortedMap(m.Protect) {
			protect.Rows = append(protect.Rows, []any{legacy, level})
		}
	}
	attribution := Table{Name: "rule_attribution", Columns: cols("ord", tInt, "business_model", tText, "emerging_market", tBool)}
	attributionValues := Table{Name: "rule_attribution_values", Columns: cols("ord", tInt, "condition", tText, "value", tText)}
	for i, a := range rb.BusinessModelAttribution {
		var em any
		if a.When.EmergingMarket != nil {
			em = *a.When.EmergingMarket
		}
		attribution.Rows = append(attribution.Rows, []any{i, a.BusinessModel, em})
		for _, c := range []struct {
			name   string
			values []string
		}{
			{"sources", a.When.Sources}, {"license_types", a.When.LicenseTypes}, {"tags", a.When.Tags},
			{"solutions", a.When.Solutions}, {"countries", a.When.Countries}, {"program_years", a.When.ProgramYears},
		} {
			for _, v := range c.values {
				attributionValues.Rows = append(attributionValues.Rows, []any{i, c.name, v})
			}
		}
	}
	params := Table{Name: "run_params", Columns: cols("as_of", tDate), Rows: [][]any{{asOf.String()}}}
	return append([]Table{years, mult, multValues, capTypes, capExempt, lifecycle, capability, levels, levelCaps, reqs, audit, notify,
		migration, protect, attribution, attributionValues, params}, rb.designationTables(ordered)...)
}
