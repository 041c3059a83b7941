// Package report turns a published lake into what people read: the
// program-year report (one self-contained HTML file and a CSV file per
// section) and the explanation of one partner's points and level. It reads
// only what publish wrote, through pipeline/lake: a snapshot's tables, the
// rulebook copy it holds (program-year dates, level order, thresholds) and
// the inputs of the run that computed it (raw.partners for names and
// countries, raw.bookings and raw.oem_credits for solutions). Every part
// that needs something a snapshot lacks says so.
package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"tally/pipeline/chart"
	"tally/pipeline/date"
	"tally/pipeline/lake"
	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// ErrUnknownYear: the program year is not in the rulebook or the lake.
var ErrUnknownYear = errors.New("unknown program year")

// ErrUnknownSnapshot: the lake has no snapshot as of the date asked.
var ErrUnknownSnapshot = errors.New("no snapshot as of that date")

// ErrUnknownPartner: the partner has no row in the snapshot's partner_levels.
var ErrUnknownPartner = errors.New("unknown partner")

// Report is the program-year report, every figure read from the lake.
type Report struct {
	Program     string   `json:"program,omitempty"`
	ProgramYear string   `json:"program_year"`
	StartsOn    string   `json:"starts_on,omitempty"` // "" when the rulebook is gone
	EndsOn      string   `json:"ends_on,omitempty"`
	AuditOn     string   `json:"audit_on,omitempty"`
	AsOf        string   `json:"as_of"`  // the snapshot read, "now"
	Latest      bool     `json:"latest"` // it is the lake's latest snapshot
	RunID       string   `json:"run_id"` // the run that published it
	CurrentYear string   `json:"current_year"`
	StartAsOf   string   `json:"start_as_of,omitempty"` // the snapshot used for the start of the year
	Notes       []string `json:"notes,omitempty"`
	Sections    []*Section
}

// Section is one part of the report: its rows (the CSV file), a shorter
// summary and a chart for the HTML page, notes on what it covers, and why
// it is empty when it has no rows.
type Section struct {
	ID      string // the CSV file is ID.csv
	Title   string
	Notes   []string
	Empty   string // why Table has no rows; shown in its place
	Summary *Table // counts shown above the rows; nil for none
	Table   Table  // every row; the CSV file
	Chart   *chart.BarChart
}

// StartWindowDays is how far from a year's first day a snapshot may be to
// stand for the start of the year.
const StartWindowDays = 31

// nearPercent: a partner is near its next level when it lacks at most this
// percentage of the next level's performance threshold.
const nearPercent = 10

// ReminderDays is how far ahead the reminders section looks.
const ReminderDays = 90

// Build reads the lake's snapshot as of asOf ("" = the latest; and, for
// the start of the year, the snapshot closest to the year's first day) and
// computes every section of the report for program year id. A date with no
// snapshot is ErrUnknownSnapshot, naming the dates there are.
func Build(ctx context.Context, lakeDir, id, asOf string) (*Report, error) {
	if !validYearID(id) {
		return nil, fmt.Errorf("report: program year %q: want letters, digits, '-' or '_': %w", id, ErrUnknownYear)
	}
	latest, err := publish.Latest(lakeDir)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if asOf != "" {
		if _, err := publish.Snapshot(lakeDir, asOf); errors.Is(err, publish.ErrNoSnapshot) {
			have, _ := publish.Snapshots(lakeDir)
			return nil, fmt.Errorf("report: the lake %s has no snapshot as of %s (its snapshots: %s): %w",
				lakeDir, asOf, strings.Join(have, ", "), ErrUnknownSnapshot)
		} else if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	now, err := lake.Open(ctx, lakeDir, asOf)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer now.Close()
	b := &builder{ctx: ctx, lakeDir: lakeDir, now: now, r: &Report{ProgramYear: id, AsOf: now.AsOf,
		Latest: now.Dir == latest, RunID: now.Manifest.RunID}}
	rb, note := snapshotRulebook(now)
	if note != "" {
		b.r.Notes = append(b.r.Notes, capitalize(note)+": the year's dates, level order and thresholds are unknown.")
	}
	b.rb = rb
	if err := b.year(); err != nil {
		return nil, err
	}
	if err := b.partners(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, step := range b.sections() {
		if err := step(); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	for _, s := range b.r.Sections {
		if len(s.Table.Rows) > 0 {
			s.Empty = ""
		} else if s.Empty == "" {
			return nil, fmt.Errorf("report: section %s is empty and does not say why", s.ID)
		}
	}
	return b.r, nil
}

// sections lists the report's sections in page order, each a function
// that adds one Section: a new section is one more function here.
func (b *builder) sections() []func() error {
	return []func() error{b.yearOverYear, b.levels, b.changes,
		b.pointsBySource, b.pointsByBusinessModel, b.pointsByCountry, b.pointsBySolution,
		b.pointsByMonth, b.components, b.influence, b.nearNext, b.audits, b.reminders,
		b.designations}
}

type builder struct {
	ctx     context.Context
	lakeDir string
	now     *lake.Snapshot
	rb      *rulebook.Rulebook
	r       *Report
	order   []string          // levels, lowest first
	names   map[string]string // partner names by id; nil without the partners input
	noInput string            // why the snapshot's inputs cannot be read, "" when they can
}

// partners reads the partners' names from the snapshot's inputs.
func (b *builder) partners() error {
	if !b.now.HasInput("partners") {
		b.noInput = fmt.Sprintf("the inputs of the run that published the snapshot as of %s are not in the lake (raw version %q)",
			b.r.AsOf, b.now.Manifest.Raw)
		b.r.Notes = append(b.r.Notes, capitalize(b.noInput)+": partner names, countries and solutions are left out.")
		return nil
	}
	r, err := b.query("SELECT partner_id, name FROM raw.partners")
	if err != nil {
		return err
	}
	b.names = map[string]string{}
	for _, row := range r.Rows {
		b.names[row[0].Text] = row[1].Text
	}
	return nil
}

func (b *builder) query(q string, args ...any) (*lake.Result, error) {
	return b.now.Query(b.ctx, q, args...)
}

// year finds the program year's dates and checks that it exists.
func (b *builder) year() error {
	id := b.r.ProgramYear
	cur, err := b.query("SELECT DISTINCT program_year FROM partner_levels")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if len(cur.Rows) > 0 {
		b.r.CurrentYear = cur.Rows[0][0].Text
	}
	if b.rb != nil {
		b.r.Program = b.rb.Program
		y, ok := b.rb.ProgramYear(id)
		if !ok {
			var ids []string
			for _, y := range b.rb.ProgramYears {
				ids = append(ids, y.ID)
			}
			return fmt.Errorf("report: program year %q is not in the rulebook (%s): %w", id, strings.Join(ids, ", "), ErrUnknownYear)
		}
		b.r.StartsOn, b.r.EndsOn, b.r.AuditOn = y.StartsOn.String(), y.EndsOn.String(), y.AuditOn.String()
		return nil
	}
	seen, err := b.query(`SELECT (SELECT count(*) FROM points_ledger WHERE program_year = ?)
		+ (SELECT count(*) FROM audits WHERE program_year = ?)
		+ (SELECT count(*) FROM partner_levels WHERE program_year = ?) AS n`, id, id, id)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if seen.Rows[0][0].Text == "0" {
		return fmt.Errorf("report: program year %q has no rows in the lake: %w", id, ErrUnknownYear)
	}
	if a, err := b.query("SELECT max(audit_on) FROM audits WHERE program_year = ?", id); err == nil && !a.Rows[0][0].Null {
		b.r.AuditOn = a.Rows[0][0].Text
	}
	return nil
}

// isCurrent: the snapshot lies in the report's program year, so
// its partner_levels and notifications describe this year.
func (b *builder) isCurrent() bool { return b.r.CurrentYear == b.r.ProgramYear }

func (b *builder) add(s *Section) { b.r.Sections = append(b.r.Sections, s) }

const noLevel = "(none)"

// levels: the level distribution at the start of the year, now, and after
// the year's audit.
func (b *builder) levels() error {
	s := &Section{ID: "level_distribution", Title: "Level distribution"}
	counts := map[string]map[string]string{} // column -> level -> count
	var found []string
	collect := func(col string, r *lake.Result) {
		counts[col] = map[string]string{}
		for _, row := range r.Rows {
			counts[col][row[0].Text] = row[1].Text
			found = append(found, row[0].Text)
		}
	}
	const byLevel = "SELECT level, count(*) AS partners FROM partner_levels GROUP BY level"
	var cols []string

	start, note, err := b.startSnapshot()
	if err != nil {
		return err
	}
	if start != nil {
		defer start.Close()
		r, err := start.Query(b.ctx, byLevel)
		if err != nil {
			return err
		}
		collect("start_of_year", r)
		cols = append(cols, "start_of_year")
		b.r.StartAsOf = start.AsOf
	}
	s.Notes = append(s.Notes, note)

	r, err := b.query(byLevel)
	if err != nil {
		return err
	}
	collect("now", r)
	cols = append(cols, "now")
	s.Notes = append(s.Notes, fmt.Sprintf("Now: the snapshot as of %s (program year %s).", b.r.AsOf, b.r.CurrentYear))

	audited, err := b.query("SELECT level_after, count(*) FROM audits WHERE program_year = ? GROUP BY level_after", b.r.ProgramYear)
	if err != nil {
		return err
	}
	switch {
	case len(audited.Rows) > 0:
		collect("after_audit", audited)
		cols = append(cols, "after_audit")
		s.Notes = append(s.Notes, fmt.Sprintf("After the audit: each audited partner's level on the audit day (%s).", orUnknown(b.r.AuditOn)))
	default:
		migrated, err := b.query("SELECT migrated_level, count(*) FROM migration WHERE based_on = ? GROUP BY migrated_level", b.r.ProgramYear)
		if err != nil {
			return err
		}
		if len(migrated.Rows) > 0 {
			collect("after_audit", migrated)
			cols = append(cols, "after_audit")
			s.Notes = append(s.Notes, fmt.Sprintf("After the audit: the migration based on %s took the place of its audit; the column counts migrated levels.", b.r.ProgramYear))
		} else {
			s.Notes = append(s.Notes, b.auditPending())
		}
	}
	b.order = levelOrder(b.rb, found)
	s.Empty = fmt.Sprintf("No partner is enrolled on or before %s.", b.r.AsOf)
	s.Table = Table{Columns: append([]string{"level"}, cols...), Kinds: make([]Kind, len(cols)+1)}
	for i := range cols {
		s.Table.Kinds[i+1] = Count
	}
	bc := chart.BarChart{Title: "Partners per level"}
	for _, c := range cols {
		bc.Series = append(bc.Series, chart.Series{Name: columnTitle(c, b.r)})
	}
	for _, level := range b.order {
		row := []string{level}
		present := false
		for _, c := range cols {
			n, ok := counts[c][level]
			if !ok {
				n = "0"
			}
			present = present || ok
			row = append(row, n)
		}
		// The rulebook's levels always have a row; terminated and "no
		// level" only when some partner is there.
		if !present && (b.rb == nil || level == "" || level == rulebook.Terminated) {
			continue
		}
		s.Table.Rows = append(s.Table.Rows, row)
		label := level
		if label == "" {
			label = noLevel
		}
		bc.Categories = append(bc.Categories, label)
		for k := range cols {
			bc.Series[k].Values = append(bc.Series[k].Values, float(row[k+1]))
		}
	}
	s.Chart = &bc
	b.add(s)
	return nil
}

func columnTitle(col string, r *Report) string {
	switch col {
	case "start_of_year":
		return "start of year (" + r.StartAsOf + ")"
	case "now":
		return "now (" + r.AsOf + ")"
	case "after_audit":
		return "after the audit"
	}
	return col
}

func (b *builder) auditPending() string {
	switch {
	case b.r.AuditOn != "" && b.r.AuditOn > b.r.AsOf:
		return fmt.Sprintf("After the audit: not yet; the %s audit is on %s, after %s.", b.r.ProgramYear, b.r.AuditOn, b.r.AsOf)
	case b.r.AuditOn != "":
		return fmt.Sprintf("After the audit: the snapshot has no audit rows for %s (audit day %s).", b.r.ProgramYear, b.r.AuditOn)
	}
	return fmt.Sprintf("After the audit: the snapshot has no audit rows for %s.", b.r.ProgramYear)
}

// startSnapshot opens the published snapshot closest to the year's first
// day, if one lies within StartWindowDays of it. It returns nil and a note
// saying why when there is none.
func (b *builder) startSnapshot() (*lake.Snapshot, string, error) {
	if b.r.StartsOn == "" {
		return nil, "Start of year: unavailable (the year's first day is in the rulebook, which is not available).", nil
	}
	asOfs, err := publish.Snapshots(b.lakeDir)
	if err != nil {
		return nil, "", err
	}
	starts := date.MustParse(b.r.StartsOn)
	best, bestDist := "", StartWindowDays+1
	for _, a := range asOfs {
		d, err := date.Parse(a)
		if err != nil {
			continue
		}
		dist := int(d - starts)
		if dist < 0 {
			dist = -dist
		}
		if dist < bestDist {
			best, bestDist = a, dist
		}
	}
	if best == "" {
		return nil, fmt.Sprintf("Start of year: unavailable; no snapshot was published within %d days of %s, the first day of %s.",
			StartWindowDays, b.r.StartsOn, b.r.ProgramYear), nil
	}
	snap, err := lake.Open(b.ctx, b.lakeDir, best)
	if err != nil {
		return nil, "", err
	}
	return snap, fmt.Sprintf("Start of year: the snapshot as of %s, the one closest to %s, the first day of %s.", best, b.r.StartsOn, b.r.ProgramYear), nil
}

// changes: promotions and demotions, from the year's audit (or migration)
// and from level_history's changes during the year.
func (b *builder) changes() error {
	s := &Section{ID: "promotions_demotions", Title: "Promotions and demotions"}
	id := b.r.ProgramYear
	q := `SELECT partner_id, audit_on AS changed_on, previous_level AS from_level, level_after AS to_level,
			outcome AS change, 'audit' AS source
		FROM audits WHERE program_year = ? AND outcome <> 'retained'
		UNION ALL
		SELECT partner_id, migrated_on, legacy_level, migrated_level, 'migrated', 'migration'
		FROM migration WHERE based_on = ?`
	args := []any{id, id}
	if b.r.StartsOn != "" {
		// Changes inside the year other than the audit's and migration's own
		// rows (those come from the tables above, with their outcome).
		q += `
		UNION ALL
		SELECT partner_id, valid_from, from_level, level, reason, 'level_history'
		FROM (SELECT partner_id, level, valid_from, reason,
				lag(level) OVER (PARTITION BY partner_id ORDER BY valid_from) AS from_level
			FROM level_history)
		WHERE valid_from BETWEEN ?::DATE AND ?::DATE AND reason NOT IN ('audit', 'migration')`
		args = append(args, b.r.StartsOn, b.r.EndsOn)
		s.Notes = append(s.Notes, fmt.Sprintf("Changes during the year: level_history periods starting between %s and %s, with the reason recorded (earned: up-levelled as soon as it qualified).", b.r.StartsOn, b.r.EndsOn))
	} else {
		s.Notes = append(s.Notes, "Changes during the year are left out: the year's dates are unknown without the rulebook.")
	}
	r, err := b.query("SELECT * FROM ("+q+") ORDER BY changed_on, partner_id, source", args...)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	s.Table.Columns = append(s.Table.Columns, "direction")
	s.Table.Kinds = append(s.Table.Kinds, Text)
	for i, row := range s.Table.Rows {
		s.Table.Rows[i] = append(row, b.direction(row[2], row[3]))
	}
	s.Empty = fmt.Sprintf("No partner changed level in %s up to %s: no audit or migration moved anyone, and no level_history period started in the year.", id, b.r.AsOf)
	outcomes, err := b.query(`SELECT outcome, count(*) AS partners FROM audits WHERE program_year = ? GROUP BY outcome
		ORDER BY list_position(['promoted', 'retained', 'demoted', 'remediation'], outcome) NULLS LAST, outcome`, id)
	if err != nil {
		return err
	}
	sum := fromResult(outcomes)
	for i := range sum.Rows {
		sum.Rows[i][0] = "audit: " + sum.Rows[i][0]
	}
	counted := map[string]int{}
	for _, row := range s.Table.Rows {
		if row[5] != "audit" {
			k := row[5] + ": " + row[4]
			if row[6] != "" {
				k += " (" + row[6] + ")"
			}
			counted[k]++
		}
	}
	for _, k := range sortedKeys(counted) {
		sum.Rows = append(sum.Rows, []string{k, fmt.Sprint(counted[k])})
	}
	sum.Columns, sum.Kinds = []string{"change", "partners"}, []Kind{Text, Count}
	if len(sum.Rows) > 0 {
		s.Summary = &sum
	}
	if len(outcomes.Rows) == 0 {
		s.Notes = append(s.Notes, b.auditPending())
	}
	s.Table.withNames(b.names)
	b.add(s)
	return nil
}

// direction names a change by the level order: up, down or same.
func (b *builder) direction(from, to string) string {
	switch {
	case from == "":
		return "new"
	case to == rulebook.Terminated:
		return "down"
	}
	f, t := levelRank(b.order, from), levelRank(b.order, to)
	switch {
	case b.rb == nil || f < 0 || t < 0:
		return ""
	case t > f:
		return "up"
	case t < f:
		return "down"
	}
	return "same"
}

// nearNext: partners that lack at most 10% of their next level's
// performance threshold.
func (b *builder) nearNext() error {
	s := &Section{ID: "near_next_level", Title: "Partners within 10% of their next level"}
	if !b.isCurrent() {
		s.Table = Table{Columns: nearColumns, Kinds: nearKinds}
		s.Empty = fmt.Sprintf("Not shown: how near a partner is to its next level is known for the snapshot's own program year, %s, not for %s.", orUnknown(b.r.CurrentYear), b.r.ProgramYear)
		b.add(s)
		return nil
	}
	r, err := b.query(`SELECT partner_id, level, next_level, performance_points, performance_points_to_next,
			capability_points, capability_points_to_next
		FROM partner_levels WHERE next_level IS NOT NULL ORDER BY performance_points_to_next, partner_id`)
	if err != nil {
		return err
	}
	thresholds := map[string]int64{}
	if b.rb != nil {
		for _, l := range b.rb.Year(b.r.ProgramYear).Levels {
			thresholds[l.ID] = l.MinPerformancePoints.Scaled / 10_000_000 // scale 9 -> hundredths
		}
		s.Notes = append(s.Notes, fmt.Sprintf("Lacking at most %d%% of the next level's min_performance_points (%s rules), as of %s. Levels that need no performance points are left out: what such partners lack is not points.", nearPercent, b.r.ProgramYear, b.r.AsOf))
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf("Lacking at most %d%% of the next level's performance threshold, as of %s; without the rulebook the threshold is taken as performance_points + performance_points_to_next.", nearPercent, b.r.AsOf))
	}
	s.Table = Table{Columns: nearColumns, Kinds: nearKinds}
	s.Empty = fmt.Sprintf("No partner lacks %d%% or less of its next level's performance threshold on %s.", nearPercent, b.r.AsOf)
	for _, row := range r.Rows {
		perf, _ := points(row[3].Text)
		short, ok := points(row[4].Text)
		if !ok {
			continue
		}
		threshold, known := thresholds[row[2].Text]
		if !known && b.rb == nil && short > 0 {
			threshold, known = perf+short, true
		}
		if known && (threshold <= 0 || short*100 > threshold*nearPercent) {
			continue
		}
		th := ""
		if known {
			th = formatPoints(threshold)
		}
		s.Table.Rows = append(s.Table.Rows, []string{row[0].Text, row[1].Text, row[2].Text, row[3].Text, th,
			row[4].Text, row[5].Text, row[6].Text})
	}
	s.Table.withNames(b.names)
	b.add(s)
	return nil
}

var (
	nearColumns = []string{"partner_id", "level", "next_level", "performance_points", "next_threshold",
		"performance_points_to_next", "capability_points", "capability_points_to_next"}
	nearKinds = []Kind{Text, Text, Text, Points, Points, Points, Points, Points}
)

// audits: every audited partner of the year and the windows still open on
// as_of.
func (b *builder) audits() error {
	s := &Section{ID: "audit_outcomes", Title: "Audit outcomes and open windows"}
	r, err := b.query(`SELECT partner_id, audit_on, previous_level, earned_level, outcome, level_after,
			remediation_until, reenroll_until, reinstated_on, terminated_on,
			CASE WHEN reinstated_on IS NOT NULL OR terminated_on IS NOT NULL THEN ''
				WHEN ?::DATE <= remediation_until THEN 'remediation'
				WHEN ?::DATE <= reenroll_until THEN 'reenrollment'
				ELSE '' END AS open_window
		FROM audits WHERE program_year = ? ORDER BY partner_id`, b.r.AsOf, b.r.AsOf, b.r.ProgramYear)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	if len(r.Rows) == 0 {
		s.Empty = b.auditPending()
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf("open_window: the window the partner is in on %s (remediation, then re-enrollment), not yet reinstated or terminated.", b.r.AsOf))
	}
	sum := Table{Columns: []string{"outcome", "partners", "window still open"}, Kinds: []Kind{Text, Count, Count}}
	counts, open := map[string]int{}, map[string]int{}
	for _, row := range s.Table.Rows {
		counts[row[4]]++
		if row[10] != "" {
			open[row[4]]++
		}
	}
	for _, k := range sortedKeys(counts) {
		sum.Rows = append(sum.Rows, []string{k, fmt.Sprint(counts[k]), fmt.Sprint(open[k])})
	}
	if len(sum.Rows) > 0 {
		s.Summary = &sum
		bc := chart.BarChart{Title: "Audit outcomes", Series: []chart.Series{{Name: "partners"}}}
		for _, row := range sum.Rows {
			bc.Categories = append(bc.Categories, row[0])
			bc.Series[0].Values = append(bc.Series[0].Values, float(row[1]))
		}
		s.Chart = &bc
	}
	s.Table.withNames(b.names)
	b.add(s)
	return nil
}

func (b *builder) reminders() error {
	s := &Section{ID: "reminders", Title: fmt.Sprintf("Reminders due in the next %d days", ReminderDays)}
	if !b.isCurrent() {
		s.Table = Table{Columns: []string{"partner_id", "kind", "due_on", "about_on", "days_before"}, Kinds: []Kind{Text, Text, Text, Text, Count}}
		s.Empty = fmt.Sprintf("Not shown: the snapshot's notifications are those of its own program year, %s, not of %s.", orUnknown(b.r.CurrentYear), b.r.ProgramYear)
		b.add(s)
		return nil
	}
	r, err := b.query(`SELECT partner_id, kind, due_on, about_on, days_before FROM notifications
		WHERE due_on BETWEEN ?::DATE AND ?::DATE + ?::INTEGER ORDER BY due_on, partner_id, kind`, b.r.AsOf, b.r.AsOf, ReminderDays)
	if err != nil {
		return err
	}
	s.Table = fromResult(r)
	end, _ := date.Parse(b.r.AsOf)
	s.Notes = append(s.Notes, fmt.Sprintf("Due from %s to %s inclusive.", b.r.AsOf, end.AddDays(ReminderDays)))
	counts := map[string]int{}
	for _, row := range s.Table.Rows {
		counts[row[1]]++
	}
	s.Empty = fmt.Sprintf("No renewal, audit or health-check reminder falls due from %s to %s.", b.r.AsOf, end.AddDays(ReminderDays))
	sum := Table{Columns: []string{"kind", "reminders"}, Kinds: []Kind{Text, Count}}
	for _, k := range sortedKeys(counts) {
		sum.Rows = append(sum.Rows, []string{k, fmt.Sprint(counts[k])})
	}
	if len(sum.Rows) > 0 {
		s.Summary = &sum
	}
	s.Table.withNames(b.names)
	b.add(s)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func validYearID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
