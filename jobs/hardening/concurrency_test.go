package hardening_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tally/pipeline/lake"
)

// fingerprint sums up a whole snapshot in one query over every table, so a
// query that read some tables of one version and some of another gives an
// answer that matches neither.
const fingerprint = `SELECT concat_ws('|',
	(SELECT count(*) || ':' || sum(points) || ':' || sum(tcv_usd) FROM points_ledger),
	(SELECT count(*) || ':' || sum(performance_points) || ':' || sum(capability_points) FROM partner_levels),
	(SELECT count(*) FROM level_history), (SELECT count(*) FROM audits), (SELECT count(*) FROM migration),
	(SELECT count(*) FROM notifications), (SELECT count(*) FROM denials), (SELECT count(*) FROM rejects)) AS f`

// version names what a snapshot was made from: its as_of and its
// bookings input (by SHA-256), as its manifest says.
func version(s *lake.Snapshot) string {
	for _, in := range s.Manifest.Inputs {
		if in.Table == "bookings" {
			return s.AsOf + "/" + in.SHA256[:12]
		}
	}
	return s.AsOf + "/?"
}

// query opens the lake, runs the fingerprint and returns it with the
// version the snapshot's manifest names.
func query(ctx context.Context, lakeDir, asOf string) (ver, got string, err error) {
	s, err := lake.Open(ctx, lakeDir, asOf)
	if err != nil {
		return "", "", err
	}
	defer s.Close()
	r, err := s.Query(ctx, fingerprint)
	if err != nil {
		return "", "", err
	}
	return version(s), r.Rows[0][0].Text, nil
}

// changedExample is fixtures/example with the last 200 bookings dropped, so
// its snapshots differ from the example's in every table that counts points.
func changedExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "landing")
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bookings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "bookings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.WriteAll(recs[:len(recs)-200])
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestQueriesDuringRepublish opens and queries the lake in a loop while a
// run republishes the same as_of from changed inputs and another publishes
// a new as_of. Every answer must be the fingerprint of the version its
// snapshot's manifest names (one of the three known ones), never a mix of
// two versions and never an error.
func TestQueriesDuringRepublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	changed := changedExample(t)
	// What each version answers: the example's as_of=A from its template
	// lake; the changed inputs' as_of=A and B from the lake once the runs
	// are done (the queries are checked then).
	want := map[string]string{}
	known := func(lakeDir, asOf string) {
		ver, got, err := query(ctx, lakeDir, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want[ver] = got
	}
	known(template(t, asOfA), asOfA)

	lakeDir := copyLake(t, template(t, asOfA))
	done := make(chan struct{})
	var writerErr error
	go func() {
		defer close(done)
		for _, asOf := range []string{asOfA, asOfB} {
			if _, err := runErr(changed, asOf, lakeDir); err != nil {
				writerErr = err
				return
			}
		}
	}()
	var (
		mu      sync.Mutex
		queries int
		answers = map[string]int{}
		wg      sync.WaitGroup
	)
	type answer struct{ who, ver, got string }
	var got []answer
	record := func(who, ver, text string, err error) {
		mu.Lock()
		defer mu.Unlock()
		queries++
		switch {
		case errors.Is(err, lake.ErrSnapshotReplaced):
			answers["replaced, opened again"]++
		case err != nil:
			t.Errorf("%s during a publish: %v", who, err)
		default:
			got = append(got, answer{who, ver, text})
		}
	}
	running := func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	// Readers that open the lake for each query: the latest snapshot, and
	// a fixed day.
	for _, asOf := range []string{"", asOfA} {
		wg.Go(func() {
			for running() {
				ver, got, err := query(ctx, lakeDir, asOf)
				record("query of "+asOf, ver, got, err)
			}
		})
	}
	// A reader that keeps its snapshot open, as a report does, and opens
	// it again only when told it was replaced.
	wg.Go(func() {
		var s *lake.Snapshot
		defer func() {
			if s != nil {
				s.Close()
			}
		}()
		for running() {
			var err error
			if s == nil {
				if s, err = lake.Open(ctx, lakeDir, asOfA); err != nil {
					record("open", "", "", err)
					continue
				}
			}
			r, err := s.Query(ctx, fingerprint)
			if err != nil {
				record("a snapshot kept open", "", "", err)
				s.Close()
				s = nil
				continue
			}
			record("a snapshot kept open", version(s), r.Rows[0][0].Text, nil)
		}
	})
	wg.Wait()
	if writerErr != nil {
		t.Fatal(writerErr)
	}
	known(lakeDir, asOfA)
	known(lakeDir, asOfB)
	if len(want) != 3 {
		t.Fatalf("want three versions, got %v", want)
	}
	distinct := map[string]bool{}
	for _, f := range want {
		distinct[f] = true
	}
	if len(distinct) != 3 {
		t.Fatalf("the three versions do not have distinct fingerprints: %v", want)
	}
	for _, a := range got {
		switch {
		case want[a.ver] == "":
			t.Errorf("%s: unknown version %s", a.who, a.ver)
		case a.got != want[a.ver]:
			t.Errorf("%s: the manifest says %s, the tables answer %q: a mix (want %q)", a.who, a.ver, a.got, want[a.ver])
		default:
			answers[a.ver]++
		}
	}
	t.Logf("%d queries: %v", queries, answers)
	if len(answers) < 2 {
		t.Errorf("the queries saw only %v: the test did not overlap a publish", answers)
	}
}

// TestSnapshotKeptOpenAcrossRepublish: a snapshot opened before a run
// republishes its day refuses to answer from the files now in its place,
// with ErrSnapshotReplaced; opened again it answers.
func TestSnapshotKeptOpenAcrossRepublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lakeDir := copyLake(t, template(t, asOfA))
	s, err := lake.Open(ctx, lakeDir, asOfA)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Query(ctx, fingerprint); err != nil {
		t.Fatal(err)
	}
	run(t, changedExample(t), asOfA, lakeDir, 0)
	if _, err := s.Query(ctx, fingerprint); !errors.Is(err, lake.ErrSnapshotReplaced) {
		t.Fatalf("a query after the republish: %v, want ErrSnapshotReplaced", err)
	}
	if _, _, err := query(ctx, lakeDir, asOfA); err != nil {
		t.Fatalf("opened again: %v", err)
	}
}
