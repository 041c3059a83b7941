package publish

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestManifestJSON(t *testing.T) {
	m := &Manifest{
		RunID: "run-1", AsOf: "2024-06-30", TallyVersion: "v0.1.0",
		Rulebook:   RulebookRef{Path: "fixtures/rulebook.yaml", SHA256: "ab"},
		StartedAt:  time.Date(2024, 7, 1, 2, 30, 0, 0, time.UTC),
		FinishedAt: time.Date(2024, 7, 1, 2, 31, 0, 0, time.UTC),
		Inputs: []Input{
			{Table: "bookings", Path: "bookings.csv", SHA256: "cd", Format: "csv", RowsRead: 3, RowsAccepted: 2, RowsRejected: 1},
			{Table: "partners", Format: "postgres", RowsRead: 1, RowsAccepted: 1,
				Source: &Source{Kind: "postgres", Database: "crm", Schema: "public"}},
		},
		Outputs: []Output{{Table: "points_ledger", File: "points_ledger.parquet", Rows: 2, Bytes: 9, SHA256: "ef"}},
		DuckDB:  map[string]string{"threads": "2", "memory_limit": "1GB"},
	}
	b, err := m.marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	// Keys in a stable, documented order; map keys sorted.
	order := []string{`"run_id"`, `"as_of"`, `"tally_version"`, `"rulebook"`, `"started_at"`, `"finished_at"`,
		`"inputs"`, `"outputs"`, `"checks": []`, `"steps": []`, `"duckdb"`, `"memory_limit"`, `"threads"`}
	last := -1
	for _, k := range order {
		i := strings.Index(s, k)
		if i <= last {
			t.Fatalf("%s out of order or missing in\n%s", k, s)
		}
		last = i
	}
	if strings.Count(s, `"source"`) != 1 || strings.Contains(s, "snapshot_time") {
		t.Errorf("source should appear only where set, without a zero snapshot_time:\n%s", s)
	}
	if !strings.HasPrefix(s, "{\n  \"run_id\"") || !strings.HasSuffix(s, "}\n") {
		t.Errorf("want indented JSON ending in a newline:\n%s", s)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Checks, m.Steps = []Check{}, []Step{}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
	}
}

func TestFileSHA256(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("FileSHA256 = %s, want %s", got, want)
	}
	if _, err := FileSHA256(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("FileSHA256 of a missing file: want an error")
	}
}
