package hardening_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// soakEnv names the duration of TestSoak (`make soak` sets it); without it
// the test is skipped, so `make test` does not run it.
const soakEnv = "TALLY_SOAK"

// TestSoak runs `tally schedule` with the nightly job every minute while
// four readers loop over `tally query`, `tally explain`, `tally report` and
// the dashboard's API (`tally serve`, GET /api/partners/P001 with a program
// user's token) against the same lake, for the duration in TALLY_SOAK. Every
// read and every run must succeed, the scheduler must stop on SIGTERM with
// exit 0, the lake must be whole (checkLake) and valid by
// ../shared/tools/contract-check where that tool is present. Issue 26's
// soak test; docs/faults.md records a run.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv(soakEnv))
	if err != nil {
		t.Skipf("set %s to a duration (make soak) to run the soak test", soakEnv)
	}
	bin := tallyBin(t)
	lakeDir := copyLake(t, template(t, asOfA))
	cfg := scheduleConfig(t, lakeDir, "0 * * * * *")
	sched := exec.Command(bin, "schedule", "--config", cfg, "--log-format", "json", "--threads", "1")
	var schedErr syncBuffer
	sched.Stderr = &schedErr
	if err := sched.Start(); err != nil {
		t.Fatal(err)
	}
	// The dashboard, following latest, with one program user.
	users := filepath.Join(t.TempDir(), "users.yaml")
	added, err := exec.Command(bin, "users", "add", "--users", users, "--name", "soak", "--role", "program").Output()
	if err != nil {
		t.Fatalf("tally users add: %v", err)
	}
	lines := strings.Fields(strings.TrimSpace(string(added)))
	token := lines[len(lines)-1]
	addr := freeAddr(t)
	serve := exec.Command(bin, "serve", "--out", lakeDir, "--addr", addr, "--users", users, "--log-format", "json")
	var serveErr syncBuffer
	serve.Stderr = &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Signal(syscall.SIGTERM); _ = serve.Wait() }()
	if !waitFor(30*time.Second, func() bool {
		r, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == http.StatusOK
	}) {
		t.Fatalf("tally serve did not answer /healthz within 30 s: %s", serveErr.String())
	}
	start := time.Now()

	type tally struct {
		ok, failed int
		failures   []string
	}
	readers := map[string][]string{
		"query":   {"query", "--out", lakeDir, "--format", "csv", "SELECT level, count(*) AS partners FROM partner_levels GROUP BY level"},
		"explain": {"explain", "--partner", "P001", "--out", lakeDir},
		"report":  {"report", "--program-year", "FY25", "--out", lakeDir},
	}
	var mu sync.Mutex
	reads := map[string]*tally{}
	var wg sync.WaitGroup
	readers["dashboard"] = nil
	for name, args := range readers {
		reads[name] = &tally{}
		wg.Go(func() {
			for time.Since(start) < d {
				var out []byte
				var err error
				var stderr strings.Builder
				if name == "dashboard" {
					out, err = apiGet("http://"+addr+"/api/partners/P001", token)
				} else {
					cmd := exec.Command(bin, args...)
					cmd.Stderr = &stderr
					out, err = cmd.Output()
				}
				mu.Lock()
				r := reads[name]
				if err != nil || len(out) == 0 {
					r.failed++
					r.failures = append(r.failures, fmt.Sprintf("%s after %v: %v: %s", name, time.Since(start).Round(time.Second), err, stderr.String()))
				} else {
					r.ok++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	if err := sched.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sched.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("tally schedule after SIGTERM: %v", err)
		}
	case <-time.After(2 * time.Minute):
		_ = sched.Process.Kill()
		<-exited
		t.Errorf("tally schedule still running 2 minutes after SIGTERM")
	}

	// A run still going at SIGTERM is cancelled, by design: the last job
	// record may be that run failing with "context canceled".
	runs, failedRuns := 0, 0
	var failures []string
	lastCancelled := false
	sc := bufio.NewScanner(strings.NewReader(schedErr.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ Msg, Err string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("scheduler stderr, not JSON: %q", sc.Text())
			continue
		}
		switch rec.Msg {
		case "schedule: job finished":
			runs++
			lastCancelled = false
		case "schedule: job failed":
			failures = append(failures, rec.Err)
			lastCancelled = strings.Contains(rec.Err, context.Canceled.Error())
		}
	}
	if lastCancelled {
		failures = failures[:len(failures)-1] // stopped by the SIGTERM, not failed
	}
	for _, f := range failures {
		failedRuns++
		t.Errorf("a nightly run failed: %s", f)
	}
	if runs < int(d/time.Minute)-1 {
		t.Errorf("%d nightly runs in %v, want about one a minute", runs, d)
	}
	for name, r := range reads {
		for _, f := range r.failures {
			t.Errorf("a read failed: %s", f)
		}
		if r.ok == 0 {
			t.Errorf("%s never read", name)
		}
	}
	final := checkLake(t, lakeDir)
	if len(final.Leftovers) > 0 {
		t.Errorf("debris left in the lake: %v", final.Leftovers)
	}
	contract := contractCheck(t, lakeDir)
	t.Logf("soak of %v: %d nightly runs ok, %d failed; reads ok/failed: query %d/%d, explain %d/%d, report %d/%d, dashboard API %d/%d; snapshots %d, latest %s; contract-check: %s",
		d, runs, failedRuns, reads["query"].ok, reads["query"].failed, reads["explain"].ok, reads["explain"].failed,
		reads["report"].ok, reads["report"].failed, reads["dashboard"].ok, reads["dashboard"].failed,
		len(final.Snapshots), final.Latest, contract)
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// apiGet is one dashboard API read: the body of a 200 answer that is a
// JSON object naming its snapshot's as_of, else an error.
func apiGet(url, token string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil || v["as_of"] == nil {
		return nil, fmt.Errorf("not a JSON object with as_of (%v): %.200s", err, body)
	}
	return body, nil
}

// contractCheck builds ../shared/tools/contract-check (beside the
// repository, see its README) and runs it on lakeDir; it fails the test
// on any departure. It returns what to record: "passed", or why it did
// not run.
func contractCheck(t *testing.T, lakeDir string) string {
	t.Helper()
	src := filepath.Join(root, "..", "shared", "tools", "contract-check")
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		return "not run (" + src + " not found)"
	}
	bin := filepath.Join(scratch, "bin", "contract-check")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("building contract-check: %v\n%s", err, out)
		return "not built"
	}
	out, err := exec.Command(bin, lakeDir).CombinedOutput()
	if err != nil {
		t.Errorf("contract-check %s: %v\n%s", lakeDir, err, out)
		return fmt.Sprintf("failed (%s)", strings.TrimSpace(string(out)))
	}
	return "passed"
}
