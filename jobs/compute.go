package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// The nightly run's load, compute, checks and export steps: in one piece
// (computeWhole), or one range of partners at a time when the run has more
// bookings than a range holds (computeRanges, pipeline/engine/ranges.go).
// Either way the same tables are published, row for row.

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

func acceptedRows(tables []extract.TableResult, name string) int64 {
	for _, t := range tables {
		if t.Table == name {
			return t.Accepted
		}
	}
	return 0
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

func computeWhole(ctx context.Context, e *engine.Engine, o RunOptions, rb *rulebook.Rulebook, asOf date.Date,
	raw, _ string, res *RunResult, _ Progress, begin beginFunc, step stepFunc) (*computed, error) {
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
	for _, m := range models {
		logger(o.Logger).Debug("model", "name", m.Name, "seconds", m.Seconds,
			"duckdb_memory_mb", m.MemoryBytes>>20, "spilled_mb", m.SpilledBytes>>20)
	}

	t0 = begin("checks")
	if err := beforeChecks(e, nil); err != nil {
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
	if err := e.Release(ctx); err != nil {
		return nil, err
	}
	staging, err := publish.Begin(o.Out, res.AsOf, res.RunID)
	if err != nil {
		return nil, err
	}
	reached("staging")
	outputs, err := e.Export(ctx, staging.Dir)
	if err != nil {
		return nil, errors.Join(err, staging.Abort())
	}
	return &computed{staging, outputs, models, t0}, nil
}

// computeRanges splits the raw tables into ranges of partners, computes,
// checks and exports each range on its own (in partner_id order), and
// appends the ranges' files into the snapshot's. Nothing is exported once
// a check has failed, but every range is still checked, so the failing
// rows are counted in full. The steps' times are summed over the ranges.
func computeRanges(ctx context.Context, e *engine.Engine, o RunOptions, rb *rulebook.Rulebook, asOf date.Date,
	raw, work string, res *RunResult, progress Progress, begin beginFunc, _ stepFunc) (*computed, error) {
	log := logger(o.Logger)
	done := progress.Step("split")
	t0 := time.Now()
	ranges, err := e.PlanRanges(ctx, raw, o.DuckDB.RangeBookings)
	if err != nil {
		done()
		return nil, err
	}
	res.Ranges = ranges
	split := filepath.Join(work, "split")
	if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil { // the influence matches need them
		done()
		return nil, err
	}
	if err := e.SplitRaw(ctx, raw, split); err != nil {
		done()
		return nil, err
	}
	done()
	log.Info("partners split into ranges", "ranges", len(ranges), "seconds", fmt.Sprintf("%.3f", time.Since(t0).Seconds()))
	reached("loaded")

	var (
		total       = map[string]float64{}
		models      []engine.Step
		partDirs    []string
		partOutputs [][]engine.Output
		failed      bool
		load        = time.Since(t0).Seconds() // planning and splitting
		compute     float64
		checks, exp float64
	)
	since := func(t time.Time) float64 { return time.Since(t).Seconds() }
	for _, r := range ranges {
		done := progress.Step(fmt.Sprintf("range %d of %d", r.Index+1, len(ranges)))
		rt := time.Now()
		t := time.Now()
		if err := e.LoadRange(ctx, raw, split, r.Index); err != nil {
			done()
			return nil, err
		}
		if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil {
			done()
			return nil, err
		}
		load += since(t)
		t = time.Now()
		steps, err := e.Run(ctx)
		if err != nil {
			done()
			return nil, fmt.Errorf("partners %s to %s: %w", r.FirstPartner, r.LastPartner, err)
		}
		compute += since(t)
		for _, s := range steps {
			if _, ok := total[s.Name]; !ok {
				models = append(models, engine.Step{Name: s.Name})
			}
			total[s.Name] += s.Seconds
		}
		t = time.Now()
		if err := beforeChecks(e, &r); err != nil {
			done()
			return nil, err
		}
		cs, err := e.Checks(ctx)
		if err != nil {
			done()
			return nil, err
		}
		checks += since(t)
		res.Checks = engine.MergeChecks(res.Checks, cs)
		failed = failed || len(failedChecks(cs)) > 0
		if !failed {
			t = time.Now()
			dir := filepath.Join(work, "parts", fmt.Sprint(r.Index))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				done()
				return nil, err
			}
			if err := e.Release(ctx); err != nil {
				done()
				return nil, err
			}
			outs, err := e.Export(ctx, dir)
			if err != nil {
				done()
				return nil, err
			}
			partDirs, partOutputs = append(partDirs, dir), append(partOutputs, outs)
			exp += since(t)
		}
		done()
		log.Info("range done", "range", r.Index+1, "of", len(ranges), "first_partner", r.FirstPartner,
			"partners", r.Partners, "bookings", r.Bookings, "seconds", fmt.Sprintf("%.3f", since(rt)))
	}
	for i := range models {
		models[i].Seconds = total[models[i].Name]
	}
	if err := os.RemoveAll(split); err != nil { // done with; the disk it held goes to the snapshot
		log.Warn("removing the split raw tables", "err", err)
	}
	// the steps of a run in one piece, each summed over the ranges
	for _, s := range []publish.Step{{Name: "load", Seconds: load}, {Name: "compute", Seconds: compute}, {Name: "checks", Seconds: checks}} {
		res.Steps = append(res.Steps, s)
		log.Info("step done", "step", s.Name, "seconds", fmt.Sprintf("%.3f", s.Seconds))
	}
	reached("computed")
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
	outputs, err := e.Concat(ctx, partDirs, staging.Dir, partOutputs)
	if err != nil {
		return nil, errors.Join(err, staging.Abort())
	}
	if err := os.RemoveAll(filepath.Join(work, "parts")); err != nil {
		log.Warn("removing the ranges' files", "err", err)
	}
	// the ranges' exports and the concatenation are one step
	return &computed{staging, outputs, models, t0.Add(-time.Duration(exp * float64(time.Second)))}, nil
}
