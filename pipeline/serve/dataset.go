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

// dataset is what the dashboard shows of one published snapshot: every
// partner's summary, held in memory so that a partner page costs no query,
// and the open snapshot for the ledger rows of the points detail. Every
// figure of a response comes from one dataset, so from one snapshot.
//
// It is held compactly, for a lake of hundreds of thousands of partners:
// partners in one slice, each row a slice of values by its table's columns
// (repeated values, dates and levels, shared), points as (month, source)
// cells rather than maps. A page builds its maps from these per request.
//
// A dataset is shared by the requests that hold it (acquire/release); once
// a newer snapshot replaces it, the last request to let go closes it.
type dataset struct {
	asOf, runID, dir string
	programYear      string   // of as_of, the year most partners' rows name
	months           []string // YYYY-MM of the program year, its first ledger month to as_of
	levels           []string // as_of's program year's levels, lowest first, then any others
	thresholds       map[string][]threshold
	partners         []partner // sorted by id
	index            map[string]int32
	levelColumns     []string       // partner_levels' columns
	levelColumn      map[string]int // position of each in partner.fields
	tableColumns     [][]string     // of each of partnerTables, without partner_id
	monthNames       []string       // cell.month indexes these
	sourceNames      []string       // cell.key of points cells
	modelNames       []string       // cell.key of business model cells
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

// partner is one partner's figures, as the snapshot has them.
type partner struct {
	id      string
	fields  row    // partner_levels, by dataset.levelColumns
	points  []cell // ledger points of its program year by month and source, ordered
	models  []cell // ledger points of its program year by business model, ordered
	tables  [][]row
	denials int32
}

// row is one table row by its columns; nil = SQL NULL.
type row []*string

// cell is a sum of ledger points, in hundredths: of a month (index into
// monthNames) and a source or business model (key, into sourceNames or
// modelNames).
type cell struct {
	month uint16
	key   uint16
	v     int64
}

// record is one row of a table, by column; nil = SQL NULL. Pages and the
// API get rows as records.
type record map[string]*string

// partnerTables are the tables whose rows a partner page lists, in the
// order of partner.tables, with the order of each partner's rows.
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
}

// Positions in partnerTables.
const (
	tHistory = iota
	tAudits
	tMigration
	tNotifications
	tDesignations
	tBenefits
)

func (p *partner) get(d *dataset, col string) string {
	return str(p.val(d, col))
}

func (p *partner) val(d *dataset, col string) *string {
	if j, ok := d.levelColumn[col]; ok {
		return p.fields[j]
	}
	return nil
}

// field is a column of a partnerTables row ("" for NULL or no such column).
func (d *dataset) field(t int, r row, col string) string {
	if j := slices.Index(d.tableColumns[t], col); j >= 0 {
		return str(r[j])
	}
	return ""
}

// records gives a partner's rows of table t as records.
func (d *dataset) records(t int, rows []row) []record {
	if rows == nil {
		return nil
	}
	out := make([]record, len(rows))
	for i, r := range rows {
		rec := make(record, len(r))
		for j, c := range d.tableColumns[t] {
			rec[c] = r[j]
		}
		out[i] = rec
	}
	return out
}

func (d *dataset) partner(id string) *partner {
	if i, ok := d.index[id]; ok {
		return &d.partners[i]
	}
	return nil
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

// each streams q's rows to fn (the row slice is reused), with the index of
// each column by name.
func (d *dataset) each(ctx context.Context, q string, fn func(col map[string]int, r []lake.Value) error) error {
	d.queryMu.Lock()
	defer d.queryMu.Unlock()
	var col map[string]int
	err := d.snap.Each(ctx, q, nil, func(cs []lake.Column) {
		col = make(map[string]int, len(cs))
		for i, c := range cs {
			col[c.Name] = i
		}
	}, func(r []lake.Value) error { return fn(col, r) })
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
	in := &interner{}

	// partner_levels: one row per partner, its columns as they come.
	years := map[string]int{}
	err = d.each(ctx, "SELECT * FROM partner_levels ORDER BY partner_id", func(col map[string]int, r []lake.Value) error {
		if d.levelColumns == nil {
			d.levelColumns = make([]string, len(col))
			for c, i := range col {
				d.levelColumns[i] = c
			}
			d.levelColumn = col
			in.columns(len(col))
		}
		id := r[col["partner_id"]]
		if id.Null {
			return nil
		}
		if _, dup := d.index[id.Text]; dup {
			return fmt.Errorf("partner_levels has partner %q twice", id.Text)
		}
		p := partner{id: id.Text, fields: in.row(r, -1), tables: make([][]row, len(partnerTables))}
		d.index[p.id] = int32(len(d.partners))
		d.partners = append(d.partners, p)
		years[p.get(d, "program_year")]++
		return nil
	})
	if err != nil {
		return err
	}
	for y, n := range years {
		if n > years[d.programYear] || n == years[d.programYear] && y > d.programYear {
			d.programYear = y
		}
	}

	if err := d.loadThresholds(ctx); err != nil {
		return err
	}
	if err := d.loadPoints(ctx); err != nil {
		return err
	}

	d.tableColumns = make([][]string, len(partnerTables))
	for t, pt := range partnerTables {
		if pt.optional {
			if d.optional[pt.name] = d.snap.HasTable(pt.name); !d.optional[pt.name] {
				continue
			}
		}
		if err := d.loadTable(ctx, t); err != nil {
			return err
		}
	}
	err = d.each(ctx, "SELECT partner_id, count(*) AS n FROM denials GROUP BY ALL", func(_ map[string]int, r []lake.Value) error {
		if p := d.partner(r[0].Text); p != nil {
			n, _ := strconv.ParseInt(r[1].Text, 10, 32)
			p.denials = int32(n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.levels = d.levelOrder()
	d.summarise()
	d.notes = append(d.notes,
		"The snapshot holds no requirement completions or capability list: good standing is shown as computed, and capabilities as their points, without the requirement or capability behind them.")
	return nil
}

// loadThresholds reads level_thresholds: each program year's levels,
// lowest first.
func (d *dataset) loadThresholds(ctx context.Context) error {
	return d.each(ctx, "SELECT program_year, level_rank, level_id, good_standing, min_performance_points, min_capability_points FROM level_thresholds ORDER BY program_year, level_rank",
		func(_ map[string]int, r []lake.Value) error {
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

// loadPoints sums each partner's ledger points of its own program year (the
// one its partner_levels row names: the sums partner_levels adds up) by
// month and source, and by business model.
func (d *dataset) loadPoints(ctx context.Context) error {
	months, sources, models := &names{}, &names{}, &names{}
	first := ""
	err := d.each(ctx, `SELECT l.partner_id, strftime(l.earned_on, '%Y-%m') AS month, l.source, sum(l.points) AS points
		FROM points_ledger l JOIN partner_levels p ON p.partner_id = l.partner_id AND p.program_year = l.program_year
		GROUP BY ALL ORDER BY ALL`, func(_ map[string]int, r []lake.Value) error {
		p := d.partner(r[0].Text)
		if p == nil {
			return nil
		}
		month := r[1].Text
		p.points = append(p.points, cell{month: months.of(month), key: sources.of(r[2].Text), v: hundredths(r[3].Text)})
		if p.get(d, "program_year") == d.programYear && (first == "" || month < first) {
			first = month
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.months = monthRange(first, d.asOf)
	if d.hasBusinessModel {
		err = d.each(ctx, `SELECT l.partner_id, coalesce(l.business_model, 'unattributed') AS business_model, sum(l.points) AS points
			FROM points_ledger l JOIN partner_levels p ON p.partner_id = l.partner_id AND p.program_year = l.program_year
			GROUP BY ALL ORDER BY ALL`, func(_ map[string]int, r []lake.Value) error {
			if p := d.partner(r[0].Text); p != nil {
				p.models = append(p.models, cell{key: models.of(r[1].Text), v: hundredths(r[2].Text)})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range d.partners { // the slices grew by appending: no spare room kept
		p := &d.partners[i]
		p.points, p.models = slices.Clip(p.points), slices.Clip(p.models)
	}
	d.monthNames, d.sourceNames, d.modelNames = months.list, sources.list, models.list
	return nil
}

// loadTable reads the rows of partnerTables[t] into each partner's
// tables[t] (rows of partners without a partner_levels row, enrolled after
// as_of, are not shown).
func (d *dataset) loadTable(ctx context.Context, t int) error {
	in := &interner{}
	id := -1
	var last *partner
	order := "ALL"
	if o := partnerTables[t].order; o != "ALL" {
		order = "partner_id, " + o
	}
	err := d.each(ctx, "SELECT * FROM "+partnerTables[t].name+" ORDER BY "+order, func(col map[string]int, r []lake.Value) error {
		if d.tableColumns[t] == nil {
			id = col["partner_id"]
			cols := make([]string, len(col))
			for c, i := range col {
				cols[i] = c
			}
			d.tableColumns[t] = slices.Delete(cols, id, id+1)
			in.columns(len(col))
		}
		if last == nil || last.id != r[id].Text {
			if last = d.partner(r[id].Text); last == nil {
				return nil
			}
		}
		last.tables[t] = append(last.tables[t], in.row(r, id))
		return nil
	})
	if err != nil {
		return err
	}
	if d.tableColumns[t] == nil { // no row: the columns are still listed
		if d.tableColumns[t], err = d.columns(ctx, partnerTables[t].name); err != nil {
			return err
		}
		d.tableColumns[t] = slices.DeleteFunc(d.tableColumns[t], func(c string) bool { return c == "partner_id" })
	}
	return nil
}

func (d *dataset) columns(ctx context.Context, table string) ([]string, error) {
	r, err := d.query(ctx, "SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	return r.Names(), nil
}

// interner shares equal values of a column between rows: a column of few
// distinct values (dates, levels, reasons) is held once. A column that
// shows more distinct values than internLimit (points, ids) stops being
// interned, so the table of values stays small.
type interner struct {
	cols []map[string]*string
	full []bool
}

const internLimit = 1 << 12

func (in *interner) columns(n int) {
	in.cols = make([]map[string]*string, n)
	in.full = make([]bool, n)
}

// row copies r's values but the column skip (-1 for none).
func (in *interner) row(r []lake.Value, skip int) row {
	n := len(r)
	if skip >= 0 {
		n--
	}
	out := make(row, 0, n)
	for j, v := range r {
		if j == skip {
			continue
		}
		out = append(out, in.value(j, v))
	}
	return out
}

func (in *interner) value(j int, v lake.Value) *string {
	if v.Null {
		return nil
	}
	if in.full[j] {
		s := v.Text
		return &s
	}
	m := in.cols[j]
	if m == nil {
		m = map[string]*string{}
		in.cols[j] = m
	}
	if p, ok := m[v.Text]; ok {
		return p
	}
	s := v.Text
	if len(m) >= internLimit {
		in.full[j], in.cols[j] = true, nil
		return &s
	}
	m[s] = &s
	return &s
}

// names numbers the distinct values of a small vocabulary (months,
// sources, business models) in the order they come.
type names struct {
	list []string
	m    map[string]uint16
}

func (n *names) of(s string) uint16 {
	if i, ok := n.m[s]; ok {
		return i
	}
	if n.m == nil {
		n.m = map[string]uint16{}
	}
	i := uint16(len(n.list))
	n.m[s] = i
	n.list = append(n.list, s)
	return i
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
	for i := range d.partners {
		p := &d.partners[i]
		for _, c := range []string{"level", "earned_level", "baseline_level", "next_level"} {
			if v := p.get(d, c); v != "" && !slices.Contains(order, v) {
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
	for i := range d.partners {
		counts[d.partners[i].get(d, "level")]++
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
	for i := range d.partners {
		for _, a := range d.partners[i].tables[tAudits] {
			latestAudit = max(latestAudit, d.field(tAudits, a, "audit_on"))
		}
	}
	for i := range d.partners {
		p := &d.partners[i]
		for _, a := range p.tables[tAudits] {
			out := d.field(tAudits, a, "outcome")
			if d.field(tAudits, a, "audit_on") == latestAudit && (out == "promoted" || out == "demoted") {
				d.movers = append(d.movers, mover{PartnerID: p.id, From: d.field(tAudits, a, "previous_level"), To: d.field(tAudits, a, "level_after"),
					How: out + " at the audit of " + d.field(tAudits, a, "program_year"), On: latestAudit})
			}
		}
		level, base := p.get(d, "level"), p.get(d, "baseline_level")
		if d.rank(level) > d.rank(base) && base != "" {
			on := ""
			for _, h := range p.tables[tHistory] {
				if d.field(tHistory, h, "level") == level && d.field(tHistory, h, "valid_to") == "" {
					on = d.field(tHistory, h, "valid_from")
				}
			}
			d.movers = append(d.movers, mover{PartnerID: p.id, From: base, To: level, How: "up-leveled during the year", On: on})
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
	var out []string
	for i := range d.partners {
		if id := d.partners[i].id; all || sees(id) {
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
