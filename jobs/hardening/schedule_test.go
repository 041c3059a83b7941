package hardening_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tally/pipeline/publish"
)

// syncBuffer is a strings.Builder that a child's output and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until cond holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// scheduleConfig writes a schedule file whose nightly job publishes the
// example into lakeDir; it is caught up as soon as the scheduler starts.
func scheduleConfig(t *testing.T, lakeDir, spec string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "jobs.yaml")
	write(t, cfg, fmt.Sprintf("timezone: UTC\nlake: %s\ninput: %s\nrulebook: %s\njobs:\n  - {name: nightly, kind: nightly, schedule: %q}\n",
		lakeDir, example, rulebook, spec))
	return cfg
}

// TestScheduleStopsOnSIGTERM starts `tally schedule` while another process
// holds the lake's lock, so that its nightly job blocks waiting for it,
// and sends SIGTERM: the scheduler must cancel the job and exit 0
// promptly, the lake untouched. Issue 26, item 2: it waited for the job
// (here, the 30 minutes of --wait).
func TestScheduleStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	bin := tallyBin(t)
	lakeDir := copyLake(t, template(t, asOfA))
	before := checkLake(t, lakeDir)
	lock, err := publish.Lock(context.Background(), lakeDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()

	cmd := exec.Command(bin, "schedule", "--config", scheduleConfig(t, lakeDir, "0 30 2 * * *"), "--log-format", "json", "--threads", "1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ended := false
	defer func() {
		if !ended {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	if !waitFor(time.Minute, func() bool {
		return strings.Contains(stderr.String(), `"msg":"run started"`) || strings.Contains(stderr.String(), `"msg":"schedule: job started"`)
	}) {
		t.Fatalf("the nightly job never started:\n%s", stderr.String())
	}
	time.Sleep(200 * time.Millisecond) // into the lock wait
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	select {
	case err := <-exited:
		ended = true
		if err != nil {
			t.Errorf("tally schedule after SIGTERM: %v\n%s", err, stderr.String())
		}
		t.Logf("exited %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatalf("tally schedule still running 20s after SIGTERM:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"schedule: stopped"`) {
		t.Errorf("no stop logged:\n%s", stderr.String())
	}
	after := checkLake(t, lakeDir)
	if err := sameFiles("as_of="+asOfA+" tables", after.tables(asOfA), before.tables(asOfA)); err != nil || len(after.Snapshots) != 1 {
		t.Errorf("the cancelled job changed the lake: %v, snapshots %d", err, len(after.Snapshots))
	}
}
