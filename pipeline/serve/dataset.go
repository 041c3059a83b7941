package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"tally/pipeline/decimal"
	"tally/pipeline/lake"
)

// dataset is what the dashboard shows of one published snapshot: every
// partner's summary, held in memory so that a partner page costs no query,
// and the open snapshot for the ledger rows of the points detail. Every
// figure of a response comes from one dataset, so from one snapshot.
//
// A dataset is shared by the requests that hold it (acquire/release); once
// a newer snapshot replaces it, the last request to let go closes it.
type dataset struct {
	asOf, runID, dir string
	programYear      string   // of as_of, the year most partners' rows name
	months           []string // YYYY-MM of the program year, its first ledger month to as_of
	levels           []string // the levels, lowest first, then any others
	thresholds       map[string]threshold
	partners         map[string]*partner
	ids              []string // every partner, sorted
	distribution     []levelCount
	movers           []mover
	ledgerColumns    []string // points_ledger's columns
	denialColumns    []string
	hasBusinessModel bool
	optional         map[string]bool // designations, benefits: present in this snapshot
	notes            []string        // what the snapshot does not hold, said once for every page

	queryMu sync.Mutex // one query at a time on snap's single connection
	snap    *lake.Snapshot

	refMu   sync.Mutex
	refs    int
	retired bool
}

// threshold is what a level asks, as far as the snapshot tells it: derived
// from partner_levels (a partner's points plus what it still needs for its
// next level), nil when no partner of the snapshot reveals it.
type threshold struct {
	Performance *string `json:"min_performance_points"`
	Capability  *string `json:"min_capability_points"`
}

type levelCount struct {
	Level    string `json:"level"`
	Partners int    `json:"partners"`
}

// mover is a partner whose level changed this program year: at the audit
// that opened it, or up-leveled since.
type mover struct {
	PartnerID string `json:"partner_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	How       string `json:"how"` // promoted or demoted at the audit of <year>, or up-leveled during the year
	On        string `json:"on,omitempty"`
}

// partner is one partner's figures, as the snapshot has them.
type partner struct {
	fields         map[string]*string // partner_levels, by column; nil = SQL NULL
	months         map[string]map[string]int64
	sources        map[string]int64 // this program year, hundredths
	businessModel  map[string]int64
	history        []record
	audits         []record
	migration      []record
	notifications  []record
	denials        int
	designations   []record
	benefits       []record
	benefitChanges []record
}

// record is one row of a table, by column; nil = SQL NULL.
type record map[string]*string

func (p *partner) get(col string) string {
	if v := p.fields[col]; v != nil {
		return *v
	}
	return ""
}

// sourceOrder is how sources are listed: the ledger's, then any other.
var sourceOrder = []string{"booking", "oem_credit", "lifecycle", "influence"}

// optionalTables are shown only when the snapshot has them (their rulebook
// sections are optional, RULES.md sections 14 and 15).
var optionalTables = []string{"designations", "benefits", "benefit_changes"}

// loadDataset opens the lake's latest snapshot and reads what the pages
// show. The snapshot stays open for the points detail until close.
func loadDataset(ctx context.Context, lakeDir string) (*dataset, error) {
	var err error
	for range 5 {
		var d *dataset
		if d, err = loadOnce(ctx, lakeDir); !errors.Is(err, lake.ErrSnapshotReplaced) {
			return d, err
		}
	}
	return nil, err
}

func loadOnce(ctx context.Context, lakeDir string) (*dataset, error) {
	snap, err := lake.Open(ctx, lakeDir, "")
	if err != nil {
		return nil, err
	}
	d := &dataset{asOf: snap.AsOf, runID: snap.Manifest.RunID, dir: snap.Dir, snap: snap,
		partners: map[string]*partner{}, thresholds: map[string]threshold{}, optional: map[string]bool{}}
	if err := d.load(ctx); err != nil {
		return nil, errors.Join(err, snap.Close())
	}
	return d, nil
}

func (d *dataset) query(ctx context.Context, q string, args ...any) (*lake.Result, error) {
	d.queryMu.Lock()
	defer d.queryMu.Unlock()
	r, err := d.snap.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("serve: snapshot as of %s: %w", d.asOf, err)
	}
	return r, nil
}

func (d *dataset) load(ctx context.Context) error {
	for _, t := range []string{"partner_levels", "points_ledger", "level_history", "audits", "migration", "notifications", "denials"} {
		if !d.snap.HasTable(t) {
			return fmt.Errorf("serve: the snapshot as of %s has no table %s", d.asOf, t)
		}
	}
	for _, t := range optionalTables {
		d.optional[t] = d.snap.HasTable(t)
	}
	var err error
	if d.ledgerColumns, err = d.columns(ctx, "points_ledger"); err != nil {
		return err
	}
	if d.denialColumns, err = d.columns(ctx, "denials"); err != nil {
		return err
	}
	d.hasBusinessModel = slices.Contains(d.ledgerColumns, "business_model")

	levels, err := d.query(ctx, "SELECT * FROM partner_levels ORDER BY partner_id")
	if err != nil {
		return err
	}
	years := map[string]int{}
	for i := range levels.Rows {
		p := &partner{fields: map[string]*string{}, months: map[string]map[string]int64{},
			sources: map[string]int64{}, businessModel: map[string]int64{}}
		for j, c := range levels.Columns {
			if v := levels.Rows[i][j]; !v.Null {
				p.fields[c.Name] = &v.Text
			}
		}
		id := p.get("partner_id")
		d.partners[id] = p
		d.ids = append(d.ids, id)
		years[p.get("program_year")]++
	}
	for y, n := range years {
		if n > years[d.programYear] || n == years[d.programYear] && y > d.programYear {
			d.programYear = y
		}
	}

	// Points of each partner's own program year (the one its
	// partner_levels row names): the sums partner_levels adds up.
	bm := "NULL"
	if d.hasBusinessModel {
		bm = "coalesce(l.business_model, 'unattributed')"
	}
	pts, err := d.query(ctx, `SELECT l.partner_id, strftime(l.earned_on, '%Y-%m') AS month, l.source, `+bm+` AS business_model, sum(l.points)::VARCHAR AS points
		FROM points_ledger l JOIN partner_levels p ON p.partner_id = l.partner_id AND p.program_year = l.program_year
		GROUP BY ALL ORDER BY ALL`)
	if err != nil {
		return err
	}
	first := ""
	for _, row := range pts.Rows {
		p := d.partners[row[0].Text]
		if p == nil {
			continue
		}
		month, src, v := row[1].Text, row[2].Text, hundredths(row[4].Text)
		if p.months[month] == nil {
			p.months[month] = map[string]int64{}
		}
		p.months[month][src] += v
		p.sources[src] += v
		if d.hasBusinessModel {
			p.businessModel[row[3].Text] += v
		}
		if p.get("program_year") == d.programYear && (first == "" || month < first) {
			first = month
		}
	}
	d.months = monthRange(first, d.asOf)

	if err := d.perPartner(ctx, "SELECT * FROM level_history ORDER BY partner_id, valid_from", func(p *partner, r record) { p.history = append(p.history, r) }); err != nil {
		return err
	}
	if err := d.perPartner(ctx, "SELECT * FROM audits ORDER BY partner_id, audit_on", func(p *partner, r record) { p.audits = append(p.audits, r) }); err != nil {
		return err
	}
	if err := d.perPartner(ctx, "SELECT * FROM migration ORDER BY partner_id", func(p *partner, r record) { p.migration = append(p.migration, r) }); err != nil {
		return err
	}
	if err := d.perPartner(ctx, "SELECT * FROM notifications ORDER BY partner_id, due_on, kind", func(p *partner, r record) { p.notifications = append(p.notifications, r) }); err != nil {
		return err
	}
	if err := d.perPartner(ctx, "SELECT partner_id, count(*)::VARCHAR AS n FROM denials GROUP BY ALL", func(p *partner, r record) { p.denials = int(hundredths(str(r["n"])) / 100) }); err != nil {
		return err
	}
	if d.optional["designations"] {
		if err := d.perPartner(ctx, "SELECT * FROM designations ORDER BY ALL", func(p *partner, r record) { p.designations = append(p.designations, r) }); err != nil {
			return err
		}
	}
	if d.optional["benefits"] {
		if err := d.perPartner(ctx, "SELECT * FROM benefits ORDER BY ALL", func(p *partner, r record) { p.benefits = append(p.benefits, r) }); err != nil {
			return err
		}
	}
	if d.optional["benefit_changes"] {
		if err := d.perPartner(ctx, "SELECT * FROM benefit_changes ORDER BY partner_id, changed_on, benefit", func(p *partner, r record) { p.benefitChanges = append(p.benefitChanges, r) }); err != nil {
			return err
		}
	}
	d.levels = d.levelOrder()
	d.deriveThresholds()
	d.summarise()
	d.notes = append(d.notes,
		"The snapshot holds no requirement completions or capability list: good standing is shown as computed, and capabilities as their points, without the requirement or capability behind them.")
	return nil
}

func (d *dataset) columns(ctx context.Context, table string) ([]string, error) {
	r, err := d.query(ctx, "SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	return r.Names(), nil
}

// perPartner runs q and hands each row, as a record, to the partner its
// partner_id names (rows of partners without a partner_levels row, enrolled
// after as_of, are not shown).
func (d *dataset) perPartner(ctx context.Context, q string, add func(*partner, record)) error {
	r, err := d.query(ctx, q)
	if err != nil {
		return err
	}
	id := r.Index("partner_id")
	for _, row := range r.Rows {
		p := d.partners[row[id].Text]
		if p == nil {
			continue
		}
		rec := make(record, len(row))
		for j, c := range r.Columns {
			if c.Name == "partner_id" {
				continue
			}
			if !row[j].Null {
				v := row[j].Text
				rec[c.Name] = &v
			} else {
				rec[c.Name] = nil
			}
		}
		add(p, rec)
	}
	return nil
}

// levelOrder follows next_level from the level that is no level's next:
// the rulebook's order, lowest first, read from the snapshot alone. Levels
// on no such chain (terminated) follow.
func (d *dataset) levelOrder() []string {
	next := map[string]string{}
	isNext := map[string]bool{}
	seen := map[string]bool{}
	for _, id := range d.ids {
		p := d.partners[id]
		l, n := p.get("level"), p.get("next_level")
		for _, v := range []string{l, p.get("earned_level"), p.get("baseline_level")} {
			if v != "" {
				seen[v] = true
			}
		}
		if l != "" && n != "" {
			next[l] = n
			isNext[n] = true
			seen[n] = true
		}
	}
	var order []string
	for l := range next {
		if !isNext[l] {
			for cur := l; cur != "" && !slices.Contains(order, cur); cur = next[cur] {
				order = append(order, cur)
			}
		}
	}
	var rest []string
	for l := range seen {
		if !slices.Contains(order, l) {
			rest = append(rest, l)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}

// deriveThresholds reads each level's minimum points from the partners of
// the program year that are short of it: points + points to next. A level
// no partner is short of stays unknown (nil).
func (d *dataset) deriveThresholds() {
	perf := map[string]map[int64]bool{}
	capa := map[string]map[int64]bool{}
	put := func(m map[string]map[int64]bool, level string, v int64) {
		if m[level] == nil {
			m[level] = map[int64]bool{}
		}
		m[level][v] = true
	}
	for _, id := range d.ids {
		p := d.partners[id]
		n := p.get("next_level")
		if n == "" || p.get("program_year") != d.programYear {
			continue
		}
		if short := hundredths(p.get("performance_points_to_next")); short > 0 {
			put(perf, n, hundredths(p.get("performance_points"))+short)
		}
		if short := hundredths(p.get("capability_points_to_next")); short > 0 {
			put(capa, n, hundredths(p.get("capability_points"))+short)
		}
	}
	only := func(m map[int64]bool) *string {
		if len(m) != 1 {
			return nil // none, or partners disagree: not derivable
		}
		for v := range m {
			s := decimal.Format(v, 2)
			return &s
		}
		return nil
	}
	for _, l := range d.levels {
		d.thresholds[l] = threshold{Performance: only(perf[l]), Capability: only(capa[l])}
	}
	// The lowest level asks nothing.
	if len(d.levels) > 0 {
		zero := "0.00"
		t := d.thresholds[d.levels[0]]
		if t.Performance == nil && t.Capability == nil && len(perf[d.levels[0]]) == 0 {
			d.thresholds[d.levels[0]] = threshold{Performance: &zero, Capability: &zero}
		}
	}
}

// summarise counts partners per level and finds this year's movers: the
// partners moved at the latest audit (the one that opened the program
// year) and those up-leveled above their baseline since.
func (d *dataset) summarise() {
	counts := map[string]int{}
	for _, id := range d.ids {
		counts[d.partners[id].get("level")]++
	}
	for _, l := range d.levels {
		if counts[l] > 0 {
			d.distribution = append(d.distribution, levelCount{l, counts[l]})
		}
	}
	if counts[""] > 0 {
		d.distribution = append(d.distribution, levelCount{"", counts[""]})
	}
	latestAudit := ""
	for _, id := range d.ids {
		for _, a := range d.partners[id].audits {
			latestAudit = max(latestAudit, str(a["audit_on"]))
		}
	}
	for _, id := range d.ids {
		p := d.partners[id]
		for _, a := range p.audits {
			out := str(a["outcome"])
			if str(a["audit_on"]) == latestAudit && (out == "promoted" || out == "demoted") {
				d.movers = append(d.movers, mover{PartnerID: id, From: str(a["previous_level"]), To: str(a["level_after"]),
					How: out + " at the audit of " + str(a["program_year"]), On: latestAudit})
			}
		}
		level, base := p.get("level"), p.get("baseline_level")
		if d.rank(level) > d.rank(base) && base != "" {
			on := ""
			for _, h := range p.history {
				if str(h["level"]) == level && str(h["valid_to"]) == "" {
					on = str(h["valid_from"])
				}
			}
			d.movers = append(d.movers, mover{PartnerID: id, From: base, To: level, How: "up-leveled during the year", On: on})
		}
	}
	slices.SortStableFunc(d.movers, func(a, b mover) int {
		return cmp.Or(cmp.Compare(b.On, a.On), cmp.Compare(a.PartnerID, b.PartnerID))
	})
}

// rank is a level's position, lowest first; -1 for none.
func (d *dataset) rank(level string) int { return slices.Index(d.levels, level) }

// visible lists the ids of the partners the user may see, sorted.
func (d *dataset) visible(sees func(string) bool, all bool) []string {
	if all {
		return d.ids
	}
	var out []string
	for _, id := range d.ids {
		if sees(id) {
			out = append(out, id)
		}
	}
	return out
}

// acquire takes a reference; false once the dataset is retired.
func (d *dataset) acquire() bool {
	d.refMu.Lock()
	defer d.refMu.Unlock()
	if d.retired {
		return false
	}
	d.refs++
	return true
}

func (d *dataset) release() {
	d.refMu.Lock()
	d.refs--
	done := d.retired && d.refs == 0
	d.refMu.Unlock()
	if done {
		_ = d.snap.Close()
	}
}

// retire marks the dataset replaced: it closes when its last request ends.
func (d *dataset) retire() {
	d.refMu.Lock()
	d.retired = true
	done := d.refs == 0
	d.refMu.Unlock()
	if done {
		_ = d.snap.Close()
	}
}

// hundredths reads DECIMAL(18,2) text (or an integer) as hundredths; text
// that is not a number is 0.
func hundredths(s string) int64 {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		frac = frac[:2]
	}
	v, err := decimal.Parse(whole+"."+frac+strings.Repeat("0", 2-len(frac)), 2)
	if err != nil {
		return 0
	}
	return v
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// monthRange lists YYYY-MM from first to the month of asOf; with no first
// month, only as_of's.
func monthRange(first, asOf string) []string {
	last := asOf[:min(7, len(asOf))]
	if first == "" || first > last {
		return []string{last}
	}
	var out []string
	y, m := 0, 0
	fmt.Sscanf(first, "%d-%d", &y, &m)
	for {
		s := fmt.Sprintf("%04d-%02d", y, m)
		out = append(out, s)
		if s >= last || len(out) > 120 {
			return out
		}
		if m++; m > 12 {
			y, m = y+1, 1
		}
	}
}

// sortedSources orders sources as the ledger lists them, then others.
func sortedSources[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := slices.Index(sourceOrder, keys[i]), slices.Index(sourceOrder, keys[j])
		if a < 0 {
			a = len(sourceOrder)
		}
		if b < 0 {
			b = len(sourceOrder)
		}
		return a < b || a == b && keys[i] < keys[j]
	})
	return keys
}
