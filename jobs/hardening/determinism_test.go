package hardening_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tally/jobs"
	"tally/pipeline/engine"
	rb "tally/pipeline/rulebook"
	"tally/pipeline/synth"
)

// TestDeterministic: two runs of the same inputs give byte-identical
// Parquet (every table file and raw/), and manifests that differ only in
// the run id, the times and the timings. A synthetic program is run with
// one DuckDB thread, with four, and with its tables on disk (--on-disk),
// and must give the same bytes too.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	t.Run("example", func(t *testing.T) {
		// The two template lakes each published as_of=A with a run of
		// their own.
		first, second := template(t, asOfA), template(t, asOfA, asOfB)
		sa, sb := checkLake(t, first), checkLake(t, second)
		if err := sameFiles("as_of="+asOfA+" tables", sb.tables(asOfA), sa.tables(asOfA)); err != nil {
			t.Error(err)
		}
		if ma, mb := manifestText(t, first, asOfA), manifestText(t, second, asOfA); ma != mb {
			t.Errorf("manifests differ beyond run id and timings:\n%s", firstDifference(ma, mb))
		}
		if err := sameFiles("raw/", sb.Raw, sa.Raw); err != nil {
			t.Error(err)
		}
	})
	t.Run("synthetic", func(t *testing.T) {
		t.Parallel()
		book, err := rb.Load(rulebook)
		if err != nil {
			t.Fatal(err)
		}
		input := filepath.Join(t.TempDir(), "landing")
		if _, err := synth.Generate(context.Background(), synth.GenerateOptions{
			Out: input, Partners: 150, Bookings: 6000, Seed: 8, BadRows: 0.01, Rulebook: book,
		}); err != nil {
			t.Fatal(err)
		}
		first, second, third := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")
		runWith(t, input, asOfB, first, engine.Settings{Threads: 1})
		runWith(t, input, asOfB, second, engine.Settings{Threads: 4})
		compareLakes(t, first, second)
		// --on-disk: the tables in a DuckDB file instead of memory
		runWith(t, input, asOfB, third, engine.Settings{Threads: 2, OnDisk: true})
		compareLakes(t, first, third)
	})
}

func runWith(t *testing.T, input, asOf, out string, s engine.Settings) {
	t.Helper()
	if _, err := jobs.Run(context.Background(), jobs.RunOptions{Input: input, Rulebook: rulebook, AsOf: asOf, Out: out,
		DuckDB: s}); err != nil {
		t.Fatalf("run %s: %v", asOf, err)
	}
}

// compareLakes compares every snapshot table and raw/ file of two lakes
// byte for byte.
func compareLakes(t *testing.T, a, b string) {
	t.Helper()
	sa, sb := checkLake(t, a), checkLake(t, b)
	if len(sa.Snapshots) == 0 || len(sa.Snapshots) != len(sb.Snapshots) {
		t.Fatalf("%d and %d snapshots", len(sa.Snapshots), len(sb.Snapshots))
	}
	for asOf := range sa.Snapshots {
		if err := sameFiles("as_of="+asOf+" tables", sb.tables(asOf), sa.tables(asOf)); err != nil {
			t.Error(err)
		}
	}
	if err := sameFiles("raw/", sb.Raw, sa.Raw); err != nil {
		t.Error(err)
	}
}

// manifestText is a snapshot's manifest.json without what differs between
// two runs by design: the run id (also inside paths), start and finish
// times, step timings, and the lake's own path.
func manifestText(t *testing.T, lake, asOf string) string {
	t.Helper()
	dir := filepath.Join(lake, "snapshots", "as_of="+asOf)
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	runID, _ := m["run_id"].(string)
	for _, k := range []string{"run_id", "started_at", "finished_at"} {
		if m[k] == nil || m[k] == "" {
			t.Errorf("manifest has no %s", k)
		}
		delete(m, k)
	}
	steps, _ := m["steps"].([]any)
	for _, s := range steps {
		if step, ok := s.(map[string]any); ok {
			step["seconds"] = 0
		}
	}
	out, _ := json.MarshalIndent(m, "", " ")
	text := strings.ReplaceAll(string(out), runID, "<run id>")
	return strings.ReplaceAll(text, lake, "<lake>")
}

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "  " + la[i] + "\n  " + lb[i]
		}
	}
	return "(one is longer)"
}
