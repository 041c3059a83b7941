package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tally/jobs"
	"tally/pipeline/engine"
	"tally/pipeline/lake/laketest"
)

// draftRulebook writes fixtures/rulebook.yaml with one edit into a temporary file.
func draftRulebook(t *testing.T, old, new string) string {
	t.Helper()
	b, err := os.ReadFile("../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if old != "" {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("the rulebook has no %q", old)
		}
		b = bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	p := filepath.Join(t.TempDir(), "draft.yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func simulate(t *testing.T, dir, draft string) *jobs.Simulation {
	t.Helper()
	sim, err := jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: draft, Out: dir, DuckDB: engine.Settings{Threads: 2}})
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

func TestSimulateLowerSelectThreshold(t *testing.T) {
	dir := freshLake(t)
	before := laketest.Files(t, dir)

	// The published rulebook itself changes nothing: the comparison is exact.
	same := simulate(t, dir, draftRulebook(t, "", ""))
	if same.Moved != 0 || len(same.Movers) != 0 {
		t.Errorf("the published rulebook moves %d partners: %+v", same.Moved, same.Movers)
	}
	for _, p := range same.Points {
		if p.Difference != "0.00" {
			t.Errorf("the published rulebook changes %s %s points by %s", p.ProgramYear, p.Source, p.Difference)
		}
	}

	sim := simulate(t, dir, draftRulebook(t, "min_performance_points: 900,   min_capability_points: 100", "min_performance_points: 300,   min_capability_points: 0"))
	if sim.AsOf != lakeAsOf {
		t.Errorf("as_of %s, want %s", sim.AsOf, lakeAsOf)
	}
	if sim.Up == 0 {
		t.Fatalf("a lower select threshold moves nobody up: %+v", sim.Matrix)
	}
	if sim.Down != 0 {
		t.Errorf("a lower threshold moves %d partners down", sim.Down)
	}
	total, moved := 0, 0
	for _, m := range sim.Matrix {
		total += m.Partners
		if m.From != m.To {
			moved += m.Partners
		}
	}
	if total != sim.Partners || moved != sim.Moved || moved != len(sim.Movers) {
		t.Errorf("matrix: %d partners, %d moved; summary %d and %d; %d movers", total, moved, sim.Partners, sim.Moved, len(sim.Movers))
	}
	for _, m := range sim.Movers {
		// Only the threshold changed: the points are the published ones.
		if m.Direction != "up" || m.DraftLevel != "select" || m.PublishedPerformance != m.DraftPerformance ||
			m.PublishedCapability != m.DraftCapability {
			t.Errorf("mover %+v", m)
		}
	}
	for _, p := range sim.Points {
		if p.Difference != "0.00" {
			t.Errorf("a threshold changes %s %s points by %s", p.ProgramYear, p.Source, p.Difference)
		}
	}

	// The outputs: JSON, and CSV files that hold the same rows.
	if _, err := json.Marshal(sim); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	files, err := sim.WriteCSVDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := map[string]int{"matrix.csv": len(sim.Matrix), "movers.csv": len(sim.Movers), "points_by_source.csv": len(sim.Points)}[filepath.Base(f)]
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want %d", filepath.Base(f), len(rows)-1, want)
		}
	}

	laketest.SameFiles(t, before, laketest.Files(t, dir))
}

func TestSimulateRefusesBadDraft(t *testing.T) {
	dir := freshLake(t)
	bad := draftRulebook(t, "perpetual_cap:", "perpetual_kap:")
	_, err := jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: bad, Out: dir})
	if jobs.ExitCode(err) != jobs.ExitUsage || !strings.Contains(err.Error(), "perpetual_kap") {
		t.Errorf("bad draft: %v (exit %d), want exit %d naming the key", err, jobs.ExitCode(err), jobs.ExitUsage)
	}
	if _, err := jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: draftRulebook(t, "", ""), Out: t.TempDir()}); err == nil {
		t.Error("simulate on an empty lake answered")
	}
}
