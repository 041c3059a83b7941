package jobs

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

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
	AsOf      string              `json:"as_of"`
	Snapshot  string              `json:"snapshot"`
	Published publish.RulebookRef `json:"published_rulebook"`
	Draft     publish.RulebookRef `json:"draft_rulebook"`
	Partners  int                 `json:"partners"`
	Moved     int                 `json:"moved"`
	Up        int                 `json:"up"`
	Down      int                 `json:"down"`
	Matrix    []Move              `json:"matrix"` // published level x draft level, every pair with partners
	Movers    []Mover             `json:"movers"` // partners whose level differs
	Points    []SourcePoints      `json:"points_by_source"`
	Checks    []engine.Check      `json:"checks"` // the publishing checks, run on the draft's tables
	Notes     []string            `json:"notes,omitempty"`
	Levels    []string            `json:"levels"` // level order, lowest first
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
		if latest, err := publish.Latest(o.Out); err == nil && latest != dir {
			sim.Notes = append(sim.Notes, fmt.Sprintf("raw/ holds the inputs of the latest published run, not of the run that published %s: "+
				"differences may come from changed inputs as well as from the draft", m.AsOf))
		}
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
	return sim, nil
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
			p.capability_points::VARCHAR, d.capability_points::VARCHAR
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
		var v [8]sql.NullString
		if err := rows.Scan(&id, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
			return err
		}
		sim.Partners++
		from, to := v[0].String, v[1].String
		counts[[2]string{from, to}]++
		found = append(found, from, to)
		if v[0] != v[1] {
			sim.Movers = append(sim.Movers, Mover{PartnerID: id, PublishedLevel: from, DraftLevel: to,
				PublishedEarned: v[2].String, DraftEarned: v[3].String,
				PublishedPerformance: v[4].String, DraftPerformance: v[5].String,
				PublishedCapability: v[6].String, DraftCapability: v[7].String})
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
			"published_performance_points", "draft_performance_points", "published_capability_points", "draft_capability_points"})
		for _, m := range s.Movers {
			rows = append(rows, []string{m.PartnerID, m.Direction, m.PublishedLevel, m.DraftLevel, m.PublishedEarned, m.DraftEarned,
				m.PublishedPerformance, m.DraftPerformance, m.PublishedCapability, m.DraftCapability})
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
