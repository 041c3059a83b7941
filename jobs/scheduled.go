package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tally/jobs/schedule"
	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/rulebook"
)

// ScheduleOptions are the flags of `tally schedule`.
type ScheduleOptions struct {
	Config string
	Wait   time.Duration // how long a job waits for the lake's lock
	DuckDB engine.Settings
	Logger *slog.Logger

	// StopTimeout is how long a stop waits for the cancelled running job
	// (0: schedule.DefaultStopTimeout).
	StopTimeout time.Duration
}

// Schedule runs the jobs of the config on their cron schedules until ctx is
// cancelled (SIGTERM or SIGINT): the running job is then cancelled (a run
// publishes nothing, and is caught up on the next start) and Schedule
// returns once it has stopped, or with an error after o.StopTimeout.
// nightly publishes the snapshot for today; migrate and relevel publish the
// snapshot of migration.on and of each audit_on (the days the rulebook
// names); report follows an audit.
func Schedule(ctx context.Context, o ScheduleOptions) error {
	log := logger(o.Logger)
	cfg, err := schedule.Load(o.Config)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrUsage)
	}
	rb, err := LoadRulebook(cfg.Rulebook)
	if err != nil {
		return err
	}
	for i := range cfg.Jobs {
		cfg.Jobs[i].Due = dueGate(rb, cfg.Jobs[i].Kind)
	}
	runner := func(ctx context.Context, job schedule.Job, today string) error {
		switch job.Kind {
		case schedule.KindReport:
			// The report of the year audited today.
			d, err := date.Parse(today)
			if err != nil {
				return err
			}
			for _, y := range rb.ProgramYears {
				if y.AuditOn == d {
					_, err := Report(ctx, ReportOptions{ProgramYear: y.ID, Out: cfg.Lake, Logger: log.With("job", job.Name)})
					return err
				}
			}
			return nil
		default:
			_, err := Run(ctx, RunOptions{Input: cfg.Input, Rulebook: cfg.Rulebook, AsOf: today, Out: cfg.Lake,
				Wait: o.Wait, DuckDB: o.DuckDB, Logger: log.With("job", job.Name)})
			return err
		}
	}
	return schedule.Run(ctx, cfg, runner, schedule.Options{Logger: log, StopTimeout: o.StopTimeout})
}

// dueGate says on which days a job of a kind has work: nightly every day,
// relevel and report on each program year's audit_on, migrate on
// migration.on.
func dueGate(rb *rulebook.Rulebook, kind schedule.Kind) func(string) bool {
	days := map[date.Date]bool{}
	switch kind {
	case schedule.KindNightly:
		return nil
	case schedule.KindRelevel, schedule.KindReport:
		for _, y := range rb.ProgramYears {
			days[y.AuditOn] = true
		}
	case schedule.KindMigrate:
		if rb.Migration != nil {
			days[rb.Migration.On] = true
		}
	}
	return func(today string) bool {
		d, err := date.Parse(today)
		return err == nil && days[d]
	}
}
