package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// The nightly run's load, compute, checks and export steps.

type (
	beginFunc func(name string) time.Time
	stepFunc  func(name string, t0 time.Time)
)

// computed is what the compute step hands to the publish step: the staged
// snapshot with its files, the models' times and when the export began.
type computed struct {
	staging     *publish.Staging
	outputs     []engine.Output
	models      []engine.Step
	exportStart time.Time
}

// checksFailed keeps the failing rows and says which checks failed.
func checksFailed(o RunOptions, res *RunResult) error {
	failed := failedChecks(res.Checks)
	if len(failed) == 0 {
		return nil
	}
	log := logger(o.Logger)
	dir, kerr := publish.KeepFailed(o.Out, res.RunID, failureFiles(failed))
	for _, c := range failed {
		log.Error("check failed", "check", c.Name, "failing_rows", c.FailingRows, "first", firstRow(c))
	}
	return errors.Join(fmt.Errorf("%d of %d checks failed, nothing published; failing rows kept in %s: %w",
		len(failed), len(res.Checks), dir, ErrChecks), kerr)
}

func compute(ctx context.Context, e *engine.Engine, o RunOptions, rb *rulebook.Rulebook, asOf date.Date,
	raw string, res *RunResult, begin beginFunc, step stepFunc) (*computed, error) {
	t0 := begin("load")
	if err := e.LoadRaw(ctx, raw); err != nil {
		return nil, err
	}
	if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil {
		return nil, err
	}
	step("load", t0)
	reached("loaded")
	t0 = begin("compute")
	models, err := e.Run(ctx)
	if err != nil {
		return nil, err
	}
	step("compute", t0)
	reached("computed")

	t0 = begin("checks")
	if err := beforeChecks(e); err != nil {
		return nil, err
	}
	if res.Checks, err = e.Checks(ctx); err != nil {
		return nil, err
	}
	step("checks", t0)
	reached("checked")
	if err := checksFailed(o, res); err != nil {
		return nil, err
	}

	t0 = begin("export")
	staging, err := publish.Begin(o.Out, res.AsOf, res.RunID)
	if err != nil {
		return nil, err
	}
	reached("staging")
	outputs, err := e.Export(ctx, staging.Dir)
	if err != nil {
		return nil, errors.Join(err, staging.Abort())
	}
	for _, out := range outputs {
		if out.Ranges > 0 {
			logger(o.Logger).Info("sorted in ranges of partners: the sort in one piece ran out of memory",
				"table", out.Table, "ranges", out.Ranges, "rows", out.Rows)
		}
	}
	return &computed{staging, outputs, models, t0}, nil
}
