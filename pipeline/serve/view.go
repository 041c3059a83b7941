package serve

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"tally/pipeline/chart"
	"tally/pipeline/decimal"
)

// Snapshot names the snapshot an answer was computed from.
type Snapshot struct {
	AsOf        string `json:"as_of"`
	RunID       string `json:"run_id"`
	ProgramYear string `json:"program_year"`
}

func (d *dataset) snapshot() Snapshot {
	return Snapshot{AsOf: d.asOf, RunID: d.runID, ProgramYear: d.programYear}
}

// Row is one partner in a list: the figures of its partner_levels row a PBM
// or the program team compares partners by.
type Row struct {
	PartnerID               string `json:"partner_id"`
	Level                   string `json:"level"`
	EarnedLevel             string `json:"earned_level"`
	GoodStanding            *bool  `json:"good_standing"`
	PerformancePoints       string `json:"performance_points"`
	CapabilityPoints        string `json:"capability_points"`
	NextLevel               string `json:"next_level,omitempty"`
	PerformancePointsToNext string `json:"performance_points_to_next,omitempty"`
	CapabilityPointsToNext  string `json:"capability_points_to_next,omitempty"`
}

func (d *dataset) row(id string) Row {
	p := d.partner(id)
	return Row{PartnerID: id, Level: d.get(p, "level"), EarnedLevel: d.get(p, "earned_level"), GoodStanding: boolOf(d.val(p, "good_standing")),
		PerformancePoints: d.get(p, "performance_points"), CapabilityPoints: d.get(p, "capability_points"), NextLevel: d.get(p, "next_level"),
		PerformancePointsToNext: d.get(p, "performance_points_to_next"), CapabilityPointsToNext: d.get(p, "capability_points_to_next")}
}

// List is /api/partners: the partners the user may see.
type List struct {
	Snapshot Snapshot `json:"snapshot"`
	AsOf     string   `json:"as_of"`
	Partners []Row    `json:"partners"`
}

// Overview is the program team's home: level distribution and movers.
type Overview struct {
	Distribution []levelCount `json:"level_distribution"`
	Movers       []mover      `json:"movers"`
	Partners     int          `json:"partners"`
}

// Summary is the Level Progression Summary of one partner: /partners/{id}
// and /api/partners/{id}.
type Summary struct {
	Snapshot      Snapshot           `json:"snapshot"`
	AsOf          string             `json:"as_of"`
	PartnerID     string             `json:"partner_id"`
	ProgramYear   string             `json:"program_year"`
	PartnerLevels map[string]*string `json:"partner_levels"` // the partner's row, every column as the snapshot has it
	Level         string             `json:"level"`
	EarnedLevel   string             `json:"earned_level"`
	BaselineLevel string             `json:"baseline_level"`
	NextLevel     string             `json:"next_level,omitempty"`
	GoodStanding  *bool              `json:"good_standing"`
	Points        []SourcePoints     `json:"points_by_source"` // this program year, from the ledger
	Performance   string             `json:"performance_points"`
	Capability    string             `json:"capability_points"`
	ToNext        *Distance          `json:"to_next_level,omitempty"`
	Months        []MonthPoints      `json:"points_to_date_by_month"`
	Thresholds    []LevelThreshold   `json:"thresholds"` // every level of the partner's program year, from level_thresholds
	Standing      Standing           `json:"standing"`
	BusinessModel []ModelPoints      `json:"points_by_business_model,omitempty"`
	Designations  []record           `json:"designations,omitempty"`
	Benefits      []record           `json:"benefits,omitempty"`
	// BenefitChanges: gained and lost in the program year, with the cause.
	BenefitChanges []record     `json:"benefit_changes,omitempty"`
	AuditWindow    *AuditWindow `json:"open_audit_window"`
	Reminders      []record     `json:"reminders_due"`
	PastReminders  int          `json:"reminders_past"`
	History        []record     `json:"level_history"`
	Audits         []record     `json:"audits"`
	Migration      []record     `json:"migration"`
	Denials        int          `json:"denials"`
	Notes          []string     `json:"notes"`

	chart *chart.BarChart
}

// LevelThreshold is what a level of the partner's program year asks, and
// whether it is the partner's current or next level.
type LevelThreshold struct {
	Role string `json:"role,omitempty"` // current, next or ""
	threshold
}

// SourcePoints is the ledger's sum of one source this program year.
type SourcePoints struct {
	Source string `json:"source"`
	Points string `json:"points"`
}

// ModelPoints is the ledger's sum of one business model this program year.
type ModelPoints struct {
	BusinessModel string `json:"business_model"`
	Points        string `json:"points"`
}

// MonthPoints is a month of the program year: points earned in it by
// source and the performance points to its end.
type MonthPoints struct {
	Month    string         `json:"month"`
	BySource []SourcePoints `json:"by_source"`
	ToDate   string         `json:"to_date"`
}

// Distance is how far the next level is.
type Distance struct {
	Level       string `json:"level"`
	Performance string `json:"performance_points"`
	Capability  string `json:"capability_points"`
}

// Standing is good standing and, as far as the snapshot says, why not.
type Standing struct {
	InGoodStanding *bool    `json:"in_good_standing"`
	Missing        []string `json:"missing"`
	Note           string   `json:"note,omitempty"`
}

// AuditWindow is an audit's remediation or re-enrollment window that is
// still open on as_of.
type AuditWindow struct {
	ProgramYear string `json:"program_year"`
	AuditOn     string `json:"audit_on"`
	Kind        string `json:"kind"` // remediation or reenrollment
	Until       string `json:"until"`
	LevelAfter  string `json:"level_after"`
	EarnedLevel string `json:"earned_level"`
}

func (d *dataset) overview() Overview {
	return Overview{Distribution: d.distribution, Movers: d.movers, Partners: len(d.ids)}
}

func (d *dataset) summary(id string) *Summary {
	p := d.partner(id)
	fields := make(map[string]*string, len(d.levelRows.names))
	for j, c := range d.levelRows.names {
		fields[c] = d.levelRows.get(p, j)
	}
	s := &Summary{Snapshot: d.snapshot(), AsOf: d.asOf, PartnerID: id, ProgramYear: d.get(p, "program_year"), PartnerLevels: fields,
		Level: d.get(p, "level"), EarnedLevel: d.get(p, "earned_level"), BaselineLevel: d.get(p, "baseline_level"), NextLevel: d.get(p, "next_level"),
		GoodStanding: boolOf(d.val(p, "good_standing")), Performance: d.get(p, "performance_points"), Capability: d.get(p, "capability_points"),
		Thresholds: []LevelThreshold{}, History: d.records(tHistory, p), Audits: d.records(tAudits, p),
		Migration: d.records(tMigration, p), Designations: d.records(tDesignations, p),
		Benefits: d.records(tBenefits, p), BenefitChanges: d.records(tBenefitChanges, p), Denials: len(d.denials.rows(p)), Notes: slices.Clone(d.notes)}
	// The ledger's sums of the partner's program year: by source, business
	// model, and month and source.
	sources, models, byMonth := map[string]int64{}, map[string]int64{}, map[string]map[string]int64{}
	l := d.ledger
	on, src, bm, pts := l.col("earned_on"), l.col("source"), l.col("business_model"), l.col("points")
	for _, i := range l.rows(p) {
		v := int64(0)
		if pts >= 0 {
			v = l.cols[pts].hundredths(i)
		}
		source := str(l.get(i, src))
		sources[source] += v
		if d.hasBusinessModel {
			m := "unattributed"
			if b := l.get(i, bm); b != nil {
				m = *b
			}
			models[m] += v
		}
		month := str(l.get(i, on))
		month = month[:min(7, len(month))]
		if byMonth[month] == nil {
			byMonth[month] = map[string]int64{}
		}
		byMonth[month][source] += v
	}
	for _, src := range sortedSources(sources) {
		s.Points = append(s.Points, SourcePoints{src, decimal.Format(sources[src], 2)})
	}
	for _, m := range sortedKeys(models) {
		s.BusinessModel = append(s.BusinessModel, ModelPoints{m, decimal.Format(models[m], 2)})
	}
	if s.NextLevel != "" {
		s.ToNext = &Distance{Level: s.NextLevel, Performance: d.get(p, "performance_points_to_next"), Capability: d.get(p, "capability_points_to_next")}
	}
	for _, t := range d.thresholds[s.ProgramYear] {
		lt := LevelThreshold{threshold: t}
		switch t.Level {
		case s.Level:
			lt.Role = "current"
		case s.NextLevel:
			lt.Role = "next"
		}
		s.Thresholds = append(s.Thresholds, lt)
	}

	// Points to date: months of the program year, stacked by source.
	months := d.months
	if s.ProgramYear != d.programYear {
		months = sortedKeys(byMonth)
	}
	var run int64
	bc := &chart.BarChart{Title: "Performance points to date, " + s.ProgramYear, Stacked: true}
	srcs := sortedSources(sources)
	for _, m := range months {
		mp := MonthPoints{Month: m}
		for _, src := range srcs {
			v := byMonth[m][src]
			mp.BySource = append(mp.BySource, SourcePoints{src, decimal.Format(v, 2)})
			run += v
		}
		mp.ToDate = decimal.Format(run, 2)
		s.Months = append(s.Months, mp)
		bc.Categories = append(bc.Categories, m)
	}
	for _, src := range srcs {
		ser := chart.Series{Name: src}
		acc := int64(0)
		for _, m := range months {
			acc += byMonth[m][src]
			ser.Values = append(ser.Values, float64(acc)/100)
		}
		bc.Series = append(bc.Series, ser)
	}
	if len(bc.Series) == 0 { // nothing earned yet: an empty bar per month
		bc.Series = []chart.Series{{Name: "points", Values: make([]float64, len(months))}}
	}
	// A line at the current and the next level's performance threshold.
	for _, l := range []string{s.Level, s.NextLevel} {
		if t, ok := d.threshold(s.ProgramYear, l); ok {
			if v, err := strconv.ParseFloat(t.Performance, 64); err == nil && v > 0 {
				bc.Rules = append(bc.Rules, chart.Rule{Name: l, Value: v})
			}
		}
	}
	s.chart = bc

	s.Standing = Standing{InGoodStanding: s.GoodStanding, Missing: []string{}}
	if s.GoodStanding != nil && !*s.GoodStanding {
		s.Standing.Note = "Not in good standing on " + d.asOf + ": a foundational requirement is missing or expired, or the partnership has ended. " +
			"The snapshot does not publish requirement completions, so which requirement is missing is not available here; the program team's records say."
	}

	for _, a := range s.Audits {
		if w := openWindow(a, d.asOf); w != nil {
			s.AuditWindow = w
		}
	}
	for _, n := range d.records(tNotifications, p) {
		if str(n["due_on"]) >= d.asOf {
			s.Reminders = append(s.Reminders, n)
		} else {
			s.PastReminders++
		}
	}
	if s.Reminders == nil {
		s.Reminders = []record{}
	}
	return s
}

// openWindow is the audit's window still open on asOf: remediation up to
// remediation_until, then re-enrollment up to reenroll_until, unless the
// partner was reinstated or terminated meanwhile.
func openWindow(a record, asOf string) *AuditWindow {
	if str(a["reinstated_on"]) != "" && str(a["reinstated_on"]) <= asOf || str(a["terminated_on"]) != "" && str(a["terminated_on"]) <= asOf {
		return nil
	}
	w := &AuditWindow{ProgramYear: str(a["program_year"]), AuditOn: str(a["audit_on"]), LevelAfter: str(a["level_after"]), EarnedLevel: str(a["earned_level"])}
	switch r, e := str(a["remediation_until"]), str(a["reenroll_until"]); {
	case r != "" && asOf <= r && asOf >= w.AuditOn:
		w.Kind, w.Until = "remediation", r
	case e != "" && asOf <= e && asOf >= w.AuditOn:
		w.Kind, w.Until = "reenrollment", e
	default:
		return nil
	}
	return w
}

// Points is the Points Detail of one partner: /partners/{id}/points and
// /api/partners/{id}/points.
type Points struct {
	Snapshot    Snapshot      `json:"snapshot"`
	AsOf        string        `json:"as_of"`
	PartnerID   string        `json:"partner_id"`
	ProgramYear string        `json:"program_year"`
	Months      []LedgerMonth `json:"months"` // the program year of as_of, by month and source
	Total       string        `json:"performance_points"`
	OtherYears  []YearTotal   `json:"other_years"`
	Denials     []record      `json:"denials"`
}

// LedgerMonth is one month's ledger rows, by source.
type LedgerMonth struct {
	Month   string        `json:"month"`
	Sources []LedgerGroup `json:"sources"`
	Points  string        `json:"points"`
}

// LedgerGroup is the rows of one source in a month and their sum.
type LedgerGroup struct {
	Source string   `json:"source"`
	Rows   []record `json:"rows"`
	Points string   `json:"points"`
}

// YearTotal is an earlier program year's points, by source.
type YearTotal struct {
	ProgramYear string         `json:"program_year"`
	BySource    []SourcePoints `json:"by_source"`
	Points      string         `json:"points"`
}

// ledgerShown are the ledger columns the detail lists, those of them the
// snapshot has; entry_id is not needed (the key is source, source_id,
// component and rule_id).
var ledgerShown = []string{"earned_on", "source", "source_id", "booking_id", "component", "rule_id", "business_model", "tcv_usd", "points"}

func (d *dataset) points(_ context.Context, id string) (*Points, error) {
	p := d.partner(id)
	out := &Points{Snapshot: d.snapshot(), AsOf: d.asOf, PartnerID: id, ProgramYear: d.get(p, "program_year"), Denials: []record{}, Months: []LedgerMonth{}, OtherYears: []YearTotal{}}
	l := d.ledger
	rows := l.rows(p)
	// The rows come in the order the detail lists them (loadLedger).
	on, src, pts := l.col("earned_on"), l.col("source"), l.col("points")
	var total int64
	for _, i := range rows {
		rec := l.record(i)
		month := str(l.get(i, on))
		month = month[:min(7, len(month))]
		source := str(l.get(i, src))
		if n := len(out.Months); n == 0 || out.Months[n-1].Month != month {
			out.Months = append(out.Months, LedgerMonth{Month: month})
		}
		m := &out.Months[len(out.Months)-1]
		g := slices.IndexFunc(m.Sources, func(g LedgerGroup) bool { return g.Source == source })
		if g < 0 {
			m.Sources = append(m.Sources, LedgerGroup{Source: source})
			g = len(m.Sources) - 1
		}
		m.Sources[g].Rows = append(m.Sources[g].Rows, rec)
		if pts >= 0 {
			total += l.cols[pts].hundredths(i)
		}
	}
	for i := range out.Months {
		m := &out.Months[i]
		slices.SortStableFunc(m.Sources, func(a, b LedgerGroup) int {
			return slices.Index(sourceOrder, a.Source) - slices.Index(sourceOrder, b.Source)
		})
		var sum int64
		for j := range m.Sources {
			var g int64
			for _, row := range m.Sources[j].Rows {
				g += hundredths(str(row["points"]))
			}
			m.Sources[j].Points = decimal.Format(g, 2)
			sum += g
		}
		m.Points = decimal.Format(sum, 2)
	}
	out.Total = decimal.Format(total, 2)

	// Other years, latest first, by source.
	o := d.otherYears
	oy, osrc, opts := o.col("program_year"), o.col("source"), o.col("points")
	for _, i := range o.rows(p) {
		year := str(o.get(i, oy))
		if n := len(out.OtherYears); n == 0 || out.OtherYears[n-1].ProgramYear != year {
			out.OtherYears = append(out.OtherYears, YearTotal{ProgramYear: year})
		}
		out.OtherYears[len(out.OtherYears)-1].BySource = append(out.OtherYears[len(out.OtherYears)-1].BySource,
			SourcePoints{str(o.get(i, osrc)), decimal.Format(o.cols[opts].hundredths(i), 2)})
	}
	for i := range out.OtherYears {
		y := &out.OtherYears[i]
		slices.SortStableFunc(y.BySource, func(a, b SourcePoints) int {
			return cmp.Compare(rank(a.Source), rank(b.Source))
		})
		var sum int64
		for _, sp := range y.BySource {
			sum += hundredths(sp.Points)
		}
		y.Points = decimal.Format(sum, 2)
	}

	// Denials, by source, source_id and reason (as loaded).
	den := d.denials.rows(p)
	for _, i := range den {
		out.Denials = append(out.Denials, d.denials.record(i))
	}
	return out, nil
}

// rank is a source's position in sourceOrder, others after.
func rank(source string) int {
	if i := slices.Index(sourceOrder, source); i >= 0 {
		return i
	}
	return len(sourceOrder)
}

func boolOf(p *string) *bool {
	if p == nil {
		return nil
	}
	b := *p == "true"
	return &b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
