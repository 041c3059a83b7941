package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testOptions(logs *logBuffer) Options {
	return Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func testConfig(t *testing.T, jobs ...Job) *Config {
	return &Config{Timezone: "UTC", Lake: t.TempDir(), Jobs: jobs}
}

// runFor runs the scheduler until d has passed and returns how long Run
// took to return.
func runFor(t *testing.T, cfg *Config, runner Runner, opts Options, d time.Duration) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	start := time.Now()
	if err := Run(ctx, cfg, runner, opts); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	return time.Since(start)
}

func todayUTC() string { return time.Now().UTC().Format(DateLayout) }

func TestRunsJobsOneAtATime(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t,
		Job{Name: "a", Kind: KindReport, Schedule: "*/1 * * * * *"},
		Job{Name: "b", Kind: KindRelevel, Schedule: "* * * * * *"},
	)
	var active, maxActive atomic.Int32
	var mu sync.Mutex
	runs := map[string]int{}
	var badToday atomic.Value
	runner := func(ctx context.Context, job Job, today string) error {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			m := maxActive.Load()
			if n <= m || maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		if today != todayUTC() {
			badToday.Store(today)
		}
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		runs[job.Name]++
		mu.Unlock()
		return nil
	}
	var logs logBuffer
	runFor(t, cfg, runner, testOptions(&logs), 2600*time.Millisecond)

	if m := maxActive.Load(); m != 1 {
		t.Errorf("%d jobs ran at once, want 1", m)
	}
	if runs["a"] < 2 || runs["b"] < 2 {
		t.Errorf("runs = %v, want each job at least twice", runs)
	}
	if v := badToday.Load(); v != nil {
		t.Errorf("runner got today %q, want %q", v, todayUTC())
	}
	st, err := loadState(filepath.Join(cfg.Lake, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		js := st.Jobs[name]
		if js.LastOutcome != "ok" || js.LastSuccess.IsZero() || js.LastSuccessToday != todayUTC() {
			t.Errorf("state of %s = %+v", name, js)
		}
	}
	for _, want := range []string{"schedule: job started", "schedule: job finished", "duration=", "outcome=ok", "job=a", "kind=report"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs do not contain %q", want)
		}
	}
}

func TestMissedNightlyRunsOnceAtStart(t *testing.T) {
	t.Parallel()
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	// 08:00 UTC on 1 July is 01:00 in Los Angeles: the 02:30 run due most
	// recently was on 30 June.
	now := time.Date(2024, 7, 1, 8, 0, 0, 0, time.UTC)
	prev := time.Date(2024, 6, 30, 2, 30, 0, 0, la)
	tests := []struct {
		name        string
		kind        Kind
		lastSuccess time.Time // zero: no state
		noCatchUp   bool
		wantToday   string // "" = no run
	}{
		{"never ran", KindNightly, time.Time{}, false, "2024-06-30"},
		{"missed several days", KindNightly, prev.AddDate(0, 0, -5), false, "2024-06-30"},
		{"last run just before the due time", KindNightly, prev.Add(-time.Second), false, "2024-06-30"},
		{"ran at the due time", KindNightly, prev.Add(2 * time.Second), false, ""},
		{"catch-up off", KindNightly, prev.AddDate(0, 0, -5), true, ""},
		{"not a nightly job", KindReport, prev.AddDate(0, 0, -5), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &Config{Timezone: "America/Los_Angeles", Lake: t.TempDir(), Jobs: []Job{
				{Name: "nightly", Kind: tt.kind, Schedule: "CRON_TZ=America/Los_Angeles 30 2 * * *"},
			}}
			if !tt.lastSuccess.IsZero() {
				st := &state{Jobs: map[string]jobState{"nightly": {LastSuccess: tt.lastSuccess}}}
				if err := st.save(filepath.Join(cfg.Lake, StateFile)); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			var todays []string
			runner := func(ctx context.Context, job Job, today string) error {
				mu.Lock()
				defer mu.Unlock()
				todays = append(todays, today)
				return nil
			}
			var logs logBuffer
			opts := testOptions(&logs)
			opts.NoCatchUp = tt.noCatchUp
			opts.now = func() time.Time { return now }
			runFor(t, cfg, runner, opts, 400*time.Millisecond)

			switch {
			case tt.wantToday == "" && len(todays) != 0:
				t.Errorf("ran for %q, want no run", todays)
			case tt.wantToday != "" && (len(todays) != 1 || todays[0] != tt.wantToday):
				t.Errorf("ran for %q, want once for %s", todays, tt.wantToday)
			}
			if tt.wantToday != "" {
				st, err := loadState(filepath.Join(cfg.Lake, StateFile))
				if err != nil {
					t.Fatal(err)
				}
				if js := st.Jobs["nightly"]; !js.LastSuccess.Equal(now) || js.LastSuccessToday != tt.wantToday {
					t.Errorf("state after catch-up = %+v", js)
				}
			}
		})
	}
}

// TestStopCancelsTheRunningJob stops the scheduler while a job blocks: it
// must cancel the job's context at once and return promptly, nil when the
// job returns, an error wrapping ErrJobDidNotStop after StopTimeout when
// the job ignores its context (blocked in a system call, as on a FIFO).
// Issue 26, item 2: a stop waited for the running job however long.
func TestStopCancelsTheRunningJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		honours   bool // the job returns when its context is cancelled
		wantErr   error
		stopLimit time.Duration // Run must return within this of the stop
	}{
		{"job honours its context", true, nil, 2 * time.Second},
		{"job ignores its context", false, ErrJobDidNotStop, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A nightly job never run is caught up at once.
			cfg := testConfig(t, Job{Name: "nightly", Kind: KindNightly, Schedule: "* * * * * *"})
			started := make(chan struct{})
			release := make(chan struct{}) // ends a job that ignores its context
			t.Cleanup(func() {
				// Before the lake's TempDir goes: the job left behind
				// records its run there once released.
				close(release)
				for range 100 {
					if st, err := loadState(filepath.Join(cfg.Lake, StateFile)); err == nil && !st.Jobs["nightly"].LastFinished.IsZero() {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
			var calls atomic.Int32
			var sawCancel atomic.Bool
			runner := func(ctx context.Context, job Job, today string) error {
				if calls.Add(1) == 1 {
					close(started)
				}
				if !tt.honours {
					<-release
					return nil
				}
				select {
				case <-time.After(time.Hour):
					return nil
				case <-ctx.Done():
					sawCancel.Store(true)
					return ctx.Err()
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			var logs logBuffer
			opts := testOptions(&logs)
			opts.StopTimeout = time.Second
			returned := make(chan error, 1)
			go func() { returned <- Run(ctx, cfg, runner, opts) }()
			<-started
			cancel()
			stop := time.Now()
			select {
			case err := <-returned:
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Errorf("Run = %v, want %v", err, tt.wantErr)
				}
			case <-time.After(tt.stopLimit):
				t.Fatalf("Run had not returned %v after the stop", tt.stopLimit)
			}
			if took := time.Since(stop); !tt.honours && took < opts.StopTimeout {
				t.Errorf("Run returned %v after the stop, before StopTimeout", took)
			}
			if tt.honours && !sawCancel.Load() {
				t.Error("the job's context was not cancelled")
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("runner called %d times, want no run after the stop", n)
			}
			if !strings.Contains(logs.String(), "schedule: stopped") {
				t.Error("no stop logged")
			}
		})
	}
}

func TestDuplicateWhileRunningIsSkipped(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, Job{Name: "nightly", Kind: KindNightly, Schedule: "* * * * * *"})
	var calls atomic.Int32
	runner := func(ctx context.Context, job Job, today string) error {
		calls.Add(1)
		time.Sleep(1500 * time.Millisecond) // the schedule fires during it
		return nil
	}
	var logs logBuffer
	runFor(t, cfg, runner, testOptions(&logs), 1400*time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Errorf("runner called %d times, want 1", n)
	}
	if !strings.Contains(logs.String(), "came due while still waiting or running; skipped") {
		t.Errorf("no skipped duplicate logged:\n%s", logs.String())
	}
}

func TestDueGate(t *testing.T) {
	t.Parallel()
	var asked sync.Map
	cfg := testConfig(t,
		Job{Name: "relevel", Kind: KindRelevel, Schedule: "* * * * * *",
			Due: func(today string) bool { asked.Store(today, true); return false }},
		Job{Name: "report", Kind: KindReport, Schedule: "* * * * * *",
			Due: func(today string) bool { return today == todayUTC() }},
	)
	var mu sync.Mutex
	runs := map[string]int{}
	runner := func(ctx context.Context, job Job, today string) error {
		mu.Lock()
		defer mu.Unlock()
		runs[job.Name]++
		return nil
	}
	var logs logBuffer
	runFor(t, cfg, runner, testOptions(&logs), 1300*time.Millisecond)
	if runs["relevel"] != 0 || runs["report"] == 0 {
		t.Errorf("runs = %v, want report only", runs)
	}
	if _, ok := asked.Load(todayUTC()); !ok {
		t.Error("Due was not asked about today")
	}
	if !strings.Contains(logs.String(), "not due today; skipped") {
		t.Error("skipped job not logged")
	}
}

func TestFailingJobsDoNotStopTheScheduler(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, Job{Name: "nightly", Kind: KindNightly, Schedule: "* * * * * *"})
	var calls atomic.Int32
	runner := func(ctx context.Context, job Job, today string) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return errors.New("landing directory missing")
	}
	var logs logBuffer
	runFor(t, cfg, runner, testOptions(&logs), 1600*time.Millisecond)
	if n := calls.Load(); n < 2 {
		t.Fatalf("runner called %d times, want the scheduler to go on after a panic", n)
	}
	st, err := loadState(filepath.Join(cfg.Lake, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if js := st.Jobs["nightly"]; js.LastOutcome != "failed" || js.LastError != "landing directory missing" || !js.LastSuccess.IsZero() {
		t.Errorf("state = %+v", js)
	}
	for _, want := range []string{"panicked: boom", "outcome=failed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs do not contain %q", want)
		}
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	runner := func(context.Context, Job, string) error { return nil }
	cfg := testConfig(t, Job{Name: "n", Kind: KindNightly, Schedule: "nope"})
	if err := Run(t.Context(), cfg, runner, Options{}); err == nil {
		t.Error("Run with a bad schedule: want an error")
	}
	cfg = testConfig(t, Job{Name: "n", Kind: KindNightly, Schedule: "@daily"})
	if err := Run(t.Context(), cfg, nil, Options{}); err == nil {
		t.Error("Run with a nil runner: want an error")
	}
}

func TestPrevActivation(t *testing.T) {
	t.Parallel()
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		spec string
		now  time.Time
		want time.Time // zero: none
	}{
		{"30 2 * * *", utc("2024-07-01T10:00:00Z"), utc("2024-07-01T02:30:00Z")},
		{"30 2 * * *", utc("2024-07-01T02:00:00Z"), utc("2024-06-30T02:30:00Z")},
		{"30 2 * * *", utc("2024-07-01T02:30:00Z"), utc("2024-07-01T02:30:00Z")},
		{"CRON_TZ=America/Los_Angeles 30 2 * * *", utc("2024-07-01T08:00:00Z"), time.Date(2024, 6, 30, 2, 30, 0, 0, la)},
		{"*/1 * * * * *", utc("2024-07-01T10:00:05.5Z"), utc("2024-07-01T10:00:05Z")},
		{"0 0 29 2 *", utc("2025-03-01T00:00:00Z"), utc("2024-02-29T00:00:00Z")},
		{"@monthly", utc("2024-07-15T00:00:00Z"), utc("2024-07-01T00:00:00Z")},
		{"@every 1h", utc("2024-07-01T10:00:00Z"), time.Time{}},
	}
	for _, tt := range tests {
		s, err := parseSchedule(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := prevActivation(s, tt.now); !got.Equal(tt.want) {
			t.Errorf("prevActivation(%q, %v) = %v, want %v", tt.spec, tt.now, got, tt.want)
		}
	}
}
