package report

import (
	"fmt"
	"math"
	"slices"

	"tally/pipeline/chart"
	"tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// The point sections: every figure is a sum of points_ledger rows of the
// report's program year earned on or before the snapshot's as_of. TCV is
// summed over base rows only (the contract puts tcv_usd on base rows, so a
// multiplier, cap or termination row never counts a booking twice); where
// a section speaks of "TCV booked" it is the base rows of bookings and OEM
// credits, since an influence award's base row repeats the TCV of a
// booking another partner transacted. Each row's TCV is rounded to cents before
// it is summed, as points are, so that every table adds up to the same
// total.

// sourceOrderSQL orders the ledger's sources as the contract lists them.
const sourceOrderSQL = "list_position(['booking', 'oem_credit', 'lifecycle', 'influence'], source) NULLS LAST, source"

func (b *builder) pointsBySource() error {
	s := &Section{ID: "points_by_source", Title: "Points by source"}
	r, err := b.query(`SELECT source, count(*) AS ledger_rows,
			count(*) FILTER (WHERE component = 'base') AS base_rows,
			sum(round(tcv_usd, 2)) FILTER (WHERE component = 'base')::DECIMAL(38,2) AS tcv_usd,
			sum(points) AS points
		FROM points_ledger WHERE program_year = ? GROUP BY source ORDER BY `+sourceOrderSQL, b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Table.setKind(Money, "tcv_usd")
	s.Notes = append(s.Notes, fmt.Sprintf("Every ledger row of %s earned on or before %s, net of multipliers, the cap and terminations.", b.r.ProgramYear, b.r.AsOf),
		"tcv_usd: the sum over base rows only; an influence award's TCV is the influenced booking's, which its transacting partner's booking row counts too.")
	s.Empty = b.noPoints()
	s.Chart = barChart("Points by source", s.Table, 0, "points", 0)
	b.add(s)
	return nil
}

// groupedPoints is the query of a "points by X" section: key is the
// grouping expression (named), from joins what it needs to the ledger l.
func groupedPoints(key, from string) string {
	return `SELECT ` + key + `, count(DISTINCT l.partner_id) AS partners,
			coalesce(sum(round(l.tcv_usd, 2)) FILTER (WHERE l.component = 'base' AND l.source IN ('booking', 'oem_credit')), 0)::DECIMAL(38,2) AS tcv_booked_usd,
			coalesce(sum(l.points) FILTER (WHERE l.source IN ('booking', 'oem_credit')), 0) AS booking_points,
			coalesce(sum(l.points) FILTER (WHERE l.source = 'lifecycle'), 0) AS lifecycle_points,
			coalesce(sum(l.points) FILTER (WHERE l.source = 'influence'), 0) AS influence_points,
			sum(l.points) AS points
		FROM points_ledger l ` + from + `
		WHERE l.program_year = ? GROUP BY 1 ORDER BY points DESC, 1`
}

const groupedNote = "booking_points include OEM credits, multipliers, the cap and terminations; tcv_booked_usd is the TCV of base rows of bookings and OEM credits."

func (b *builder) grouped(s *Section, key, from string) error {
	r, err := b.query(groupedPoints(key, from), b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Table.setKind(Money, "tcv_booked_usd")
	s.Notes = append(s.Notes, groupedNote)
	s.Empty = b.noPoints()
	s.Chart = barChart(s.Title, s.Table, 0, "points", chartBars)
	b.add(s)
	return nil
}

// chartBars is how many categories a "points by X" chart shows (the
// largest); the table lists them all.
const chartBars = 15

// pointsByBusinessModel: RULES.md section 12, each ledger row's business
// model as the rules attributed it.
func (b *builder) pointsByBusinessModel() error {
	s := &Section{ID: "points_by_business_model", Title: "Points by business model"}
	s.Notes = append(s.Notes, "Each ledger row's business_model (RULES.md section 12: the first attribution rule that holds and whose business model the partner is registered in on the day; unattributed otherwise). Levels use the roll-up of all of them.")
	return b.grouped(s, "coalesce(l.business_model, 'unattributed') AS business_model", "")
}

// pointsByCountry: by the partner's country, from the snapshot's inputs.
func (b *builder) pointsByCountry() error {
	s := &Section{ID: "points_by_country", Title: "Points by country"}
	if b.names == nil {
		return b.withoutInputs(s, "country")
	}
	s.Notes = append(s.Notes, "The partner's country (partners.country in the inputs of the run that published the snapshot).")
	return b.grouped(s, "coalesce(p.country, '(unknown)') AS country", "LEFT JOIN raw.partners p ON p.partner_id = l.partner_id")
}

// pointsBySolution: by the solution of the booking or OEM credit behind
// each row (an influence award's: the influenced booking's); lifecycle
// claims name no solution.
func (b *builder) pointsBySolution() error {
	s := &Section{ID: "points_by_solution", Title: "Points by solution"}
	if !b.now.HasInput("bookings") {
		return b.withoutInputs(s, "solution")
	}
	events := "SELECT 'booking' AS kind, booking_id AS id, solution FROM raw.bookings"
	if b.now.HasInput("oem_credits") {
		events += " UNION ALL SELECT 'oem_credit', credit_id, solution FROM raw.oem_credits"
	}
	s.Notes = append(s.Notes, "The solution of the booking or OEM credit a row comes from (an influence award: the influenced booking's); lifecycle claims name no solution.")
	return b.grouped(s, `coalesce(e.solution, CASE WHEN l.source = 'lifecycle' THEN '(lifecycle claims)' ELSE '(unknown)' END) AS solution`,
		`LEFT JOIN (`+events+`) e ON l.source <> 'lifecycle'
			AND e.kind = CASE l.source WHEN 'oem_credit' THEN 'oem_credit' ELSE 'booking' END AND e.id = l.source_id`)
}

func (b *builder) withoutInputs(s *Section, key string) error {
	s.Table = Table{Columns: []string{key, "partners", "tcv_booked_usd", "booking_points", "lifecycle_points", "influence_points", "points"},
		Kinds: []Kind{Text, Count, Money, Points, Points, Points, Points}}
	s.Empty = fmt.Sprintf("Not shown: %s, and the %s is there.", b.noInput, key)
	if b.noInput == "" {
		s.Empty = fmt.Sprintf("Not shown: the inputs of the run that published the snapshot as of %s have no table that names the %s.", b.r.AsOf, key)
	}
	b.add(s)
	return nil
}

// noPoints says why a points section of the year is empty.
func (b *builder) noPoints() string {
	switch {
	case b.r.StartsOn != "" && b.r.AsOf < b.r.StartsOn:
		return fmt.Sprintf("No points yet: %s starts on %s, after the snapshot's as_of %s.", b.r.ProgramYear, b.r.StartsOn, b.r.AsOf)
	}
	return fmt.Sprintf("No ledger row of %s was earned on or before %s.", b.r.ProgramYear, b.r.AsOf)
}

// barChart draws one bar per row of t (at most max, 0 for all): the label
// of column label, the value of the named column.
func barChart(title string, t Table, label int, value string, max int) *chart.BarChart {
	v := slices.Index(t.Columns, value)
	bc := &chart.BarChart{Title: title, Series: []chart.Series{{Name: value}}}
	for i, row := range t.Rows {
		if max > 0 && i == max {
			bc.Title += fmt.Sprintf(" (the %d largest)", max)
			break
		}
		bc.Categories = append(bc.Categories, row[label])
		bc.Series[0].Values = append(bc.Series[0].Values, float(row[v]))
	}
	return bc
}

func (b *builder) pointsByMonth() error {
	s := &Section{ID: "points_by_month", Title: "Points by month"}
	r, err := b.query(`SELECT strftime(earned_on, '%Y-%m') AS month, source, count(*) AS ledger_rows, sum(points) AS points
		FROM points_ledger WHERE program_year = ? GROUP BY month, source ORDER BY month, `+sourceOrderSQL, b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Notes = append(s.Notes, "By the month of earned_on; a vendor termination counts in the month it happened, in the year of its booking.")
	s.Empty = b.noPoints()
	var months, sources []string
	for _, row := range s.Table.Rows {
		if !slices.Contains(months, row[0]) {
			months = append(months, row[0])
		}
		if !slices.Contains(sources, row[1]) {
			sources = append(sources, row[1])
		}
	}
	bc := chart.BarChart{Title: "Points by month and source", Categories: months, Stacked: true}
	for _, src := range sources {
		ser := chart.Series{Name: src, Values: make([]float64, len(months))}
		for _, row := range s.Table.Rows {
			if row[1] == src {
				ser.Values[slices.Index(months, row[0])] += float(row[3])
			}
		}
		bc.Series = append(bc.Series, ser)
	}
	s.Chart = &bc
	b.add(s)
	return nil
}

func (b *builder) components() error {
	s := &Section{ID: "multipliers_and_cap", Title: "What multipliers added and the cap removed"}
	r, err := b.query(`SELECT * FROM (
			SELECT component, coalesce(rule_id, '') AS rule_id, count(*) AS ledger_rows, sum(points) AS points
			FROM points_ledger WHERE program_year = ? AND source IN ('booking', 'oem_credit') GROUP BY 1, 2)
		ORDER BY list_position(['base', 'multiplier', 'perpetual_cap', 'vendor_termination', 'cap_release'], component) NULLS LAST, component, rule_id`, b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Notes = append(s.Notes, "Booking and OEM credit points by ledger component: the base, each multiplier rule, the perpetual cap, vendor terminations and the cap room they release.")
	s.Empty = fmt.Sprintf("No booking or OEM credit of %s earned points on or before %s.", b.r.ProgramYear, b.r.AsOf)
	bc := chart.BarChart{Title: "Points by component", Series: []chart.Series{{Name: "points"}}}
	for _, row := range s.Table.Rows {
		label := row[0]
		if row[1] != "" {
			label = row[1] // a multiplier's rule id
		}
		bc.Categories = append(bc.Categories, label)
		bc.Series[0].Values = append(bc.Series[0].Values, float(row[3]))
	}
	s.Chart = &bc
	b.add(s)
	return nil
}

func (b *builder) influence() error {
	s := &Section{ID: "influence", Title: "Influence points and the claims behind them"}
	r, err := b.query(`SELECT partner_id, rule_id AS claim_id,
			count(DISTINCT source_id) AS bookings,
			string_agg(DISTINCT source_id, '; ' ORDER BY source_id) AS booking_ids,
			coalesce(sum(round(tcv_usd, 2)) FILTER (WHERE component = 'base'), 0)::DECIMAL(38,2) AS tcv_usd,
			coalesce(sum(points) FILTER (WHERE component = 'base'), 0) AS awarded,
			coalesce(sum(points) FILTER (WHERE component <> 'base'), 0) AS reversed,
			sum(points) AS points
		FROM points_ledger WHERE program_year = ? AND source = 'influence'
		GROUP BY partner_id, rule_id ORDER BY partner_id, claim_id`, b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Table.setKind(Money, "tcv_usd")
	s.Notes = append(s.Notes, "One row per influence claim that earned points in the year: the bookings it influenced, the points awarded and any reversed by a vendor termination.")
	s.Empty = fmt.Sprintf("No influence claim earned points in %s up to %s.", b.r.ProgramYear, b.r.AsOf)
	sum, err := b.query(`SELECT count(DISTINCT partner_id) AS partners, count(DISTINCT rule_id) AS claims,
			count(DISTINCT source_id) AS bookings, coalesce(sum(points), 0) AS points
		FROM points_ledger WHERE program_year = ? AND source = 'influence'`, b.r.ProgramYear)
	if err != nil {
		return err
	}
	if len(s.Table.Rows) > 0 {
		t := fromResult(sum)
		s.Summary = &t
	}
	s.Table.withNames(b.names)
	b.add(s)
	return nil
}

// The rows of the year-over-year section, by metric id (the CSV's metric
// column) and what the page calls it.
var yoyMetrics = []struct{ id, title string }{
	{"points", "points"},
	{"booking_points", "booking points"},
	{"oem_credit_points", "OEM credit points"},
	{"lifecycle_points", "lifecycle points"},
	{"influence_points", "influence points"},
	{"tcv_booked_usd", "TCV booked (USD)"},
	{"bookings", "bookings that earned points"},
	{"partners_earning", "partners that earned points"},
}

// yearOverYear compares the year to date with the previous program year
// up to the same day of that year: the same number of days after its
// first day (program years are fiscal years of about 52 weeks, so the
// same calendar date would fall on another week of the year). Both come
// from the snapshot's ledger, rows earned up to each day, so the previous
// year is as it stood on that day but for later facts dated before it (a
// late booking).
func (b *builder) yearOverYear() error {
	s := &Section{ID: "year_over_year", Title: "This year against the previous year at the same day"}
	s.Table = Table{Columns: []string{"metric", "this_year", "previous_year", "change", "change_percent"},
		Kinds: []Kind{Text, ByRow, ByRow, ByRow, Percent}}
	defer b.add(s)
	if b.rb == nil {
		s.Empty = "Not shown: the program years' dates are in the rulebook, and the snapshot holds no rulebook that loads."
		return nil
	}
	y, _ := b.rb.ProgramYear(b.r.ProgramYear)
	var prev *rulebook.ProgramYear
	for i, p := range b.rb.ProgramYears {
		if p.StartsOn < y.StartsOn && (prev == nil || p.StartsOn > prev.StartsOn) {
			prev = &b.rb.ProgramYears[i]
		}
	}
	asOf := date.MustParse(b.r.AsOf)
	switch {
	case prev == nil:
		s.Empty = fmt.Sprintf("Not shown: the rulebook has no program year before %s.", y.ID)
		return nil
	case asOf < y.StartsOn:
		s.Empty = fmt.Sprintf("Not shown: %s starts on %s, after the snapshot's as_of %s.", y.ID, y.StartsOn, b.r.AsOf)
		return nil
	}
	day := min(asOf, y.EndsOn)
	prevDay := min(prev.StartsOn.AddDays(int(day-y.StartsOn)), prev.EndsOn)
	s.Notes = append(s.Notes, fmt.Sprintf("This year: %s from %s to %s (day %d). Previous year: %s from %s to %s, the same day of its year.",
		y.ID, y.StartsOn, day, int(day-y.StartsOn)+1, prev.ID, prev.StartsOn, prevDay),
		"Both from this snapshot's ledger: the rows of each year earned up to its day.")
	r, err := b.query(`SELECT program_year,
			coalesce(sum(points), 0)::DECIMAL(38,2) AS points,
			coalesce(sum(points) FILTER (WHERE source = 'booking'), 0)::DECIMAL(38,2),
			coalesce(sum(points) FILTER (WHERE source = 'oem_credit'), 0)::DECIMAL(38,2),
			coalesce(sum(points) FILTER (WHERE source = 'lifecycle'), 0)::DECIMAL(38,2),
			coalesce(sum(points) FILTER (WHERE source = 'influence'), 0)::DECIMAL(38,2),
			coalesce(sum(round(tcv_usd, 2)) FILTER (WHERE component = 'base' AND source IN ('booking', 'oem_credit')), 0)::DECIMAL(38,2),
			count(DISTINCT source_id) FILTER (WHERE component = 'base' AND source = 'booking'),
			count(DISTINCT partner_id)
		FROM points_ledger
		WHERE (program_year = ? AND earned_on <= ?::DATE) OR (program_year = ? AND earned_on <= ?::DATE)
		GROUP BY program_year`, y.ID, day.String(), prev.ID, prevDay.String())
	if err != nil {
		return err
	}
	values := map[string][]string{}
	for _, row := range r.Rows {
		for _, v := range row[1:] {
			values[row[0].Text] = append(values[row[0].Text], v.Text)
		}
	}
	s.Table.RowKinds = make([]Kind, len(yoyMetrics))
	for i, m := range yoyMetrics {
		kind := Points
		switch m.id {
		case "tcv_booked_usd":
			kind = Money
		case "bookings", "partners_earning":
			kind = Count
		}
		s.Table.RowKinds[i] = kind
		this, last := valueAt(values[y.ID], i, kind), valueAt(values[prev.ID], i, kind)
		s.Table.Rows = append(s.Table.Rows, []string{m.id, this, last, difference(this, last, kind), percentChange(this, last)})
	}
	bc := chart.BarChart{Title: "Points by source: this year and the previous year at the same day",
		Categories: []string{"booking", "oem_credit", "lifecycle", "influence"},
		Series:     []chart.Series{{Name: y.ID + " to " + day.String()}, {Name: prev.ID + " to " + prevDay.String()}}}
	for i := 1; i <= 4; i++ {
		bc.Series[0].Values = append(bc.Series[0].Values, float(s.Table.Rows[i][1]))
		bc.Series[1].Values = append(bc.Series[1].Values, float(s.Table.Rows[i][2]))
	}
	s.Chart = &bc
	return nil
}

// valueAt is the i-th figure of a year's row, zero when the year has none.
func valueAt(row []string, i int, k Kind) string {
	if i < len(row) {
		return row[i]
	}
	if k == Count {
		return "0"
	}
	return "0.00"
}

// difference is this - last for two figures of a kind.
func difference(this, last string, k Kind) string {
	a, okA := points(this)
	c, okC := points(last)
	if !okA || !okC {
		return ""
	}
	if k == Count {
		return fmt.Sprint((a - c) / 100)
	}
	return formatPoints(a - c)
}

// percentChange is the change from last to this in percent, one decimal;
// "" when last is zero.
func percentChange(this, last string) string {
	a, okA := points(this)
	c, okC := points(last)
	if !okA || !okC || c == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", float64(a-c)*100/math.Abs(float64(c)))
}
