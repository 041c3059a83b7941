package jobs

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/decimal"
	"tally/pipeline/engine"
	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// SimulateOptions are the flags of `tally simulate`.
type SimulateOptions struct {
	Rulebook string // the draft rulebook
	AsOf     string // "" = the latest snapshot
	Out      string // the lake: read, never written
	DuckDB   engine.Settings
	Logger   *slog.Logger
}

// Simulation compares the levels a draft rulebook gives with the published
// snapshot's, on the same inputs and as_of.
type Simulation struct {
	AsOf        string              `json:"as_of"`
	ProgramYear string              `json:"program_year"` // of as_of
	Snapshot    string              `json:"snapshot"`
	Published   publish.RulebookRef `json:"published_rulebook"`
	Draft       publish.RulebookRef `json:"draft_rulebook"`
	Partners    int                 `json:"partners"`
	Moved       int                 `json:"moved"`
	Up          int                 `json:"up"`
	Down        int                 `json:"down"`
	Matrix      []Move              `json:"matrix"` // published level x draft level, every pair with partners
	Movers      []Mover             `json:"movers"` // partners whose level differs
	Points      []SourcePoints      `json:"points_by_source"`
	Checks      []engine.Check      `json:"checks"` // the publishing checks, run on the draft's tables
	Notes       []string            `json:"notes,omitempty"`
	Levels      []string            `json:"levels"` // level order, lowest first
}

// Move is one cell of the from-level x to-level matrix.
type Move struct {
	From     string `json:"from_level"`
	To       string `json:"to_level"`
	Partners int    `json:"partners"`
}

// Mover is a partner whose level the draft changes, with its figures.
type Mover struct {
	PartnerID            string `json:"partner_id"`
	Direction            string `json:"direction"` // up, down or "" when the order is unknown
	PublishedLevel       string `json:"published_level"`
	DraftLevel           string `json:"draft_level"`
	PublishedEarned      string `json:"published_earned_level"`
	DraftEarned          string `json:"draft_earned_level"`
	PublishedPerformance string `json:"published_performance_points"`
	DraftPerformance     string `json:"draft_performance_points"`
	PublishedCapability  string `json:"published_capability_points"`
	DraftCapability      string `json:"draft_capability_points"`
	PublishedBaseline    string `json:"published_baseline_level"`
	DraftBaseline        string `json:"draft_baseline_level"`
	// Because names what moved the partner: each threshold of a level
	// between its two levels that the draft changes ("select
	// min_performance_points 900 -> 300"), and its points or baseline
	// when the draft changes them.
	Because []string `json:"because"`
}

// SourcePoints compares the ledger's points of one program year and source.
type SourcePoints struct {
	ProgramYear string `json:"program_year"`
	Source      string `json:"source"`
	Published   string `json:"published"`
	Draft       string `json:"draft"`
	Difference  string `json:"difference"`
}

// Simulate re-levels the inputs of a published snapshot (the raw version
// its manifest names) under a draft rulebook in a fresh in-memory engine and compares the
// result with the published snapshot for the same as_of. It writes nothing
// to the lake: DuckDB spills to a temporary directory outside it.
func Simulate(ctx context.Context, o SimulateOptions) (*Simulation, error) {
	log := logger(o.Logger)
	if o.Out == "" {
		return nil, fmt.Errorf("--out is required: %w", ErrUsage)
	}
	draft, err := LoadRulebook(o.Rulebook)
	if err != nil {
		return nil, err
	}
	var dir string
	if o.AsOf == "" {
		dir, err = publish.Latest(o.Out)
	} else {
		if _, err := ParseDate("as-of", o.AsOf); err != nil {
			return nil, err
		}
		dir, err = publish.Snapshot(o.Out, o.AsOf)
	}
	if err != nil {
		return nil, lakeError(err)
	}
	m, err := publish.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	asOf, err := ParseDate("as-of", m.AsOf)
	if err != nil {
		return nil, fmt.Errorf("simulate: manifest of %s: %w", dir, err)
	}
	sim := &Simulation{AsOf: m.AsOf, Snapshot: dir, Published: m.Rulebook,
		Draft: publish.RulebookRef{Path: draft.Path, SHA256: draft.SHA256}}
	// the inputs of the run that published the snapshot (a lake written
	// before raw versions has only raw/ itself, the latest run's)
	rawDir := filepath.Join(o.Out, filepath.FromSlash(m.Raw))
	if m.Raw == "" {
		rawDir = filepath.Join(o.Out, "raw")
		if note := rawInputsNote(o.Out, dir, m); note != "" {
			sim.Notes = append(sim.Notes, note)
		}
	}
	// the rules the snapshot was computed with: the copy it holds
	published, err := snapshotRulebook(dir)
	if err != nil {
		sim.Notes = append(sim.Notes, fmt.Sprintf("%v: the movers' thresholds are not compared", err))
	}

	settings := o.DuckDB
	if settings.TempDir == "" {
		tmp, err := os.MkdirTemp("", "tally-simulate-")
		if err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		defer os.RemoveAll(tmp)
		settings.TempDir = tmp
	}
	e, err := engine.Open(ctx, settings)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	t0 := time.Now()
	if err := e.LoadRaw(ctx, rawDir); err != nil {
		return nil, fmt.Errorf("simulate: the inputs of %s (%s): %w", dir, rawDir, err)
	}
	if err := e.LoadRules(ctx, draft.Tables(asOf)); err != nil {
		return nil, err
	}
	if _, err := e.Run(ctx); err != nil {
		return nil, err
	}
	log.Info("draft computed", "as_of", sim.AsOf, "rulebook", draft.Path, "seconds", fmt.Sprintf("%.3f", time.Since(t0).Seconds()))
	if sim.Checks, err = e.Checks(ctx); err != nil {
		return nil, err
	}
	for _, c := range sim.Checks {
		if !c.Passed {
			sim.Notes = append(sim.Notes, fmt.Sprintf("check %s fails under the draft (%d rows): the draft could not be published as it is", c.Name, c.FailingRows))
		}
	}
	if err := compare(ctx, e.DB(), dir, draft, sim); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	for i := range sim.Movers {
		sim.Movers[i].Because = because(&sim.Movers[i], published, draft, sim.ProgramYear, sim.Levels)
	}
	return sim, nil
}

// rawInputsNote warns, for a snapshot whose manifest names no raw version,
// that raw/ holds other inputs than the snapshot's: only when the latest
// snapshot (whose run raw/ holds) is another one and its inputs differ
// from this snapshot's by table or SHA-256.
func rawInputsNote(lakeDir, dir string, m *publish.Manifest) string {
	latest, err := publish.Latest(lakeDir)
	if err != nil || latest == dir {
		return ""
	}
	lm, err := publish.ReadManifest(latest)
	if err == nil && sameInputs(m.Inputs, lm.Inputs) {
		return ""
	}
	return fmt.Sprintf("raw/ holds the inputs of the run that published %s, which differ from those of the run that published %s: "+
		"differences may come from changed inputs as well as from the draft", filepath.Base(latest), m.AsOf)
}

// sameInputs: the same tables with the same content (SHA-256); an input
// without a hash (read from a database) is never known to be the same.
func sameInputs(a, b []publish.Input) bool {
	hashes := func(in []publish.Input) map[string]string {
		out := map[string]string{}
		for _, i := range in {
			out[i.Table] = i.SHA256
		}
		return out
	}
	ha, hb := hashes(a), hashes(b)
	if len(ha) != len(hb) {
		return false
	}
	for t, h := range ha {
		if h == "" || hb[t] != h {
			return false
		}
	}
	return true
}

// snapshotRulebook loads the rulebook copy a snapshot holds.
func snapshotRulebook(dir string) (*rulebook.Rulebook, error) {
	p := filepath.Join(dir, publish.RulebookFile)
	text, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("the snapshot holds no rulebook copy (%w)", err)
	}
	rb, err := rulebook.Parse(p, text)
	if err != nil {
		return nil, fmt.Errorf("the snapshot's rulebook copy does not load: %w", err)
	}
	return rb, nil
}

// because names what the draft changed that moves a partner. The levels
// between the published and the draft level (both ends included, in the
// draft's order) are the ones whose thresholds can move it. When its
// earned level moved: the thresholds of the snapshot's program year, a
// point threshold only when the partner's points lie between its old and
// new value. When its baseline moved (the previous year's audit, or the
// migration, re-run under the draft): the thresholds of the previous year
// (the partner's points of that year are not in the snapshot).
func because(mv *Mover, published, draft *rulebook.Rulebook, year string, order []string) []string {
	var out []string
	if mv.PublishedPerformance != mv.DraftPerformance {
		out = append(out, fmt.Sprintf("performance points %s -> %s", orNone(mv.PublishedPerformance), orNone(mv.DraftPerformance)))
	}
	if mv.PublishedCapability != mv.DraftCapability {
		out = append(out, fmt.Sprintf("capability points %s -> %s", orNone(mv.PublishedCapability), orNone(mv.DraftCapability)))
	}
	baseline := mv.PublishedBaseline != mv.DraftBaseline
	if baseline {
		out = append(out, fmt.Sprintf("baseline level %s -> %s (the previous year's audit or the migration, under the draft's rules)",
			orNone(mv.PublishedBaseline), orNone(mv.DraftBaseline)))
	}
	if published == nil {
		return out
	}
	lo, hi := slices.Index(order, mv.PublishedLevel), slices.Index(order, mv.DraftLevel)
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo < 0 {
		lo = 0
	}
	if hi < 0 {
		hi = len(order) - 1
	}
	between := order[lo : hi+1]
	if mv.PublishedEarned != mv.DraftEarned {
		perf, perfOK := decimalOf(mv.DraftPerformance)
		capa, capaOK := decimalOf(mv.DraftCapability)
		for _, c := range thresholdChanges(published.Year(year).Levels, draft.Year(year).Levels, between, year) {
			switch {
			case c.field == "min_performance_points" && perfOK && !c.crosses(perf):
			case c.field == "min_capability_points" && capaOK && !c.crosses(capa):
			default:
				out = append(out, c.text)
			}
		}
	}
	if baseline {
		if prev := previousYear(draft, year); prev != "" {
			for _, c := range thresholdChanges(published.Year(prev).Levels, draft.Year(prev).Levels, between, prev) {
				out = append(out, c.text)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, "no threshold of the levels between moved it: another rule of the draft")
	}
	return out
}

// change is one threshold of a level that the draft changes.
type change struct {
	field    string
	old, new int64 // a point threshold, in billionths (rulebook.Number's scale)
	text     string
}

// crosses tells whether a partner with v points (billionths) meets the
// threshold on one side of the change and not on the other.
func (c change) crosses(v int64) bool { return min(c.old, c.new) <= v && v < max(c.old, c.new) }

// decimalOf reads points as printed (DECIMAL(18,2)) in billionths.
func decimalOf(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	v, err := decimal.Parse(s, rulebook.Scale)
	return v, err == nil
}

// thresholdChanges lists each threshold of the given levels that differs
// between the published and the draft levels of a year.
func thresholdChanges(pub, draft []rulebook.Level, levels []string, year string) []change {
	find := func(ls []rulebook.Level, id string) *rulebook.Level {
		for i := range ls {
			if ls[i].ID == id {
				return &ls[i]
			}
		}
		return nil
	}
	var out []change
	for _, id := range levels {
		p, d := find(pub, id), find(draft, id)
		switch {
		case p == nil && d == nil:
			continue
		case p == nil:
			out = append(out, change{text: fmt.Sprintf("%s %s: a new level in the draft", year, id)})
			continue
		case d == nil:
			out = append(out, change{text: fmt.Sprintf("%s %s: not a level in the draft", year, id)})
			continue
		}
		for _, f := range []struct {
			name     string
			old, new rulebook.Number
		}{{"min_performance_points", p.MinPerformancePoints, d.MinPerformancePoints}, {"min_capability_points", p.MinCapabilityPoints, d.MinCapabilityPoints}} {
			if f.old.Scaled != f.new.Scaled {
				out = append(out, change{field: f.name, old: f.old.Scaled, new: f.new.Scaled,
					text: fmt.Sprintf("%s %s %s %s -> %s", year, id, f.name, plain(f.old), plain(f.new))})
			}
		}
		if p.GoodStanding != d.GoodStanding {
			out = append(out, change{field: "good_standing", text: fmt.Sprintf("%s %s good_standing %v -> %v", year, id, p.GoodStanding, d.GoodStanding)})
		}
		if !maps.Equal(p.RequiredCapabilities, d.RequiredCapabilities) {
			out = append(out, change{field: "required_capabilities",
				text: fmt.Sprintf("%s %s required_capabilities %v -> %v", year, id, p.RequiredCapabilities, d.RequiredCapabilities)})
		}
	}
	return out
}

// plain prints a rulebook number without trailing zeros: 900, 0.5.
func plain(n rulebook.Number) string {
	s := n.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// previousYear is the program year that starts last before year.
func previousYear(rb *rulebook.Rulebook, year string) string {
	y, ok := rb.ProgramYear(year)
	if !ok {
		return ""
	}
	prev := ""
	var starts date.Date
	for _, p := range rb.ProgramYears {
		if p.StartsOn < y.StartsOn && (prev == "" || p.StartsOn > starts) {
			prev, starts = p.ID, p.StartsOn
		}
	}
	return prev
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// compare reads the published tables next to the draft's (read_parquet
// only reads) and fills the matrix, the movers and the points.
func compare(ctx context.Context, db *sql.DB, dir string, draft *rulebook.Rulebook, sim *Simulation) error {
	for _, t := range []string{"partner_levels", "points_ledger"} {
		stmt := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE published_%s AS SELECT * FROM read_parquet(?, hive_partitioning = false)", t)
		if _, err := db.ExecContext(ctx, stmt, filepath.Join(dir, t+".parquet")); err != nil {
			return fmt.Errorf("read published %s: %w", t, err)
		}
	}
	rows, err := db.QueryContext(ctx, `
		SELECT partner_id, p.level, d.level, p.earned_level, d.earned_level,
			p.performance_points::VARCHAR, d.performance_points::VARCHAR,
			p.capability_points::VARCHAR, d.capability_points::VARCHAR,
			p.baseline_level, d.baseline_level, coalesce(p.program_year, d.program_year)
		FROM published_partner_levels p FULL JOIN partner_levels d USING (partner_id)
		ORDER BY partner_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var found []string
	counts := map[[2]string]int{}
	for rows.Next() {
		var id string
		var v [11]sql.NullString
		if err := rows.Scan(&id, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]); err != nil {
			return err
		}
		if v[10].Valid {
			sim.ProgramYear = v[10].String
		}
		sim.Partners++
		from, to := v[0].String, v[1].String
		counts[[2]string{from, to}]++
		found = append(found, from, to)
		if v[0] != v[1] {
			sim.Movers = append(sim.Movers, Mover{PartnerID: id, PublishedLevel: from, DraftLevel: to,
				PublishedEarned: v[2].String, DraftEarned: v[3].String,
				PublishedPerformance: v[4].String, DraftPerformance: v[5].String,
				PublishedCapability: v[6].String, DraftCapability: v[7].String,
				PublishedBaseline: v[8].String, DraftBaseline: v[9].String})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sim.Levels = append(draft.LevelIDs(), rulebook.Terminated)
	for _, l := range found {
		if l != "" && !slices.Contains(sim.Levels, l) {
			sim.Levels = append(sim.Levels, l)
		}
	}
	rank := func(l string) int {
		if i := slices.Index(sim.Levels, l); i >= 0 {
			return i
		}
		return len(sim.Levels) // no level: last
	}
	for k, n := range counts {
		sim.Matrix = append(sim.Matrix, Move{From: k[0], To: k[1], Partners: n})
	}
	slices.SortFunc(sim.Matrix, func(a, b Move) int {
		if d := rank(a.From) - rank(b.From); d != 0 {
			return d
		}
		return rank(a.To) - rank(b.To)
	})
	for i := range sim.Movers {
		mv := &sim.Movers[i]
		from, to := slices.Index(sim.Levels, mv.PublishedLevel), slices.Index(sim.Levels, mv.DraftLevel)
		switch {
		case mv.DraftLevel == rulebook.Terminated, from >= 0 && to >= 0 && to < from:
			mv.Direction = "down"
			sim.Down++
		case mv.PublishedLevel == rulebook.Terminated, from >= 0 && to >= 0 && to > from:
			mv.Direction = "up"
			sim.Up++
		}
	}
	sim.Moved = len(sim.Movers)

	prow, err := db.QueryContext(ctx, `
		WITH p AS (SELECT program_year, source, sum(points) AS points FROM published_points_ledger GROUP BY ALL),
		     d AS (SELECT program_year, source, sum(points) AS points FROM points_ledger GROUP BY ALL)
		SELECT program_year, source, coalesce(p.points, 0)::DECIMAL(18,2)::VARCHAR, coalesce(d.points, 0)::DECIMAL(18,2)::VARCHAR,
			(coalesce(d.points, 0) - coalesce(p.points, 0))::DECIMAL(18,2)::VARCHAR
		FROM p FULL JOIN d USING (program_year, source)
		ORDER BY program_year, list_position(['booking', 'oem_credit', 'lifecycle', 'influence'], source) NULLS LAST, source`)
	if err != nil {
		return err
	}
	defer prow.Close()
	for prow.Next() {
		var s SourcePoints
		if err := prow.Scan(&s.ProgramYear, &s.Source, &s.Published, &s.Draft, &s.Difference); err != nil {
			return err
		}
		sim.Points = append(sim.Points, s)
	}
	return prow.Err()
}

// CSV files of a simulation, by name.
var simulationFiles = []string{"matrix.csv", "movers.csv", "points_by_source.csv"}

// WriteCSV writes one of the simulation's tables as CSV: "matrix.csv",
// "movers.csv" or "points_by_source.csv".
func (s *Simulation) WriteCSV(w io.Writer, name string) error {
	cw := csv.NewWriter(w)
	var rows [][]string
	switch name {
	case "matrix.csv":
		rows = append(rows, []string{"from_level", "to_level", "partners"})
		for _, m := range s.Matrix {
			rows = append(rows, []string{m.From, m.To, fmt.Sprint(m.Partners)})
		}
	case "movers.csv":
		rows = append(rows, []string{"partner_id", "direction", "published_level", "draft_level", "published_earned_level", "draft_earned_level",
			"published_performance_points", "draft_performance_points", "published_capability_points", "draft_capability_points",
			"published_baseline_level", "draft_baseline_level", "because"})
		for _, m := range s.Movers {
			rows = append(rows, []string{m.PartnerID, m.Direction, m.PublishedLevel, m.DraftLevel, m.PublishedEarned, m.DraftEarned,
				m.PublishedPerformance, m.DraftPerformance, m.PublishedCapability, m.DraftCapability,
				m.PublishedBaseline, m.DraftBaseline, strings.Join(m.Because, "; ")})
		}
	case "points_by_source.csv":
		rows = append(rows, []string{"program_year", "source", "published", "draft", "difference"})
		for _, p := range s.Points {
			rows = append(rows, []string{p.ProgramYear, p.Source, p.Published, p.Draft, p.Difference})
		}
	default:
		return fmt.Errorf("simulate: no table %q (want one of %v)", name, simulationFiles)
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// WriteCSVDir writes every table of the simulation into dir and returns
// the files. dir must not be inside the lake's snapshots.
func (s *Simulation) WriteCSVDir(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	var files []string
	for _, name := range simulationFiles {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			return files, fmt.Errorf("simulate: %w", err)
		}
		err = s.WriteCSV(f, name)
		if err = errors.Join(err, f.Close()); err != nil {
			return files, fmt.Errorf("simulate: %s: %w", p, err)
		}
		files = append(files, p)
	}
	return files, nil
}
