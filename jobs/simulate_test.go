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
		// and it is named as what moved the partner, in the year whose
		// thresholds apply
		because := strings.Join(m.Because, "; ")
		if !strings.Contains(because, "select min_performance_points 900 -> 300") && !strings.Contains(because, "select min_capability_points 100 -> 0") {
			t.Errorf("%s moved by %q, want the select threshold named", m.PartnerID, because)
		}
		if m.PublishedEarned != m.DraftEarned && !strings.Contains(because, sim.ProgramYear+" select") {
			t.Errorf("%s earned %s -> %s, moved by %q: want %s's select threshold", m.PartnerID, m.PublishedEarned, m.DraftEarned, because, sim.ProgramYear)
		}
		if strings.Contains(because, "performance points") || strings.Contains(because, "another rule") {
			t.Errorf("%s: a threshold change said to change points or another rule: %q", m.PartnerID, because)
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

// TestSimulateNamesPointChanges: a draft that changes a multiplier and no
// threshold moves partners by their points; each mover says so, with its
// points before and after, and names no threshold.
func TestSimulateNamesPointChanges(t *testing.T) {
	dir := freshLake(t)
	sim := simulate(t, dir, draftRulebook(t, "{id: saas_subscription, bonus: 0.50", "{id: saas_subscription, bonus: 5.00"))
	if sim.Up == 0 {
		t.Fatalf("a tenfold multiplier moves nobody up: %+v", sim.Matrix)
	}
	for _, m := range sim.Movers {
		because := strings.Join(m.Because, "; ")
		want := "performance points " + m.PublishedPerformance + " -> " + m.DraftPerformance
		if m.PublishedPerformance != m.DraftPerformance && !strings.Contains(because, want) {
			t.Errorf("%s moved by %q, want %q", m.PartnerID, because, want)
		}
		if strings.Contains(because, "min_performance_points") || strings.Contains(because, "min_capability_points") {
			t.Errorf("%s: a threshold named though none changed: %q", m.PartnerID, because)
		}
	}
}

// stripRaw rewrites a snapshot's manifest as a lake written before raw
// versions had it: no raw version named.
func stripRaw(t *testing.T, snapshot string) {
	t.Helper()
	p := filepath.Join(snapshot, "manifest.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "raw")
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// formerRaw makes raw/ as a lake written before raw versions had it: the
// latest run's tables as directories raw/<table>, no versions.
func formerRaw(t *testing.T, lake string) {
	t.Helper()
	raw := filepath.Join(lake, "raw")
	entries, err := os.ReadDir(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(raw, e.Name())
		if e.Type()&os.ModeSymlink == 0 {
			continue
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(p, os.DirFS(target)); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "run=") {
			if err := os.RemoveAll(filepath.Join(raw, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSimulateWarnsOnlyWhenInputsDiffer: on a snapshot whose manifest
// names no raw version, simulate reads raw/ (the latest run's inputs) and
// warns that they are not the snapshot's only when they really differ
// from the snapshot's, by the manifests' input hashes.
func TestSimulateWarnsOnlyWhenInputsDiffer(t *testing.T) {
	for _, c := range []struct {
		name, drop string
		warn       bool
	}{{"same inputs", "", false}, {"a booking fewer", "B001001,", true}} {
		t.Run(c.name, func(t *testing.T) {
			lake := t.TempDir()
			latest := runAt(t, copyLanding(t, ""), "2024-06-30", lake, 0)
			older := runAt(t, copyLanding(t, c.drop), "2024-03-31", lake, 0)
			stripRaw(t, latest.Snapshot)
			stripRaw(t, older.Snapshot)
			formerRaw(t, lake)
			sim, err := jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: "../fixtures/rulebook.yaml", AsOf: "2024-03-31",
				Out: lake, DuckDB: engine.Settings{Threads: 1}})
			if err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(strings.Join(sim.Notes, " "), "differ from those of the run")
			if warned != c.warn {
				t.Errorf("warned %v, want %v: notes %q", warned, c.warn, sim.Notes)
			}
			// the latest snapshot is compared with its own inputs: no warning
			sim, err = jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: "../fixtures/rulebook.yaml",
				Out: lake, DuckDB: engine.Settings{Threads: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if len(sim.Notes) > 0 {
				t.Errorf("the latest snapshot: notes %q", sim.Notes)
			}
		})
	}
}
