package report

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"tally/pipeline/lake"
	"tally/pipeline/rulebook"
)

// Explanation is why a partner has its points and level on a snapshot's
// as_of: its partner_levels row, its ledger by program year and source
// (and by business model), the check that the ledger adds up to
// partner_levels, its denials, the thresholds of its level and the next,
// the capabilities each level requires against those the partner holds,
// and its level history.
type Explanation struct {
	PartnerID   string       `json:"partner_id"`
	AsOf        string       `json:"as_of"`
	ProgramYear string       `json:"program_year"`
	Snapshot    string       `json:"snapshot"`
	Levels      []Field      `json:"partner_levels"`
	Ledger      []YearLedger `json:"ledger"` // the year of as_of first, then older years, newest first
	Totals      []Total      `json:"totals"` // the year of as_of: ledger subtotals against partner_levels
	Denials     []Denial     `json:"denials"`
	Thresholds  []Threshold  `json:"thresholds,omitempty"`
	// Capabilities the partner holds on as_of, by kind (from the
	// snapshot's inputs); nil when they are not in the lake.
	Capabilities map[string][]string `json:"capabilities"`
	Required     []LevelCapabilities `json:"required_capabilities,omitempty"` // every level of the year, lowest first
	History      []LevelPeriod       `json:"level_history"`
	Audits       []map[string]any    `json:"audits"`
	Migration    []map[string]any    `json:"migration"`
	Notes        []string            `json:"notes,omitempty"`
	// RULES.md sections 14 and 15 (explain_designations.go).
	Designations   []Designation     `json:"designations,omitempty"`
	Benefits       []HeldBenefit     `json:"benefits,omitempty"`
	BenefitChanges []BenefitChange   `json:"benefit_changes,omitempty"`
	fields         map[string]string // partner_levels by column
}

// Field is one column of the partner's partner_levels row; Value is nil
// for null.
type Field struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// YearLedger is the partner's ledger rows of one program year by source,
// and their points by business model (RULES.md section 12).
type YearLedger struct {
	ProgramYear    string        `json:"program_year"`
	Sources        []SourceGroup `json:"sources"`
	BusinessModels []ModelPoints `json:"business_models"`
	Points         string        `json:"points"`
}

// ModelPoints is the points of one business model in a year.
type ModelPoints struct {
	BusinessModel string `json:"business_model"`
	Points        string `json:"points"`
}

// LevelCapabilities is what capabilities a level requires (count per kind,
// from the rulebook of the year) and whether the partner holds them.
type LevelCapabilities struct {
	Level    string         `json:"level"`
	Required map[string]int `json:"required"`
	Met      *bool          `json:"met,omitempty"` // nil when the partner's capabilities are unknown
}

// SourceGroup is the ledger rows of one source and their sum.
type SourceGroup struct {
	Source   string      `json:"source"`
	Rows     []LedgerRow `json:"rows"`
	Subtotal string      `json:"subtotal"`
}

// LedgerRow is one points_ledger row.
type LedgerRow struct {
	EarnedOn  string `json:"earned_on"`
	SourceID  string `json:"source_id"`
	Component string `json:"component"`
	RuleID    string `json:"rule_id,omitempty"`
	TCVUSD    string `json:"tcv_usd,omitempty"`
	Points    string `json:"points"`
}

// Total compares a partner_levels column with the ledger rows it sums.
type Total struct {
	Column        string   `json:"column"`
	Sources       []string `json:"sources"`
	Ledger        string   `json:"ledger"`
	PartnerLevels string   `json:"partner_levels"`
	Equal         bool     `json:"equal"`
}

// Denial is an event of the partner that earned nothing.
type Denial struct {
	Source   string `json:"source"`
	SourceID string `json:"source_id"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
}

// Threshold is what a level asks (from the rulebook of the year) against
// the partner's figures.
type Threshold struct {
	Role                 string         `json:"role"` // current or next
	Level                string         `json:"level"`
	GoodStanding         bool           `json:"good_standing"`
	MinPerformancePoints string         `json:"min_performance_points"`
	MinCapabilityPoints  string         `json:"min_capability_points"`
	RequiredCapabilities map[string]int `json:"required_capabilities,omitempty"`
	PerformanceShort     string         `json:"performance_short"` // 0.00 when met
	CapabilityShort      string         `json:"capability_short"`
	StandingMet          *bool          `json:"good_standing_met,omitempty"`
	CapabilitiesMet      *bool          `json:"required_capabilities_met,omitempty"`
}

// LevelPeriod is one level_history row.
type LevelPeriod struct {
	Level     string `json:"level"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to,omitempty"`
	Reason    string `json:"reason"`
}

// sourceOrder is the order sources are shown in, and which
// partner_levels column each one adds to.
var sourceOrder = []string{"booking", "oem_credit", "lifecycle", "influence"}

var columnSources = []struct {
	column  string
	sources []string
}{
	{"booking_points", []string{"booking", "oem_credit"}},
	{"lifecycle_points", []string{"lifecycle"}},
	{"influence_points", []string{"influence"}},
}

// Explain reads everything the snapshot holds about one partner. A partner
// with no partner_levels row is ErrUnknownPartner.
func Explain(ctx context.Context, s *lake.Snapshot, partnerID string) (*Explanation, error) {
	e := &Explanation{PartnerID: partnerID, AsOf: s.AsOf, Snapshot: s.Dir, fields: map[string]string{}}
	r, err := s.Query(ctx, "SELECT * FROM partner_levels WHERE partner_id = ?", partnerID)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	if len(r.Rows) == 0 {
		return nil, fmt.Errorf("explain: partner %q has no row in partner_levels of the snapshot as of %s (not in partners, or enrolled after it): %w",
			partnerID, s.AsOf, ErrUnknownPartner)
	}
	for i, c := range r.Columns {
		v := r.Rows[0][i]
		f := Field{Name: c.Name}
		if !v.Null {
			f.Value = &v.Text
		}
		e.Levels = append(e.Levels, f)
		e.fields[c.Name] = v.Text
	}
	e.ProgramYear = e.fields["program_year"]

	if err := e.ledger(ctx, s); err != nil {
		return nil, err
	}
	d, err := s.Query(ctx, "SELECT source, source_id, reason, coalesce(detail, '') FROM denials WHERE partner_id = ? ORDER BY source, source_id, reason", partnerID)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	for _, row := range d.Rows {
		e.Denials = append(e.Denials, Denial{row[0].Text, row[1].Text, row[2].Text, row[3].Text})
	}
	h, err := s.Query(ctx, "SELECT level, valid_from, valid_to, reason FROM level_history WHERE partner_id = ? ORDER BY valid_from", partnerID)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	for _, row := range h.Rows {
		e.History = append(e.History, LevelPeriod{row[0].Text, row[1].Text, row[2].Text, row[3].Text})
	}
	if e.Audits, err = records(ctx, s, "SELECT * FROM audits WHERE partner_id = ? ORDER BY audit_on", partnerID); err != nil {
		return nil, err
	}
	if e.Migration, err = records(ctx, s, "SELECT * FROM migration WHERE partner_id = ?", partnerID); err != nil {
		return nil, err
	}
	if err := e.capabilities(ctx, s); err != nil {
		return nil, err
	}
	rb, note := snapshotRulebook(s)
	if rb == nil {
		e.Notes = append(e.Notes, capitalize(note)+"; thresholds are left out.")
	} else {
		e.thresholds(rb)
	}
	if err := e.designations(ctx, s, rb); err != nil {
		return nil, err
	}
	return e, nil
}

// capabilities reads the capabilities the partner holds on as_of from the
// snapshot's inputs, by the rule of RULES.md section 5 (achieved on or
// before as_of, not expired; a capability achieved again counts once, of
// the kind of its latest achievement).
func (e *Explanation) capabilities(ctx context.Context, s *lake.Snapshot) error {
	if !s.HasInput("capabilities") {
		if s.HasInput("partners") {
			e.Capabilities = map[string][]string{} // the table is optional: no file, no capabilities
		} else {
			e.Notes = append(e.Notes, fmt.Sprintf("The inputs of the run that published the snapshot (raw version %q) are not in the lake: the partner's capabilities are unknown.", s.Manifest.Raw))
		}
		return nil
	}
	r, err := s.Query(ctx, `SELECT kind, capability_id FROM (
			SELECT capability_id, arg_max(kind, achieved_on) AS kind FROM raw.capabilities
			WHERE partner_id = ? AND achieved_on <= ?::DATE AND (expires_on IS NULL OR expires_on > ?::DATE)
			GROUP BY capability_id)
		ORDER BY kind, capability_id`, e.PartnerID, e.AsOf, e.AsOf)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	e.Capabilities = map[string][]string{}
	for _, row := range r.Rows {
		e.Capabilities[row[0].Text] = append(e.Capabilities[row[0].Text], row[1].Text)
	}
	return nil
}

// holds tells whether the partner holds every required capability count;
// nil when its capabilities are unknown.
func (e *Explanation) holds(required map[string]int) *bool {
	if e.Capabilities == nil {
		return nil
	}
	met := true
	for kind, n := range required {
		met = met && len(e.Capabilities[kind]) >= n
	}
	return &met
}

func (e *Explanation) ledger(ctx context.Context, s *lake.Snapshot) error {
	r, err := s.Query(ctx, `SELECT program_year, earned_on, source, source_id,
			component, coalesce(rule_id, ''), coalesce(tcv_usd::VARCHAR, ''), points
		FROM points_ledger WHERE partner_id = ?
		ORDER BY program_year DESC, source, earned_on, source_id, component, rule_id`, e.PartnerID)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	byYear := map[string]map[string]*SourceGroup{}
	var years []string
	for _, row := range r.Rows {
		year, src := row[0].Text, row[2].Text
		if byYear[year] == nil {
			byYear[year] = map[string]*SourceGroup{}
			years = append(years, year)
		}
		g := byYear[year][src]
		if g == nil {
			g = &SourceGroup{Source: src}
			byYear[year][src] = g
		}
		g.Rows = append(g.Rows, LedgerRow{EarnedOn: row[1].Text, SourceID: row[3].Text,
			Component: row[4].Text, RuleID: row[5].Text, TCVUSD: row[6].Text, Points: row[7].Text})
	}
	// The year of as_of first, the others newest first.
	slices.SortStableFunc(years, func(a, b string) int {
		switch {
		case a == e.ProgramYear:
			return -1
		case b == e.ProgramYear:
			return 1
		}
		return 0
	})
	models, err := s.Query(ctx, `SELECT program_year, coalesce(business_model, 'unattributed'), sum(points)
		FROM points_ledger WHERE partner_id = ? GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`, e.PartnerID)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	byModel := map[string][]ModelPoints{}
	for _, row := range models.Rows {
		byModel[row[0].Text] = append(byModel[row[0].Text], ModelPoints{BusinessModel: row[1].Text, Points: row[2].Text})
	}
	for _, y := range years {
		yl := YearLedger{ProgramYear: y, BusinessModels: byModel[y]}
		var total int64
		for _, src := range sortedSources(byYear[y]) {
			g := byYear[y][src]
			var sum int64
			for _, row := range g.Rows {
				p, _ := points(row.Points)
				sum += p
			}
			g.Subtotal = formatPoints(sum)
			total += sum
			yl.Sources = append(yl.Sources, *g)
		}
		yl.Points = formatPoints(total)
		e.Ledger = append(e.Ledger, yl)
	}
	current := byYear[e.ProgramYear]
	for _, cs := range columnSources {
		var sum int64
		for _, src := range cs.sources {
			if g := current[src]; g != nil {
				p, _ := points(g.Subtotal)
				sum += p
			}
		}
		t := Total{Column: cs.column, Sources: cs.sources, Ledger: formatPoints(sum), PartnerLevels: e.fields[cs.column]}
		pl, ok := points(t.PartnerLevels)
		t.Equal = ok && pl == sum
		e.Totals = append(e.Totals, t)
	}
	return nil
}

func sortedSources(m map[string]*SourceGroup) []string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(sourceOrder, a), slices.Index(sourceOrder, b)
		if ia < 0 {
			ia = len(sourceOrder)
		}
		if ib < 0 {
			ib = len(sourceOrder)
		}
		return ia - ib
	})
	return keys
}

// thresholds sets what the current and next level ask, with the rules of
// the snapshot's program year.
func (e *Explanation) thresholds(rb *rulebook.Rulebook) {
	levels := rb.Year(e.ProgramYear).Levels
	if len(levels) == 0 {
		e.Notes = append(e.Notes, fmt.Sprintf("The rulebook has no program year %q; thresholds are left out.", e.ProgramYear))
		return
	}
	perf, _ := points(e.fields["performance_points"])
	capa, _ := points(e.fields["capability_points"])
	for _, role := range []struct{ name, level string }{{"current", e.fields["level"]}, {"next", e.fields["next_level"]}} {
		i := slices.IndexFunc(levels, func(l rulebook.Level) bool { return l.ID == role.level })
		if i < 0 {
			continue
		}
		l := levels[i]
		minPerf, minCap := l.MinPerformancePoints.Scaled/10_000_000, l.MinCapabilityPoints.Scaled/10_000_000
		t := Threshold{Role: role.name, Level: l.ID, GoodStanding: l.GoodStanding,
			MinPerformancePoints: formatPoints(minPerf), MinCapabilityPoints: formatPoints(minCap),
			RequiredCapabilities: l.RequiredCapabilities,
			PerformanceShort:     formatPoints(max(minPerf-perf, 0)), CapabilityShort: formatPoints(max(minCap-capa, 0))}
		if gs := e.fields["good_standing"]; l.GoodStanding && gs != "" {
			met := gs == "true"
			t.StandingMet = &met
		}
		if len(l.RequiredCapabilities) > 0 {
			t.CapabilitiesMet = e.holds(l.RequiredCapabilities)
		}
		e.Thresholds = append(e.Thresholds, t)
	}
	for _, l := range levels {
		lc := LevelCapabilities{Level: l.ID, Required: l.RequiredCapabilities}
		if lc.Required == nil {
			lc.Required = map[string]int{}
		}
		lc.Met = e.holds(lc.Required)
		e.Required = append(e.Required, lc)
	}
	if len(e.Thresholds) == 0 {
		e.Notes = append(e.Notes, "The partner's level is not one of the rulebook's levels (terminated, or not computed); no thresholds apply.")
	}
}

func records(ctx context.Context, s *lake.Snapshot, q string, args ...any) ([]map[string]any, error) {
	r, err := s.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	out := []map[string]any{}
	for _, row := range r.Rows {
		m := map[string]any{}
		for i, c := range r.Columns {
			if row[i].Null {
				m[c.Name] = nil
			} else {
				m[c.Name] = row[i].Text
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// WriteText prints the explanation for a person. allYears prints every
// ledger row of every year; otherwise older years show their subtotals.
func (e *Explanation) WriteText(w io.Writer, allYears bool) error {
	p := &printer{w: w}
	f := e.fields
	p.line("Partner %s as of %s (program year %s)", e.PartnerID, e.AsOf, e.ProgramYear)
	p.line("snapshot %s", e.Snapshot)
	p.line("")
	tw := p.table()
	row(tw, "level", show(f["level"]))
	row(tw, "earned level", show(f["earned_level"]))
	row(tw, "baseline level", show(f["baseline_level"]))
	row(tw, "good standing", show(f["good_standing"]))
	row(tw, "performance points", groupDigits(f["performance_points"])+
		fmt.Sprintf("  = booking %s + lifecycle %s + influence %s", groupDigits(f["booking_points"]), groupDigits(f["lifecycle_points"]), groupDigits(f["influence_points"])))
	row(tw, "capability points", groupDigits(f["capability_points"]))
	next := show(f["next_level"])
	if f["next_level"] != "" {
		next += fmt.Sprintf("  (short by %s performance and %s capability points)", groupDigits(show(f["performance_points_to_next"])), groupDigits(show(f["capability_points_to_next"])))
	}
	row(tw, "next level", next)
	p.flush(tw)

	p.line("")
	p.line("Thresholds (%s rules)", e.ProgramYear)
	if len(e.Thresholds) == 0 {
		for _, n := range e.Notes {
			p.line("  %s", n)
		}
	} else {
		tw := p.table()
		fmt.Fprint(tw, "  requirement")
		for _, t := range e.Thresholds {
			fmt.Fprintf(tw, "\t%s (%s)", t.Level, t.Role)
		}
		fmt.Fprintln(tw, "\tpartner")
		fmt.Fprint(tw, "  good standing")
		for _, t := range e.Thresholds {
			fmt.Fprintf(tw, "\t%s", yesNo(t.GoodStanding, "required", "-")+mark(t.StandingMet))
		}
		fmt.Fprintf(tw, "\t%s\n", show(f["good_standing"]))
		fmt.Fprint(tw, "  performance points")
		for _, t := range e.Thresholds {
			fmt.Fprintf(tw, "\t%s%s", groupDigits(t.MinPerformancePoints), short(t.PerformanceShort))
		}
		fmt.Fprintf(tw, "\t%s\n", groupDigits(f["performance_points"]))
		fmt.Fprint(tw, "  capability points")
		for _, t := range e.Thresholds {
			fmt.Fprintf(tw, "\t%s%s", groupDigits(t.MinCapabilityPoints), short(t.CapabilityShort))
		}
		fmt.Fprintf(tw, "\t%s\n", groupDigits(f["capability_points"]))
		fmt.Fprint(tw, "  capabilities required")
		kinds := map[string]int{}
		for _, t := range e.Thresholds {
			fmt.Fprintf(tw, "\t%s%s", orDash(requirement(t.RequiredCapabilities)), mark(t.CapabilitiesMet))
			maps.Copy(kinds, t.RequiredCapabilities)
		}
		fmt.Fprintf(tw, "\t%s\n", e.held(kinds))
		p.flush(tw)
	}
	if len(e.Required) > 0 {
		p.line("")
		p.line("Capabilities each level requires (%s rules)", e.ProgramYear)
		tw := p.table()
		for _, l := range e.Required {
			if len(l.Required) == 0 {
				fmt.Fprintf(tw, "  %s\tnone\n", l.Level)
				continue
			}
			fmt.Fprintf(tw, "  %s\t%s%s\n", l.Level, requirement(l.Required), mark(l.Met))
		}
		p.flush(tw)
	}
	p.line("")
	p.line("Capabilities held on %s", e.AsOf)
	switch {
	case e.Capabilities == nil:
		p.line("  unknown: the snapshot's inputs are not in the lake")
	case len(e.Capabilities) == 0:
		p.line("  none")
	default:
		tw := p.table()
		for _, k := range sortedKeys(e.Capabilities) {
			fmt.Fprintf(tw, "  %s (%d)\t%s\n", k, len(e.Capabilities[k]), strings.Join(e.Capabilities[k], ", "))
		}
		p.flush(tw)
	}

	p.line("")
	p.line("Points ledger")
	if len(e.Ledger) == 0 || e.Ledger[0].ProgramYear != e.ProgramYear {
		p.line("  %s: no ledger rows", e.ProgramYear)
		p.totals(e.Totals)
	}
	for i, y := range e.Ledger {
		p.line("  %s: %s points", y.ProgramYear, groupDigits(y.Points))
		var models []string
		for _, m := range y.BusinessModels {
			models = append(models, m.BusinessModel+" "+groupDigits(m.Points))
		}
		if len(models) > 0 {
			p.line("    by business model: %s", strings.Join(models, ", "))
		}
		if !allYears && y.ProgramYear != e.ProgramYear {
			for _, g := range y.Sources {
				p.line("    %-12s %4d rows  %s", g.Source, len(g.Rows), groupDigits(g.Subtotal))
			}
			continue
		}
		// Every line has all the cells: a line with fewer ends the
		// tabwriter block and the columns below would not line up.
		tw := p.table()
		fmt.Fprintln(tw, "      earned_on\tsource_id\tcomponent\trule_id\ttcv_usd\tpoints")
		for _, g := range y.Sources {
			fmt.Fprintf(tw, "    %s\t\t\t\t\t\n", g.Source)
			for _, r := range g.Rows {
				fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\t%s\t%s\n", r.EarnedOn, r.SourceID, r.Component, orDash(r.RuleID), groupDigits(orDash(roundCents(r.TCVUSD))), groupDigits(r.Points))
			}
			fmt.Fprintf(tw, "      \t\t\t\tsubtotal %s\t%s\n", g.Source, groupDigits(g.Subtotal))
		}
		p.flush(tw)
		if i == 0 && y.ProgramYear == e.ProgramYear {
			p.totals(e.Totals)
		}
	}

	p.line("")
	p.line("Denials (events that earned nothing)")
	if len(e.Denials) == 0 {
		p.line("  none")
	} else {
		tw := p.table()
		for _, d := range e.Denials {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.Source, d.SourceID, d.Reason, d.Detail)
		}
		p.flush(tw)
	}

	p.line("")
	p.line("Level history")
	if len(e.History) == 0 {
		p.line("  none recorded")
	} else {
		tw := p.table()
		for _, h := range e.History {
			to := h.ValidTo
			if to == "" {
				to = "(current)"
			}
			fmt.Fprintf(tw, "  %s\tto %s\t%s\t%s\n", h.ValidFrom, to, h.Level, h.Reason)
		}
		p.flush(tw)
	}
	for _, m := range e.Migration {
		p.line("  migrated on %v from legacy level %v: earned %v, placed %v (protected: %v)",
			m["migrated_on"], showAny(m["legacy_level"]), showAny(m["earned_level"]), showAny(m["migrated_level"]), showAny(m["protected"]))
	}
	for _, a := range e.Audits {
		line := fmt.Sprintf("  audit %v on %v: %v -> %v (earned %v)", a["program_year"], a["audit_on"], showAny(a["previous_level"]),
			showAny(a["level_after"]), showAny(a["earned_level"]))
		line += fmt.Sprintf(", %v", showAny(a["outcome"]))
		for _, k := range []string{"remediation_until", "reenroll_until", "reinstated_on", "terminated_on"} {
			if a[k] != nil {
				line += fmt.Sprintf(", %s %v", k, a[k])
			}
		}
		p.line("%s", line)
	}
	e.writeDesignations(p)
	return p.err
}

// requirement prints required capability counts: "solution_competency >= 1".
func requirement(req map[string]int) string {
	var out []string
	for _, k := range sortedKeys(req) {
		out = append(out, fmt.Sprintf("%s >= %d", k, req[k]))
	}
	return strings.Join(out, ", ")
}

// held prints how many capabilities of each of the kinds the partner holds.
func (e *Explanation) held(kinds map[string]int) string {
	if e.Capabilities == nil {
		return "(unknown: the snapshot's inputs are not in the lake)"
	}
	if len(kinds) == 0 {
		return "-"
	}
	var out []string
	for _, k := range sortedKeys(kinds) {
		out = append(out, fmt.Sprintf("%s %d", k, len(e.Capabilities[k])))
	}
	return strings.Join(out, ", ")
}

func (p *printer) totals(ts []Total) {
	for _, t := range ts {
		verdict := "equal"
		if !t.Equal {
			verdict = "DIFFERENT"
		}
		p.line("    %s = %s in the ledger, %s in partner_levels: %s", t.Column, groupDigits(t.Ledger), groupDigits(show(t.PartnerLevels)), verdict)
	}
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", a...)
	}
}

func (p *printer) table() *tabwriter.Writer { return tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0) }

func (p *printer) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); err != nil && p.err == nil {
		p.err = err
	}
}

func row(tw io.Writer, k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }

func show(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func showAny(v any) string {
	if v == nil {
		return "(none)"
	}
	return fmt.Sprint(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func mark(met *bool) string {
	switch {
	case met == nil:
		return ""
	case *met:
		return " (met)"
	}
	return " (NOT met)"
}

func short(s string) string {
	if v, ok := points(s); ok && v > 0 {
		return " (short " + groupDigits(s) + ")"
	}
	return " (met)"
}
