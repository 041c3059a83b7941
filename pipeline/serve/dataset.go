package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"tally/pipeline/decimal"
	"tally/pipeline/lake"
)

// dataset is what the dashboard shows of one published snapshot, held in
// memory: every partner's levels, ledger rows of its program year, denials
// and the other tables its pages list. Every figure of a response comes
// from one dataset, so from one snapshot; the snapshot stays open while
// the dataset is in use, so that a publish that replaces it is noticed.
//
// It is held compactly, for a lake of hundreds of thousands of partners and
// millions of ledger rows: each table column by column (table), a partner
// an index into them. A page builds its records from these per request;
// none needs a query.
//
// A dataset is shared by the requests that hold it (acquire/release); once
// a newer snapshot replaces it, the last request to let go closes it.
type dataset struct {
	asOf, runID, dir string
	programYear      string   // of as_of, the year most partners' rows name
	months           []string // YYYY-MM of the program year, its first ledger month to as_of
	levels           []string // as_of's program year's levels, lowest first, then any others
	thresholds       map[string][]threshold
	ids              []string // every partner, sorted; a partner's index is its position
	index            map[string]int32
	levelRows        *table   // partner_levels, row i of partner i
	tables           []*table // partnerTables, in that order
	ledger           *table   // points_ledger rows of each partner's own program year: ledgerShown columns
	otherYears       *table   // points of each partner's other years: program_year, source, points
	denials          *table   // source, source_id, reason (and detail)
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

// threshold is what a level asks in a program year: the snapshot's
// level_thresholds row (RULES.md section 7, absent thresholds as 0).
type threshold struct {
	Rank         int    `json:"level_rank"`
	Level        string `json:"level"`
	GoodStanding bool   `json:"good_standing"`
	Performance  string `json:"min_performance_points"`
	Capability   string `json:"min_capability_points"`
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

// record is one row of a table, by column; nil = SQL NULL. Pages and the
// API get rows as records.
type record map[string]*string

// partnerTables are the tables whose rows a partner page lists, in the
// order of dataset.tables, with the order of each partner's rows.
var partnerTables = []struct {
	name, order string
	optional    bool // RULES.md sections 14 and 15: only when the rulebook has them
}{
	{"level_history", "valid_from", false},
	{"audits", "audit_on", false},
	{"migration", "ALL", false},
	{"notifications", "due_on, kind", false},
	{"designations", "ALL", true},
	{"benefits", "ALL", true},
	{"benefit_changes", "changed_on, benefit", true},
}

// Positions in partnerTables.
const (
	tHistory = iota
	tAudits
	tMigration
	tNotifications
	tDesignations
	tBenefits
	tBenefitChanges
)

// partner is the index of the partner with this id, -1 if the snapshot
// has none.
func (d *dataset) partner(id string) int {
	if i, ok := d.index[id]; ok {
		return int(i)
	}
	return -1
}

// get is partner p's value of a partner_levels column, "" for NULL.
func (d *dataset) get(p int, col string) string { return d.levelRows.text(p, col) }

// val is partner p's value of a partner_levels column, nil for NULL.
func (d *dataset) val(p int, col string) *string { return d.levelRows.get(p, d.levelRows.col(col)) }

// records gives partner p's rows of partnerTables[t] (none when the
// snapshot lacks the optional table).
func (d *dataset) records(t, p int) []record {
	if d.tables[t] == nil {
		return nil
	}
	return d.tables[t].records(p)
}

// sourceOrder is how sources are listed: the ledger's, then any other.
var sourceOrder = []string{"booking", "oem_credit", "lifecycle", "influence"}

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
		index: map[string]int32{}, thresholds: map[string][]threshold{}, optional: map[string]bool{}}
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

// each streams q's rows to fn, with the columns (the row slice is reused).
func (d *dataset) each(ctx context.Context, q string, args []any, fn func(cs []lake.Column, r []lake.Value) error) error {
	d.queryMu.Lock()
	defer d.queryMu.Unlock()
	var cols []lake.Column
	err := d.snap.Each(ctx, q, args, func(cs []lake.Column) { cols = cs }, func(r []lake.Value) error { return fn(cols, r) })
	if err != nil {
		return fmt.Errorf("serve: snapshot as of %s: %w", d.asOf, err)
	}
	return nil
}

// requiredTables are the tables a snapshot must have to be shown.
var requiredTables = []string{"partner_levels", "points_ledger", "level_history", "audits", "migration", "notifications", "denials", "level_thresholds"}

func (d *dataset) load(ctx context.Context) error {
	for _, t := range requiredTables {
		if !d.snap.HasTable(t) {
			return fmt.Errorf("serve: the snapshot as of %s has no table %s", d.asOf, t)
		}
	}
	var err error
	if d.ledgerColumns, err = d.columns(ctx, "points_ledger"); err != nil {
		return err
	}
	if d.denialColumns, err = d.columns(ctx, "denials"); err != nil {
		return err
	}
	d.hasBusinessModel = slices.Contains(d.ledgerColumns, "business_model")

	// partner_levels: one row per partner, in id order.
	n, err := d.count(ctx, "SELECT count(*) FROM partner_levels")
	if err != nil {
		return err
	}
	years := map[string]int{}
	err = d.each(ctx, "SELECT * FROM partner_levels ORDER BY partner_id", nil, func(cs []lake.Column, r []lake.Value) error {
		if d.levelRows == nil {
			d.levelRows = newTable(cs, -1, n)
		}
		id := r[d.levelRows.col("partner_id")]
		if id.Null {
			return fmt.Errorf("partner_levels has a row without partner_id")
		}
		if _, dup := d.index[id.Text]; dup {
			return fmt.Errorf("partner_levels has partner %q twice", id.Text)
		}
		d.index[id.Text] = int32(len(d.ids))
		d.ids = append(d.ids, id.Text)
		d.levelRows.add(r, -1)
		years[r[d.levelRows.col("program_year")].Text]++
		return nil
	})
	if err != nil {
		return err
	}
	if d.levelRows == nil {
		return fmt.Errorf("serve: the snapshot as of %s has no partner", d.asOf)
	}
	d.levelRows.done()
	for y, n := range years {
		if n > years[d.programYear] || n == years[d.programYear] && y > d.programYear {
			d.programYear = y
		}
	}

	if err := d.loadThresholds(ctx); err != nil {
		return err
	}
	if err := d.loadLedger(ctx); err != nil {
		return err
	}
	d.tables = make([]*table, len(partnerTables))
	for t, pt := range partnerTables {
		if pt.optional {
			if d.optional[pt.name] = d.snap.HasTable(pt.name); !d.optional[pt.name] {
				continue
			}
		}
		order := "ALL"
		if pt.order != "ALL" {
			order = "partner_id, " + pt.order
		}
		if d.tables[t], err = d.load1(ctx, "SELECT * FROM "+pt.name, "partner_id", "ORDER BY "+order, "SELECT count(*) FROM "+pt.name); err != nil {
			return err
		}
	}
	dcols := "partner_id, source, source_id, reason"
	if slices.Contains(d.denialColumns, "detail") {
		dcols += ", detail"
	}
	if d.denials, err = d.load1(ctx, "SELECT "+dcols+" FROM denials", "partner_id", "ORDER BY partner_id, source, source_id, reason", "SELECT count(*) FROM denials"); err != nil {
		return err
	}
	d.levels = d.levelOrder()
	d.summarise()
	d.notes = append(d.notes,
		"The snapshot holds no requirement completions or capability list: good standing is shown as computed, and capabilities as their points, without the requirement or capability behind them.")
	return nil
}

// load1 reads the rows of sel, with partner_id among its columns, into a
// table grouped by partner (rows of partners without a partner_levels row,
// enrolled after as_of, are not kept): "sel WHERE idCol BETWEEN ? AND ?
// tail", for one range of partners after another, tail ordering by
// partner_id first. The DuckDB driver holds a whole result in memory
// before the first row, so a range at a time keeps that small. count
// counts the rows, to size the table.
func (d *dataset) load1(ctx context.Context, sel, idCol, tail, count string) (*table, error) {
	n, err := d.count(ctx, count)
	if err != nil {
		return nil, err
	}
	var t *table
	id := -1
	owner := make([]int32, 0, n)
	q := sel + " WHERE " + idCol + " BETWEEN ? AND ? " + tail
	for lo := 0; lo < len(d.ids); lo += loadRange {
		hi := min(lo+loadRange, len(d.ids)) - 1
		err = d.each(ctx, q, []any{d.ids[lo], d.ids[hi]}, func(cs []lake.Column, r []lake.Value) error {
			if t == nil {
				id = slices.IndexFunc(cs, func(c lake.Column) bool { return c.Name == "partner_id" })
				if id < 0 {
					return fmt.Errorf("no partner_id in %s", sel)
				}
				t = newTable(cs, id, n)
			}
			p := d.partner(r[id].Text)
			if p < 0 {
				return nil
			}
			owner = append(owner, int32(p))
			t.add(r, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if t == nil { // no row: the columns are still listed
		r, err := d.query(ctx, sel+" LIMIT 0")
		if err != nil {
			return nil, err
		}
		t = newTable(r.Columns, r.Index("partner_id"), 0)
	}
	t.done()
	t.group(owner, len(d.ids))
	return t, nil
}

// loadRange is how many partners' rows load1 reads at a time.
const loadRange = 4096

func (d *dataset) count(ctx context.Context, q string) (int, error) {
	r, err := d.query(ctx, q)
	if err != nil {
		return 0, err
	}
	if len(r.Rows) != 1 || len(r.Rows[0]) != 1 {
		return 0, fmt.Errorf("serve: %s: no count", q)
	}
	n, err := strconv.Atoi(r.Rows[0][0].Text)
	if err != nil {
		return 0, fmt.Errorf("serve: %s: %w", q, err)
	}
	return n, nil
}

// loadThresholds reads level_thresholds: each program year's levels,
// lowest first.
func (d *dataset) loadThresholds(ctx context.Context) error {
	return d.each(ctx, "SELECT program_year, level_rank, level_id, good_standing, min_performance_points, min_capability_points FROM level_thresholds ORDER BY program_year, level_rank", nil,
		func(_ []lake.Column, r []lake.Value) error {
			rank, err := strconv.Atoi(r[1].Text)
			if err != nil {
				return fmt.Errorf("level_thresholds: level_rank %q: %w", r[1].Text, err)
			}
			y := r[0].Text
			d.thresholds[y] = append(d.thresholds[y], threshold{Rank: rank, Level: r[2].Text, GoodStanding: r[3].Text == "true",
				Performance: points(r[4].Text), Capability: points(r[5].Text)})
			return nil
		})
}

// ownYear joins the ledger to the partners' own program year (the one
// their partner_levels row names, whose points partner_levels adds up).
const ownYear = " l SEMI JOIN partner_levels p ON p.partner_id = l.partner_id AND p.program_year = l.program_year"

// loadLedger reads the ledger rows of each partner's own program year, the
// points detail lists and the summary sums, and the totals by source of
// its other years.
func (d *dataset) loadLedger(ctx context.Context) error {
	cols := []string{"l.partner_id"}
	for _, c := range ledgerShown {
		if slices.Contains(d.ledgerColumns, c) {
			cols = append(cols, "l."+c)
		}
	}
	var err error
	d.ledger, err = d.load1(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM points_ledger"+ownYear, "l.partner_id",
		"ORDER BY l.partner_id, l.earned_on, l.source, l.source_id, l.component, l.rule_id NULLS FIRST", "SELECT count(*) FROM points_ledger"+ownYear)
	if err != nil {
		return err
	}
	other := strings.Replace(ownYear, "SEMI", "ANTI", 1)
	d.otherYears, err = d.load1(ctx, "SELECT l.partner_id, l.program_year, l.source, sum(l.points) AS points FROM points_ledger"+other, "l.partner_id",
		"GROUP BY ALL ORDER BY l.partner_id, l.program_year DESC, l.source",
		"SELECT count(*) FROM (SELECT DISTINCT l.partner_id, l.program_year, l.source FROM points_ledger"+other+")")
	if err != nil {
		return err
	}
	// The program year's months: from its first ledger month to as_of's.
	first := ""
	if on := d.ledger.col("earned_on"); on >= 0 {
		for p := range d.ids {
			if d.get(p, "program_year") != d.programYear {
				continue
			}
			for _, i := range d.ledger.rows(p) {
				if m := str(d.ledger.get(i, on)); m != "" && (first == "" || m[:min(7, len(m))] < first) {
					first = m[:min(7, len(m))]
				}
			}
		}
	}
	d.months = monthRange(first, d.asOf)
	return nil
}

func (d *dataset) columns(ctx context.Context, table string) ([]string, error) {
	r, err := d.query(ctx, "SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	return r.Names(), nil
}

// levelOrder is the levels of as_of's program year from level_thresholds,
// lowest first, then the level values of partner_levels on no such ladder
// (terminated), by name.
func (d *dataset) levelOrder() []string {
	ladder := d.thresholds[d.programYear]
	if ladder == nil { // no thresholds for as_of's year: the latest year's
		latest := ""
		for y := range d.thresholds {
			latest = max(latest, y)
		}
		ladder = d.thresholds[latest]
	}
	var order []string
	for _, t := range ladder {
		order = append(order, t.Level)
	}
	seen := map[string]bool{}
	for p := range d.ids {
		for _, c := range []string{"level", "earned_level", "baseline_level", "next_level"} {
			if v := d.get(p, c); v != "" && !slices.Contains(order, v) {
				seen[v] = true
			}
		}
	}
	return append(order, sortedKeys(seen)...)
}

// threshold returns what level asks in program year y.
func (d *dataset) threshold(y, level string) (threshold, bool) {
	for _, t := range d.thresholds[y] {
		if t.Level == level {
			return t, true
		}
	}
	return threshold{}, false
}

// summarise counts partners per level and finds this year's movers: the
// partners moved at the latest audit (the one that opened the program
// year) and those up-leveled above their baseline since.
func (d *dataset) summarise() {
	counts := map[string]int{}
	for p := range d.ids {
		counts[d.get(p, "level")]++
	}
	for _, l := range d.levels {
		if counts[l] > 0 {
			d.distribution = append(d.distribution, levelCount{l, counts[l]})
		}
	}
	if counts[""] > 0 {
		d.distribution = append(d.distribution, levelCount{"", counts[""]})
	}
	audits, history := d.tables[tAudits], d.tables[tHistory]
	latestAudit := ""
	for i := range audits.n {
		latestAudit = max(latestAudit, audits.text(i, "audit_on"))
	}
	for p, id := range d.ids {
		for _, a := range audits.rows(p) {
			out := audits.text(a, "outcome")
			if audits.text(a, "audit_on") == latestAudit && (out == "promoted" || out == "demoted") {
				d.movers = append(d.movers, mover{PartnerID: id, From: audits.text(a, "previous_level"), To: audits.text(a, "level_after"),
					How: out + " at the audit of " + audits.text(a, "program_year"), On: latestAudit})
			}
		}
		level, base := d.get(p, "level"), d.get(p, "baseline_level")
		if d.rank(level) > d.rank(base) && base != "" {
			on := ""
			for _, h := range history.rows(p) {
				if history.text(h, "level") == level && history.text(h, "valid_to") == "" {
					on = history.text(h, "valid_from")
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

// points writes a decimal with the two places of the points columns, or
// more where its value has them: level_thresholds keeps the rulebook's
// scale (900.000000000 is 900.00, 900.125000000 is 900.125).
func points(s string) string {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok {
		return s + ".00"
	}
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac
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
