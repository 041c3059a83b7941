package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/publish"
)

// RunOptions are the flags of `tally run`.
type RunOptions struct {
	Input    string // a landing directory or a postgres:// URL
	PGSchema string // the schema of the tables when Input is a URL ("" = public)
	Rulebook string
	AsOf     string
	Out      string
	Strict   bool
	Keep     int           // keep this many snapshots (0 = all)
	Wait     time.Duration // how long to wait for another run's lock
	DuckDB   engine.Settings
	Logger   *slog.Logger
	Progress Progress         // nil = none
	Now      func() time.Time // for tests; nil = time.Now

	// AllowEmpty publishes a run that accepted no partner; without it such
	// a run is refused (ErrNoPartners, exit 2) and publishes nothing.
	AllowEmpty bool
}

// RunResult is what `tally run` reports on stdout.
type RunResult struct {
	RunID    string                `json:"run_id"`
	AsOf     string                `json:"as_of"`
	Snapshot string                `json:"snapshot"`
	Inputs   []extract.TableResult `json:"inputs"`
	Rejected int64                 `json:"rejected"`
	Outputs  []engine.Output       `json:"outputs"`
	Checks   []engine.Check        `json:"checks"`
	Steps    []publish.Step        `json:"steps"`
	Pruned   []string              `json:"pruned,omitempty"`
	Raw      string                `json:"raw,omitempty"` // the run's raw version, relative to the lake
}

// CrashAt, when set, is called with the name of each step Run reaches
// ("locked", "extracted", "loaded", "computed", "checked", "staging",
// "exported", "raw-published", "published", "raw-replaced", "done"), so a test
// can kill the process there (jobs/hardening). Production never sets it.
var CrashAt func(step string)

// BeforeChecks, when set, is called with the engine just before the audit
// checks run. A check fails only on a bug, so the tests use it to break a
// computed table and see what a failing check does to the run. Production
// never sets it.
var BeforeChecks func(e *engine.Engine) error

func beforeChecks(e *engine.Engine) error {
	if BeforeChecks == nil {
		return nil
	}
	return BeforeChecks(e)
}

func reached(step string) {
	if CrashAt != nil {
		CrashAt(step)
	}
}

// Run is the nightly job: extract, compute, check, publish the snapshot for
// as_of. On any error nothing is published and the last snapshot stays.
func Run(ctx context.Context, o RunOptions) (*RunResult, error) {
	log := logger(o.Logger)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if err := checkInput(o.Input, o.PGSchema); err != nil {
		return nil, err
	}
	if o.Out == "" {
		return nil, fmt.Errorf("--out is required: %w", ErrUsage)
	}
	asOf, err := ParseDate("as-of", o.AsOf)
	if err != nil {
		return nil, err
	}
	rb, err := LoadRulebook(o.Rulebook)
	if err != nil {
		return nil, err
	}
	started := now()
	res := &RunResult{RunID: newRunID(started), AsOf: asOf.String()}
	progress := o.Progress
	if progress == nil {
		progress = NoProgress{}
	}
	var endSpinner func()
	begin := func(name string) time.Time {
		endSpinner = progress.Step(name)
		return time.Now()
	}
	defer func() {
		if endSpinner != nil {
			endSpinner()
		}
	}()
	step := func(name string, t0 time.Time) {
		endSpinner()
		endSpinner = nil
		s := publish.Step{Name: name, Seconds: time.Since(t0).Seconds()}
		res.Steps = append(res.Steps, s)
		log.Info("step done", "step", name, "seconds", fmt.Sprintf("%.3f", s.Seconds))
	}
	if err := makeLake(o.Out); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	lock, err := publish.Lock(ctx, o.Out, o.Wait)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	defer func() {
		if err := lock.Release(); err != nil {
			log.Warn("releasing the lake lock", "err", err)
		}
	}()
	_ = lock.SetRunID(res.RunID)
	reached("locked")
	log.Info("run started", "run_id", res.RunID, "as_of", res.AsOf, "input", extract.Redact(o.Input), "lake", o.Out)

	// A killed run leaves its work directory behind; none is in use while
	// this run holds the lock.
	if err := removeStaleWork(filepath.Join(o.Out, ".work")); err != nil {
		log.Warn("removing what killed runs left in .work", "err", err)
	}
	work := filepath.Join(o.Out, ".work", res.RunID)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	defer os.RemoveAll(work)

	t0 := begin("extract")
	landed, err := extract.Run(ctx, extract.Options{Input: o.Input, PGSchema: o.PGSchema, RawDir: filepath.Join(work, "raw"), Rulebook: rb, Logger: log})
	if err != nil {
		return nil, err
	}
	res.Inputs, res.Rejected = landed.Tables, landed.Rejects
	// Extraction's buffers are garbage now; hand them back to the system
	// before DuckDB takes its memory_limit, so the two never add up.
	debug.FreeOSMemory()
	step("extract", t0)
	reached("extracted")
	if err := noPartners(landed.Tables, o.AllowEmpty); err != nil {
		return res, err
	}
	if o.Strict && landed.Rejects > 0 {
		return res, fmt.Errorf("%d rows rejected (see `tally validate`): %w", landed.Rejects, ErrStrict)
	}

	settings := o.DuckDB
	settings.PrivateRaw = true // work/raw is this run's until it is published
	if settings.TempDir == "" {
		settings.TempDir = filepath.Join(work, "duckdb")
	}
	settings.OnModel = func(m engine.Step) { // each model as it completes
		logger(o.Logger).Debug("model", "name", m.Name, "seconds", m.Seconds,
			"duckdb_memory_mb", m.MemoryBytes>>20, "spilled_mb", m.SpilledBytes>>20)
	}
	e, err := engine.Open(ctx, settings)
	if err != nil {
		return res, err
	}
	defer e.Close()
	c, err := compute(ctx, e, o, rb, asOf, filepath.Join(work, "raw"), res, begin, step)
	if err != nil {
		return res, err
	}
	staging, outputs, models, t0 := c.staging, c.outputs, c.models, c.exportStart
	res.Outputs = outputs
	reached("exported")
	duck, err := e.Settings(ctx)
	if err != nil {
		return res, errors.Join(err, staging.Abort())
	}
	m := &publish.Manifest{
		RunID: res.RunID, AsOf: res.AsOf, TallyVersion: Version,
		Rulebook:  publish.RulebookRef{Path: absolute(rb.Path), SHA256: rb.SHA256},
		StartedAt: started.UTC(), DuckDB: duck,
	}
	for _, t := range landed.Tables {
		in := publish.Input{Table: t.Table, Path: t.File, SHA256: t.SHA256, Format: t.Format,
			RowsRead: t.RowsRead, RowsAccepted: t.Accepted, RowsRejected: t.Rejected}
		if s := t.Source; s != nil {
			// a database table: no file to hash, but what was read, and as of when
			in.Source = &publish.Source{Kind: s.Kind, Database: s.Database, Schema: s.Schema, SnapshotTime: s.SnapshotTime}
		}
		m.Inputs = append(m.Inputs, in)
	}
	for _, out := range outputs {
		m.Outputs = append(m.Outputs, publish.Output{Table: out.Table, File: filepath.Base(out.File), Rows: out.Rows})
	}
	// The rules the snapshot was computed with travel with it, so that its
	// readers need nothing outside it (CONTRACT.md).
	if err := os.WriteFile(filepath.Join(staging.Dir, publish.RulebookFile), rb.Text, 0o644); err != nil {
		return res, errors.Join(fmt.Errorf("run: rulebook copy: %w", err), staging.Abort())
	}
	m.Outputs = append(m.Outputs, publish.Output{Table: "rulebook", File: publish.RulebookFile})
	for _, c := range res.Checks {
		m.Checks = append(m.Checks, publish.Check{Name: c.Name, FailingRows: c.FailingRows, Passed: c.Passed})
	}
	step("export", t0)
	m.Steps = append(m.Steps, res.Steps...)
	for _, s := range models {
		m.Steps = append(m.Steps, publish.Step{Name: "model " + s.Name, Seconds: s.Seconds})
	}
	t0 = begin("publish")
	// The run's raw Parquet becomes its raw version, whole, before the
	// snapshot that names it is committed; a failed commit leaves a
	// version no snapshot names, which pruning removes.
	if m.Raw, err = publish.PublishRaw(o.Out, res.RunID, filepath.Join(work, "raw")); err != nil {
		return res, errors.Join(err, staging.Abort())
	}
	res.Raw = m.Raw
	reached("raw-published")
	if err := staging.Commit(m); err != nil {
		return res, errors.Join(err, staging.Abort())
	}
	res.Snapshot = staging.SnapshotDir()
	step("publish", t0)
	reached("published")

	// raw/<table> follows the latest snapshot; a backfill leaves it.
	if latest, err := publish.Latest(o.Out); err == nil && latest == res.Snapshot {
		if err := publish.PointRaw(o.Out, res.RunID); err != nil {
			log.Warn("raw/<table> links not updated", "err", err)
		}
	}
	reached("raw-replaced")
	if o.Keep > 0 {
		res.Pruned, err = publish.Prune(o.Out, o.Keep, res.AsOf)
		if err != nil {
			log.Warn("pruning old snapshots", "err", err)
		}
		raw, err := publish.PruneRaw(o.Out)
		if err != nil {
			log.Warn("pruning old raw versions", "err", err)
		}
		res.Pruned = append(res.Pruned, raw...)
	}
	reached("done")
	log.Info("run published", "snapshot", res.Snapshot, "rejected", res.Rejected)
	return res, nil
}

// noPartners refuses a run that accepted no partner unless allowEmpty: an
// empty partners file (a header only, or every row rejected) is far more
// likely a failed export than a program without partners, and published
// it would become the latest snapshot.
func noPartners(tables []extract.TableResult, allowEmpty bool) error {
	for _, t := range tables {
		if t.Table == "partners" && t.Accepted == 0 && !allowEmpty {
			return fmt.Errorf("%s: no partner accepted (%d rows read, %d rejected); nothing published (--allow-empty publishes an empty program): %w",
				t.File, t.RowsRead, t.Rejected, ErrNoPartners)
		}
	}
	return nil
}

func failedChecks(cs []engine.Check) []engine.Check {
	var out []engine.Check
	for _, c := range cs {
		if !c.Passed {
			out = append(out, c)
		}
	}
	return out
}

// failureFiles renders each failing check's first rows as CSV.
func failureFiles(cs []engine.Check) map[string][]byte {
	files := map[string][]byte{}
	for _, c := range cs {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(c.Columns)
		_ = w.WriteAll(c.Sample)
		files[c.Name+".csv"] = b.Bytes()
	}
	return files
}

func firstRow(c engine.Check) []string {
	if len(c.Sample) == 0 {
		return nil
	}
	return c.Sample[0]
}

// makeLake creates the lake directory if it is missing, readable by the
// dashboards of other users whatever the umask (a lake that exists keeps
// the mode its owner gave it).
func makeLake(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// removeStaleWork empties the lake's .work directory; the caller holds the
// lake's lock, so no other run is using anything in it.
func removeStaleWork(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// absolute makes a path absolute so readers of the manifest in any working
// directory find the file (report and explain read the rulebook it names).
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
