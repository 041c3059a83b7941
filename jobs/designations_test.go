package jobs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tally/jobs"
	"tally/pipeline/engine"
)

// designationTables are the outputs of RULES.md sections 14 and 15.
var designationTables = []string{"benefit_changes", "benefits", "designation_history", "designations"}

// outputHashes reads a snapshot manifest's outputs as table -> (rows, SHA-256).
func outputHashes(t *testing.T, snap string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(snap, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Outputs []struct {
			Table  string `json:"table"`
			Rows   int64  `json:"rows"`
			SHA256 string `json:"sha256"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range m.Outputs {
		out[o.Table] = o.SHA256
		if slices.Contains(designationTables, o.Table) && o.Rows == 0 {
			out[o.Table] = "empty"
		}
	}
	return out
}

// Sections 14 and 15 are optional and change nothing else: the example
// without solution_areas and benefits publishes every other table byte for
// byte as the example with them, and the four new tables empty.
func TestWithoutAreasOtherTablesUnchanged(t *testing.T) {
	const day = "2024-03-31"
	text, err := os.ReadFile("../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Index(string(text), "# RULES.md section 14")
	if cut < 0 {
		t.Fatal("the example rulebook has no solution_areas block")
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "rulebook.yaml")
	if err := os.WriteFile(plain, text[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	lake := filepath.Join(dir, "lake")
	if _, err := jobs.Run(context.Background(), jobs.RunOptions{
		Input: "../fixtures/example", Rulebook: plain, AsOf: day, Out: lake, DuckDB: engine.Settings{Threads: 2},
	}); err != nil {
		t.Fatal(err)
	}
	without := outputHashes(t, filepath.Join(lake, "snapshots", "as_of="+day))
	with := outputHashes(t, filepath.Join(exampleLake(t, day), "snapshots", "as_of="+day))
	for _, table := range engine.OutputTables {
		switch {
		case slices.Contains(designationTables, table):
			if without[table] != "empty" {
				t.Errorf("%s: published with rows without solution areas", table)
			}
			if with[table] == "empty" {
				t.Errorf("%s: no rows for the example", table)
			}
		case without[table] == "" || without[table] != with[table]:
			t.Errorf("%s differs without solution areas: %s, with: %s", table, without[table], with[table])
		}
	}
}
