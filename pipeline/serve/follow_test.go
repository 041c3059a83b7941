package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"tally/pipeline/lake/laketest"
)

// TestFollowsLatest publishes a new snapshot while the server answers a
// stream of requests: every answer succeeds and names one snapshot (its
// label and its partner_levels row agree), and once the publish is done the
// next request is answered from the new snapshot, without a restart.
func TestFollowsLatest(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes two snapshots")
	}
	dir := t.TempDir()
	const first, second = laketest.AsOf, "2024-09-30"
	if err := laketest.Publish(context.Background(), dir, first); err != nil {
		t.Fatal(err)
	}
	f := start(t, dir, false)
	asOf := func(path string) (string, bool) {
		req, _ := http.NewRequest("GET", f.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["pbm"])
		resp, err := f.http.Client().Do(req)
		if err != nil {
			t.Error(err)
			return "", false
		}
		defer resp.Body.Close()
		var s Summary
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&s) != nil {
			t.Errorf("%s: %d", path, resp.StatusCode)
			return "", false
		}
		// The label and the data must come from the same snapshot.
		if s.Snapshot.AsOf != s.AsOf || str(s.PartnerLevels["as_of"]) != s.AsOf {
			t.Errorf("%s: as_of %s, snapshot %s, partner_levels.as_of %s", path, s.AsOf, s.Snapshot.AsOf, str(s.PartnerLevels["as_of"]))
			return "", false
		}
		return s.AsOf, true
	}
	if got, _ := asOf("/api/partners/" + own); got != first {
		t.Fatalf("before the publish: as_of %s, want %s", got, first)
	}

	published := make(chan error, 1)
	go func() { published <- laketest.Publish(context.Background(), dir, second) }()
	var total, failed atomic.Int64
	seen := sync.Map{}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				got, ok := asOf("/api/partners/" + own)
				if !ok || got != first && got != second {
					failed.Add(1)
				}
				seen.Store(got, true)
				total.Add(1)
			}
		}()
	}
	err := <-published
	// At least 1,000 requests overlap the publish and what follows it.
	for total.Load() < 1000 && !t.Failed() {
		got, ok := asOf("/api/partners/" + own)
		if !ok {
			failed.Add(1)
		}
		seen.Store(got, true)
		total.Add(1)
	}
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests during the publish failed", failed.Load(), total.Load())
	}
	if got, _ := asOf("/api/partners/" + own); got != second {
		t.Errorf("after the publish: as_of %s, want %s", got, second)
	}
	if _, ok := seen.Load(second); !ok {
		t.Error("no request saw the new snapshot")
	}
	t.Logf("%d requests during and after the publish", total.Load())

	// The same day published again replaces the snapshot in place: the
	// next answer comes from the new run.
	runID := func() string {
		_, body := f.get(t, "/api/partners", f.tokens["program"])
		var l List
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		return l.Snapshot.RunID
	}
	before := runID()
	if err := laketest.Publish(context.Background(), dir, second); err != nil {
		t.Fatal(err)
	}
	if after := runID(); after == before || after == "" {
		t.Errorf("after publishing %s again: run %s, was %s", second, after, before)
	}
}
