package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tally/jobs"
	"tally/pipeline/engine"
	"tally/pipeline/publish"
)

// copyLanding copies fixtures/example, dropping the bookings rows that
// contain drop (none when drop is "").
func copyLanding(t *testing.T, drop string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../fixtures/example")); err != nil {
		t.Fatal(err)
	}
	if drop != "" {
		p := filepath.Join(dir, "bookings.csv")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if !strings.Contains(line, drop) {
				kept = append(kept, line)
			}
		}
		if err := os.WriteFile(p, []byte(strings.Join(kept, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runAt(t *testing.T, input, asOf, lake string, keep int) *jobs.RunResult {
	t.Helper()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{Input: input, Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf,
		Out: lake, Keep: keep, DuckDB: engine.Settings{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRawVersions: each run lands its inputs in raw/run=<run id>/, which
// its snapshot's manifest names; raw/<table> follows the latest snapshot,
// and a backfill (an earlier as_of) leaves it; simulate reads the inputs of
// the snapshot it compares with; --keep prunes the raw versions of the
// snapshots it prunes.
func TestRawVersions(t *testing.T) {
	lake := t.TempDir()
	latest := runAt(t, copyLanding(t, ""), "2024-06-30", lake, 0)
	// the backfill's inputs lack a booking: its raw differs
	backfill := runAt(t, copyLanding(t, "B001001,"), "2024-03-31", lake, 0)
	for _, r := range []*jobs.RunResult{latest, backfill} {
		m, err := publish.ReadManifest(r.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		if m.Raw != publish.RawRel(r.RunID) || m.Raw != r.Raw {
			t.Errorf("manifest of %s names raw %q, want %q", r.AsOf, m.Raw, publish.RawRel(r.RunID))
		}
		if _, err := os.Stat(filepath.Join(lake, m.Raw, "bookings", "bookings.parquet")); err != nil {
			t.Error(err)
		}
	}
	target, err := os.Readlink(filepath.Join(lake, "raw", "bookings"))
	if err != nil || target != "run="+latest.RunID+"/bookings" {
		t.Errorf("raw/bookings -> %q (%v), want the latest snapshot's", target, err)
	}
	if got, want := bookingsIn(t, filepath.Join(lake, "raw", "bookings", "bookings.parquet")), inputRows(latest, "bookings"); got != want {
		t.Errorf("raw/bookings holds %d rows, the latest run accepted %d", got, want)
	}
	if inputRows(backfill, "bookings") != inputRows(latest, "bookings")-1 {
		t.Fatalf("the backfill's inputs should lack one booking")
	}

	// the published rulebook moves nobody on either snapshot: each is
	// recomputed from its own inputs
	for _, asOf := range []string{"2024-03-31", "2024-06-30"} {
		sim, err := jobs.Simulate(context.Background(), jobs.SimulateOptions{Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf, Out: lake,
			DuckDB: engine.Settings{Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range sim.Points {
			if p.Difference != "0.00" {
				t.Errorf("%s: %s %s points differ by %s: not the snapshot's inputs", asOf, p.ProgramYear, p.Source, p.Difference)
			}
		}
		if len(sim.Notes) > 0 {
			t.Errorf("%s: notes %q", asOf, sim.Notes)
		}
	}

	// --keep 1 prunes the backfill's snapshot and its raw version
	third := runAt(t, copyLanding(t, ""), "2024-07-31", lake, 1)
	for _, r := range []*jobs.RunResult{latest, backfill} {
		if _, err := os.Stat(filepath.Join(lake, r.Raw)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: raw version of a pruned snapshot still there (%v)", r.Raw, err)
		}
	}
	if _, err := os.Stat(filepath.Join(lake, third.Raw, "rejects", "rejects.parquet")); err != nil {
		t.Error(err)
	}
}

func inputRows(r *jobs.RunResult, table string) int64 {
	for _, in := range r.Inputs {
		if in.Table == table {
			return in.Accepted
		}
	}
	return -1
}

func bookingsIn(t *testing.T, path string) int64 {
	t.Helper()
	out := queryCSV(t, "SELECT count(*) FROM read_parquet(?)", path)
	var n int64
	for _, c := range strings.TrimSpace(strings.Split(string(out), "\n")[1]) {
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestExtractTakesTheLakeLock: `tally extract` is a writer of raw/ like
// `tally run`: it waits for nobody and fails while another holds the lock,
// and lands its inputs as a raw version that raw/<table> then points at.
func TestExtractTakesTheLakeLock(t *testing.T) {
	lake := t.TempDir()
	lock, err := publish.Lock(context.Background(), lake, 0)
	if err != nil {
		t.Fatal(err)
	}
	o := jobs.ExtractOptions{Input: "../fixtures/example", Rulebook: "../fixtures/rulebook.yaml", Out: lake}
	if _, err := jobs.Extract(context.Background(), o); !errors.Is(err, publish.ErrLocked) {
		t.Errorf("extract while the lake is locked: %v, want ErrLocked", err)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := jobs.Extract(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.RejectsFile, filepath.Join(lake, "raw", "run=")) {
		t.Errorf("rejects file %s, want one in a raw version", res.RejectsFile)
	}
	for _, tr := range res.Tables {
		if _, err := os.Stat(tr.Output); err != nil {
			t.Errorf("%s: %v", tr.Table, err)
		}
	}
	if _, err := os.Stat(filepath.Join(lake, "raw", "partners", "partners.parquet")); err != nil {
		t.Errorf("raw/partners: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(lake, ".work", "*")); len(left) > 0 {
		t.Errorf("left %v (after %v)", left, time.Since(start))
	}
}
