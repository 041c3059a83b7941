package hardening_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// killCase is one killed run (or several, one after another, before the
// next run that is let finish).
type killCase struct {
	steps []string // where each run is killed: a step of jobs.Run or of publish's Commit
	asOf  string   // the as_of the killed runs publish: asOfA republishes the lake's snapshot, asOfB adds one
	keep  int      // --keep
}

func (c killCase) name() string {
	return fmt.Sprintf("%s/%s/keep%d", strings.Join(c.steps, "+"), c.asOf, c.keep)
}

func killCases() []killCase {
	one := func(step, asOf string) killCase { return killCase{steps: []string{step}, asOf: asOf} }
	return []killCase{
		// Before anything is staged the as_of makes no difference (the
		// random moments of TestKillAtRandomMoments fall in these steps too).
		one("locked", asOfA), one("checked", asOfB), one("exported", asOfA),
		// Inside Commit a republish of the same day (an atomic exchange) and
		// a new day (latest and current move) take different paths.
		one("staged", asOfA), one("staged", asOfB),
		one("renamed", asOfA), one("renamed", asOfB),
		one("current", asOfB), one("latest", asOfA), one("latest", asOfB),
		one("raw-published", asOfA), one("published", asOfB), one("raw-replaced", asOfB),
		{steps: []string{"done"}, asOf: asOfB, keep: 1}, // after pruning as_of=A
		// killed twice in a row before a run gets through
		{steps: []string{"raw-published", "raw-published"}, asOf: asOfB},
		{steps: []string{"renamed", "staged"}, asOf: asOfA},
	}
}

// TestKillAnywhere kills `tally run` with SIGKILL between the steps of the
// nightly job and at each step of the publish protocol (a re-executed test
// binary with a crash hook, see child), on a lake that already has a
// snapshot. After each
// kill the lake must be as a reader expects it (checkLake): the earlier
// snapshot intact and identical, latest and current on complete snapshots,
// nothing partial visible, raw/ readable. Then the next run must succeed,
// leave no debris, and publish tables byte-identical to an uninterrupted run.
func TestKillAnywhere(t *testing.T) {
	t.Parallel()
	base := template(t, asOfA)
	before := checkLake(t, base)
	ref := map[string]map[string]string{
		asOfA: before.tables(asOfA),
		asOfB: checkLake(t, template(t, asOfA, asOfB)).tables(asOfB),
	}
	for _, c := range killCases() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			lake := copyLake(t, base)
			for _, step := range c.steps {
				killed, stderr := runChild(t, childSpec{Input: example, Rulebook: rulebook, AsOf: c.asOf, Out: lake, Keep: c.keep, CrashAt: step})
				if !killed {
					t.Fatalf("the run never reached %q and was not killed:\n%s", step, stderr)
				}
				after := checkLake(t, lake)
				checkAfterKill(t, c, step, before, after, ref)
			}
			res := run(t, example, c.asOf, lake, c.keep)
			final := checkLake(t, lake)
			if len(final.Leftovers) > 0 {
				t.Errorf("the next run left debris: %v", final.Leftovers)
			}
			if m := final.Snapshots[c.asOf]; m == nil || m.RunID != res.RunID {
				t.Fatalf("the next run did not publish as_of=%s", c.asOf)
			}
			for asOf, m := range final.Snapshots {
				if err := sameFiles("as_of="+asOf+" tables", final.tables(asOf), ref[asOf]); err != nil {
					t.Errorf("%s (run %s)", err, m.RunID)
				}
			}
			if final.Latest != c.asOf || final.Current != c.asOf {
				t.Errorf("after the next run latest = %s, current = %s, want %s", final.Latest, final.Current, c.asOf)
			}
			if _, ok := final.Snapshots[asOfA]; !ok && c.keep == 0 {
				t.Errorf("as_of=%s is gone", asOfA)
			}
			if err := sameFiles("raw/", final.Raw, before.Raw); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkAfterKill: what a reader may see after a run was killed at step.
func checkAfterKill(t *testing.T, c killCase, step string, before, after lakeState, ref map[string]map[string]string) {
	t.Helper()
	pruned := c.keep > 0 && step == "done"
	for asOf := range after.Snapshots {
		if asOf != asOfA && asOf != c.asOf {
			t.Errorf("killed at %s: unexpected snapshot as_of=%s", step, asOf)
			continue
		}
		if err := sameFiles("as_of="+asOf+" tables", after.tables(asOf), ref[asOf]); err != nil {
			t.Errorf("killed at %s: %v", step, err)
		}
	}
	if _, ok := after.Snapshots[asOfA]; !ok && !pruned {
		t.Errorf("killed at %s: the published snapshot as_of=%s is gone", step, asOfA)
	}
	ok := map[string]bool{asOfA: true, c.asOf: true}
	if !ok[after.Latest] || !ok[after.Current] {
		t.Errorf("killed at %s: latest = %q, current = %q", step, after.Latest, after.Current)
	}
	// Only between swapping current and moving latest may they disagree
	// (both on complete snapshots); the next run re-points current.
	if after.Latest != after.Current && step != "current" && step != randomMoment {
		t.Errorf("killed at %s: latest = %s but current = %s", step, after.Latest, after.Current)
	}
	if err := sameFiles("raw/", after.Raw, before.Raw); err != nil {
		t.Errorf("killed at %s: %v", step, err)
	}
}

const randomMoment = "a random moment"

// TestKillAtRandomMoments kills the real tally binary after delays spread
// over an uninterrupted run's duration, wherever it happens to be then
// (inside extract, a DuckDB statement, a COPY, an fsync...).
func TestKillAtRandomMoments(t *testing.T) {
	t.Parallel()
	bin := tallyBin(t)
	base := template(t, asOfA)
	before := checkLake(t, base)
	ref := map[string]map[string]string{
		asOfA: before.tables(asOfA),
		asOfB: checkLake(t, template(t, asOfA, asOfB)).tables(asOfB),
	}
	args := func(lake string) []string {
		return []string{"run", "--input", example, "--rulebook", rulebook, "--as-of", asOfB, "--out", lake, "--log-level", "error", "--threads", "1"}
	}
	// A run of the example takes about runTime here, and the command
	// some more to start.
	full := runTime + 200*time.Millisecond
	const kills = 5
	for i := 1; i <= kills; i++ {
		delay := full * time.Duration(i) / (kills + 1)
		t.Run(delay.Round(time.Millisecond).String(), func(t *testing.T) {
			t.Parallel()
			lake := copyLake(t, base)
			cmd := exec.Command(bin, args(lake)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			_ = cmd.Process.Kill() // SIGKILL
			_ = cmd.Wait()
			after := checkLake(t, lake)
			checkAfterKill(t, killCase{asOf: asOfB}, randomMoment, before, after, ref)
			run(t, example, asOfB, lake, 0)
			final := checkLake(t, lake)
			if len(final.Leftovers) > 0 {
				t.Errorf("the next run left debris: %v", final.Leftovers)
			}
			for asOf := range final.Snapshots {
				if err := sameFiles("as_of="+asOf+" tables", final.tables(asOf), ref[asOf]); err != nil {
					t.Error(err)
				}
			}
			if final.Latest != asOfB || final.Current != asOfB {
				t.Errorf("latest = %s, current = %s", final.Latest, final.Current)
			}
		})
	}
}
