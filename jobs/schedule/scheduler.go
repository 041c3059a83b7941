// Package schedule runs tally's jobs (nightly, relevel, migrate, report) on
// cron schedules until stopped: `tally schedule --config jobs.yaml`.
//
// The package only decides when; what a job does is the caller's Runner.
// Jobs run one at a time, in the order they came due. A job that comes due
// while it is still waiting or running is skipped (and logged), not queued
// twice. On start, a nightly job whose last successful run is older than
// its most recent scheduled time (it was missed while the scheduler was
// down, or it failed) runs once at once, for the day it was missed. The
// last run of each job is kept in <lake>/.schedule-state.json.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Runner runs one job for the given day (YYYY-MM-DD in the program's time
// zone). ctx is cancelled when the scheduler is asked to stop; the job
// should then return promptly (see Options.StopTimeout).
type Runner func(ctx context.Context, job Job, today string) error

// DefaultStopTimeout is Options.StopTimeout when it is zero.
const DefaultStopTimeout = 30 * time.Second

// ErrJobDidNotStop is wrapped by Run's error when the running job had not
// returned StopTimeout after its context was cancelled.
var ErrJobDidNotStop = errors.New("the running job did not stop")

// Options tune Run; the zero value is ready to use.
type Options struct {
	// Logger receives the scheduler's logs; nil means slog.Default().
	Logger *slog.Logger
	// StatePath overrides <lake>/.schedule-state.json.
	StatePath string
	// NoCatchUp turns off running a missed nightly job at start.
	NoCatchUp bool
	// StopTimeout is how long Run waits for the running job to return
	// once Run's ctx is cancelled, which cancels the job's context at
	// once; zero means DefaultStopTimeout. A job that ignores its context
	// (blocked in a system call) is left behind, and Run returns an error
	// wrapping ErrJobDidNotStop.
	StopTimeout time.Duration

	now func() time.Time // tests
}

// DateLayout is the layout of the today passed to a Runner.
const DateLayout = "2006-01-02"

// due is one run waiting to start.
type due struct {
	job    Job
	today  string
	reason string // "schedule" or "catch-up"
}

type scheduler struct {
	cfg       *Config
	runner    Runner
	log       *slog.Logger
	statePath string
	now       func() time.Time
	st        *state

	mu      sync.Mutex
	queue   []due
	pending map[string]bool // waiting or running, by job name
	running string
	wake    chan struct{}
}

// Run schedules cfg's jobs and runs them with runner until ctx is
// cancelled (the caller wires SIGINT and SIGTERM to ctx). It then cancels
// the running job's context, waits up to opts.StopTimeout for it to
// return, stops the cron, drops the waiting jobs and returns: nil, or an
// error wrapping ErrJobDidNotStop if the job had not returned by then. It
// also returns an error for an invalid cfg or runner; a failing job is
// logged and recorded, and the scheduler carries on.
func Run(ctx context.Context, cfg *Config, runner Runner, opts Options) error {
	if runner == nil {
		return errors.New("schedule: nil runner")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	s := &scheduler{
		cfg:       cfg,
		runner:    runner,
		log:       opts.Logger,
		statePath: opts.StatePath,
		now:       opts.now,
		pending:   map[string]bool{},
		wake:      make(chan struct{}, 1),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.statePath == "" {
		s.statePath = filepath.Join(cfg.Lake, StateFile)
	}
	if s.now == nil {
		s.now = time.Now
	}
	st, err := loadState(s.statePath)
	if err != nil {
		// A damaged state only costs a catch-up run; keep scheduling.
		s.log.Warn("schedule: state unreadable, starting afresh", "path", s.statePath, "err", err)
	}
	s.st = st

	c := cron.New(cron.WithLocation(cfg.Location), cron.WithLogger(cronLogger{s.log}))
	names := map[cron.EntryID]string{}
	for _, job := range cfg.Jobs {
		id := c.Schedule(job.sched, cron.FuncJob(func() {
			s.enqueue(due{job: job, today: s.now().In(cfg.Location).Format(DateLayout), reason: "schedule"})
		}))
		names[id] = job.Name
	}
	if !opts.NoCatchUp {
		s.catchUp()
	}
	c.Start()
	for _, e := range c.Entries() {
		s.log.Debug("schedule: next run", "job", names[e.ID], "at", e.Next)
	}
	s.log.Info("schedule: started", "jobs", len(cfg.Jobs), "timezone", cfg.Location.String())

	stopTimeout := opts.StopTimeout
	if stopTimeout <= 0 {
		stopTimeout = DefaultStopTimeout
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var stopErr error
	for ctx.Err() == nil {
		d, ok := s.next()
		if !ok {
			select {
			case <-ctx.Done():
			case <-s.wake:
			}
			continue
		}
		// The job runs aside so that a stop does not wait on it for good.
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.run(jobCtx, d)
			s.finished(d.job.Name)
		}()
		select {
		case <-done:
			continue
		case <-ctx.Done():
		}
		cancelJobs()
		s.log.Info("schedule: stopping; the running job is cancelled", "job", d.job.Name, "stop_timeout", stopTimeout)
		t := time.NewTimer(stopTimeout)
		select {
		case <-done:
			t.Stop()
		case <-t.C:
			stopErr = fmt.Errorf("schedule: job %q still running %v after it was cancelled: %w", d.job.Name, stopTimeout, ErrJobDidNotStop)
			s.log.Error("schedule: stopping without the running job", "job", d.job.Name, "err", stopErr)
		}
	}
	<-c.Stop().Done() // cron's own jobs only enqueue; this is quick
	s.mu.Lock()
	for _, d := range s.queue {
		s.log.Info("schedule: stopping; job not run", "job", d.job.Name, "today", d.today)
	}
	s.queue = nil
	s.mu.Unlock()
	s.log.Info("schedule: stopped")
	return stopErr
}

// enqueue adds a run unless the same job is already waiting or running.
func (s *scheduler) enqueue(d due) {
	s.mu.Lock()
	if s.pending[d.job.Name] {
		s.mu.Unlock()
		s.log.Warn("schedule: job came due while still waiting or running; skipped",
			"job", d.job.Name, "today", d.today)
		return
	}
	s.pending[d.job.Name] = true
	s.queue = append(s.queue, d)
	running := s.running
	s.mu.Unlock()
	if running != "" {
		s.log.Info("schedule: job waits for the running one", "job", d.job.Name, "running", running)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *scheduler) next() (due, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return due{}, false
	}
	d := s.queue[0]
	s.queue = s.queue[1:]
	s.running = d.job.Name
	return d, true
}

func (s *scheduler) finished(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, name)
	s.running = ""
}

// catchUp queues each nightly job whose most recent scheduled time passed
// after its last successful run started.
func (s *scheduler) catchUp() {
	now := s.now().In(s.cfg.Location)
	for _, job := range s.cfg.Jobs {
		if job.Kind != KindNightly {
			continue
		}
		prev := prevActivation(job.sched, now)
		if prev.IsZero() {
			continue
		}
		last := s.st.Jobs[job.Name].LastSuccess
		if !last.Before(prev) {
			continue
		}
		s.log.Info("schedule: nightly run was missed; running it now",
			"job", job.Name, "scheduled", prev, "last_success", last)
		s.enqueue(due{job: job, today: prev.In(s.cfg.Location).Format(DateLayout), reason: "catch-up"})
	}
}

// prevActivation returns the latest time at or before now that sched
// fires, or the zero time if it has none in the last five years or is not
// a calendar schedule (@every has no fixed times). It searches back in
// doubling windows, so a daily schedule costs a few dozen Next calls.
func prevActivation(sched cron.Schedule, now time.Time) time.Time {
	if _, ok := sched.(*cron.SpecSchedule); !ok {
		return time.Time{}
	}
	for w := time.Second; w <= 5*366*24*time.Hour; w *= 2 {
		t := sched.Next(now.Add(-w))
		if t.IsZero() {
			return time.Time{}
		}
		if t.After(now) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

// run runs one job, if due, logs its outcome and records it in the state.
func (s *scheduler) run(ctx context.Context, d due) {
	log := s.log.With("job", d.job.Name, "kind", string(d.job.Kind), "today", d.today)
	start, t0 := s.now(), time.Now()
	ran, err := s.call(ctx, log, d)
	if !ran {
		log.Info("schedule: not due today; skipped")
		return
	}
	took := time.Since(t0)
	js := s.st.Jobs[d.job.Name]
	js.LastStarted, js.LastFinished, js.LastToday = start, start.Add(took), d.today
	if err != nil {
		log.Error("schedule: job failed", "duration", took, "outcome", "failed", "err", err)
		js.LastOutcome, js.LastError = "failed", err.Error()
	} else {
		log.Info("schedule: job finished", "duration", took, "outcome", "ok")
		js.LastOutcome, js.LastError = "ok", ""
		js.LastSuccess, js.LastSuccessToday = start, d.today
	}
	s.st.Jobs[d.job.Name] = js
	if err := s.st.save(s.statePath); err != nil {
		log.Error("schedule: could not record the run", "err", err)
	}
}

// call asks the job's Due gate and runs it; a panic in either becomes the
// run's error so one bad run does not stop the scheduler.
func (s *scheduler) call(ctx context.Context, log *slog.Logger, d due) (ran bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ran, err = true, fmt.Errorf("schedule: job %q panicked: %v", d.job.Name, r)
		}
	}()
	if d.job.Due != nil && !d.job.Due(d.today) {
		return false, nil
	}
	log.Info("schedule: job started", "reason", d.reason)
	return true, s.runner(ctx, d.job, d.today)
}

// cronLogger passes cron's own messages to slog: routine ones at debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
