package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/serve"
	"tally/pipeline/users"
)

var lakeDir string

func TestMain(m *testing.M) { os.Exit(laketest.Main(m.Run, &lakeDir)) }

// TestLoadOnTheExample runs the load for a second against the dashboard on
// the example lake: every client signs in, every route is asked, every
// answer is 200, and the table names each route.
func TestLoadOnTheExample(t *testing.T) {
	ctx := context.Background()
	snap, err := lake.Open(ctx, lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := snap.Query(ctx, "SELECT partner_id FROM partner_levels ORDER BY partner_id")
	snap.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, row := range r.Rows {
		ids = append(ids, row[0].Text)
	}
	file := filepath.Join(t.TempDir(), "users.yaml")
	pick := newPicker(1, ids)
	accounts := []account{{name: "program", role: "program"}, {name: "pbm", role: "pbm", partners: pick.distinct(3)},
		{name: "partner0", role: "partner", partners: pick.distinct(1)}}
	for i := range accounts {
		a := &accounts[i]
		if a.token, err = users.Add(file, a.name, users.Role(a.role), a.partners); err != nil {
			t.Fatal(err)
		}
	}
	accounts[0].partners = ids
	srv, err := serve.New(serve.Options{Lake: lakeDir, UsersFile: file, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if err := waitHealthy(hs.URL, nil, time.Minute); err != nil { // the snapshot loads on the first request
		t.Fatal(err)
	}

	res, err := load(ctx, loadOptions{base: hs.URL, accounts: accounts, clients: 10, duration: time.Second, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.errors() != 0 {
		t.Fatalf("failed requests: %v", res.fails)
	}
	for i, rt := range routes {
		st := res.stats(i)
		if st.requests == 0 || st.p50 <= 0 || st.p50 > st.p90 || st.p90 > st.p99 || st.p99 > st.max {
			t.Errorf("%s: %+v", rt.name, st)
		}
	}
	var b strings.Builder
	res.print(&b)
	for _, rt := range routes {
		if !strings.Contains(b.String(), rt.name) {
			t.Errorf("the table has no row for %s:\n%s", rt.name, b.String())
		}
	}

	// A wrong token does not sign in: the run stops rather than measure
	// sign-in pages.
	bad := []account{{name: "program", role: "program", token: "not-a-token", partners: ids}}
	if _, err := load(ctx, loadOptions{base: hs.URL, accounts: bad, clients: 1, duration: time.Second}); err == nil {
		t.Error("a wrong token signed in")
	}
}

// TestLoadCountsFailures: answers that are not 200 count as errors, by
// route and status.
func TestLoadCountsFailures(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "users.yaml")
	tok, err := users.Add(file, "partner0", users.Partner, []string{"P002"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(serve.Options{Lake: lakeDir, UsersFile: file, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if err := waitHealthy(hs.URL, nil, time.Minute); err != nil { // the snapshot loads on the first request
		t.Fatal(err)
	}
	// The partner user asks for a partner it may not see: 404 every time.
	acc := []account{{name: "partner0", role: "partner", token: tok, partners: []string{"P004"}}}
	res, err := load(ctx, loadOptions{base: hs.URL, accounts: acc, clients: 2, duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.requests() == 0 || res.errors() != res.requests() {
		t.Fatalf("%d requests, %d errors: %v", res.requests(), res.errors(), res.fails)
	}
	for k := range res.fails {
		if !strings.Contains(k, "404") {
			t.Errorf("failure %q is not the 404", k)
		}
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 90: 90 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := percentile(lat, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: p99 %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("no sample: %v", got)
	}
}

// TestParseIDs: the ids come from tally query's CSV, header skipped,
// quoted ids kept whole; a row of another shape is an error.
func TestParseIDs(t *testing.T) {
	ids, err := parseIDs([]byte("partner_id\nP001\n\"P,2\"\n"))
	if err != nil || !slices.Equal(ids, []string{"P001", "P,2"}) {
		t.Fatalf("%q %v", ids, err)
	}
	if _, err := parseIDs([]byte("partner_id,level\nP001,select\n")); err == nil {
		t.Error("two columns accepted")
	}
}
