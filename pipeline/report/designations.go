package report

import (
	"fmt"
	"slices"
	"strings"

	"tally/pipeline/chart"
	"tally/pipeline/lake"
	"tally/pipeline/rulebook"
)

// designations adds one section per solution area (RULES.md section 14):
// the partners per tier in the latest snapshot, and the movers of the
// program year: every designation period that began in it (risen as
// earned, reinstated, lost with the partnership) or at its own audit.
// A snapshot without the designation tables (published by an older tally)
// or a rulebook without areas adds nothing.
func (b *builder) designations() error {
	if !b.now.HasTable("designations") || !b.now.HasTable("designation_history") {
		return nil
	}
	areas, names, err := b.areaList()
	if err != nil {
		return err
	}
	for _, area := range areas {
		if err := b.designationSection(area, names[area]); err != nil {
			return err
		}
	}
	return nil
}

// areaList is the rulebook's areas in its order with their names, or,
// without the rulebook, the areas found in the data in name order.
func (b *builder) areaList() ([]string, map[string]rulebook.SolutionArea, error) {
	names := map[string]rulebook.SolutionArea{}
	var areas []string
	if b.rb != nil {
		for _, a := range b.yearRules().SolutionAreas {
			areas = append(areas, a.ID)
			names[a.ID] = a
		}
		return areas, names, nil
	}
	r, err := b.query(`SELECT DISTINCT solution_area FROM designations
		UNION SELECT DISTINCT solution_area FROM designation_history ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	for _, row := range r.Rows {
		areas = append(areas, row[0].Text)
	}
	return areas, names, nil
}

// yearRules are the rules of the report's program year (its tiers), or of
// the rulebook when the year is unknown to it.
func (b *builder) yearRules() rulebook.Rules {
	if _, ok := b.rb.ProgramYear(b.r.ProgramYear); ok {
		return b.rb.Year(b.r.ProgramYear)
	}
	return b.rb.Rules
}

func (b *builder) designationSection(id string, area rulebook.SolutionArea) error {
	title := area.Name
	if title == "" {
		title = id
	}
	s := &Section{ID: "designations_" + id, Title: "Designations: " + title}
	order := area.TierIDs()
	if len(area.Solutions) > 0 {
		s.Notes = append(s.Notes, "Credits: the points of the bookings, OEM credits and influence awards of "+strings.Join(area.Solutions, ", ")+" in the program year to date.")
	}
	for _, t := range area.Tiers {
		needs := fmt.Sprintf("%s needs %s credits", t.ID, plainNumber(t.MinCredits))
		if !t.RequiredCapabilities.IsZero() {
			needs += ", " + t.RequiredCapabilities.String()
		}
		needs += " and good standing"
		if t.Badged {
			needs += " (badged)"
		}
		s.Notes = append(s.Notes, needs+".")
	}

	now, err := b.query(`SELECT tier, count(*) AS partners, bool_or(badged) AS badged
		FROM designations WHERE solution_area = ? AND tier IS NOT NULL GROUP BY tier`, id)
	if err != nil {
		return err
	}
	counts := map[string]string{}
	for _, row := range now.Rows {
		counts[row[0].Text] = row[1].Text
		if !slices.Contains(order, row[0].Text) {
			order = append(order, row[0].Text)
		}
	}
	s.Notes = append(s.Notes, fmt.Sprintf("Partners per tier: the latest snapshot, as of %s (program year %s).", b.r.AsOf, b.r.CurrentYear))

	movers, err := b.movers(id)
	if err != nil {
		return err
	}
	s.Table = fromResult(movers)
	rose, fell := map[string]int{}, map[string]int{}
	s.Table.Columns = append(slices.Clone(s.Table.Columns), "direction")
	s.Table.Kinds = append(s.Table.Kinds, Text)
	for i, row := range s.Table.Rows {
		from, to := row[movers.Index("from_tier")], row[movers.Index("tier")]
		d := tierDirection(order, from, to)
		s.Table.Rows[i] = append(row, d)
		switch d {
		case "up":
			rose[to]++
		case "down":
			fell[from]++
		}
	}

	s.Table.withNames(b.names)
	s.Empty = fmt.Sprintf("No partner's designation in %s changed in %s or at its audit.", title, b.r.ProgramYear)
	sum := Table{Columns: []string{"tier", "partners", "rose to it", "fell from it"}, Kinds: []Kind{Text, Count, Count, Count}}
	bc := chart.BarChart{Title: "Partners per tier, " + title, Series: []chart.Series{{Name: "now (" + b.r.AsOf + ")"}}}
	for _, t := range order {
		n := counts[t]
		if n == "" {
			n = "0"
		}
		sum.Rows = append(sum.Rows, []string{t, n, fmt.Sprint(rose[t]), fmt.Sprint(fell[t])})
		bc.Categories = append(bc.Categories, t)
		bc.Series[0].Values = append(bc.Series[0].Values, float(n))
	}
	s.Summary = &sum
	s.Chart = &bc
	b.add(s)
	return nil
}

// movers are the area's designation periods that began in the program
// year, other than the previous year's re-leveling, or on its own audit
// day; with the tier before each (none: empty).
func (b *builder) movers(area string) (*lake.Result, error) {
	q := `SELECT partner_id, valid_from AS changed_on, from_tier, tier, reason
		FROM (SELECT partner_id, solution_area, tier, valid_from, reason,
				lag(tier) OVER (PARTITION BY partner_id, solution_area ORDER BY valid_from) AS from_tier
			FROM designation_history)
		WHERE solution_area = ?`
	args := []any{area}
	if b.r.StartsOn != "" {
		q += ` AND ((valid_from BETWEEN ?::DATE AND ?::DATE AND reason NOT IN ('audit', 'migration', 'remediation'))
			OR valid_from = ?::DATE)`
		args = append(args, b.r.StartsOn, b.r.EndsOn, b.r.AuditOn)
	}
	return b.query(q+" ORDER BY changed_on, partner_id", args...)
}

// tierDirection: up or down in the area's tier order; a tier from none is
// up, to none down.
func tierDirection(order []string, from, to string) string {
	f, t := slices.Index(order, from), slices.Index(order, to)
	switch {
	case from == "" && to != "":
		return "up"
	case to == "" && from != "":
		return "down"
	case f < 0 || t < 0:
		return ""
	case t > f:
		return "up"
	case t < f:
		return "down"
	}
	return ""
}

// plainNumber is a rulebook number without trailing zeros: 500, 0.5.
func plainNumber(n rulebook.Number) string {
	return strings.TrimSuffix(strings.TrimRight(n.String(), "0"), ".")
}
