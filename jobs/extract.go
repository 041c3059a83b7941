package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tally/pipeline/extract"
	"tally/pipeline/publish"
)

// ExtractOptions are the flags of `tally extract` and `tally validate`.
type ExtractOptions struct {
	Input    string // a landing directory or a postgres:// URL
	PGSchema string // the schema of the tables when Input is a URL ("" = public)
	Rulebook string
	Out      string // lake; a raw version is written under its raw/ (ignored by Validate)
	Logger   *slog.Logger
}

// Extract lands the inputs as Parquet in a raw version of the lake,
// <out>/raw/run=<run id>/, with the rejects, and points <out>/raw/<table>
// at it. It holds the lake's lock, as `tally run` does: raw/ has one
// writer at a time, and a version appears whole or not at all.
func Extract(ctx context.Context, o ExtractOptions) (*extract.Result, error) {
	if err := checkInput(o.Input, o.PGSchema); err != nil {
		return nil, err
	}
	if o.Out == "" {
		return nil, fmt.Errorf("--out is required: %w", ErrUsage)
	}
	if err := makeLake(o.Out); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	lock, err := publish.Lock(ctx, o.Out, 0)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	defer lock.Release()
	runID := newRunID(time.Now())
	_ = lock.SetRunID(runID)
	if err := removeStaleWork(filepath.Join(o.Out, ".work")); err != nil {
		logger(o.Logger).Warn("removing what killed runs left in .work", "err", err)
	}
	work := filepath.Join(o.Out, ".work", runID)
	defer os.RemoveAll(work)
	res, err := land(ctx, o, filepath.Join(work, "raw"))
	if err != nil {
		return nil, err
	}
	rel, err := publish.PublishRaw(o.Out, runID, filepath.Join(work, "raw"))
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	if err := publish.PointRaw(o.Out, runID); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	// the result names the files where they now are
	from, to := filepath.Join(work, "raw"), filepath.Join(o.Out, filepath.FromSlash(rel))
	for i := range res.Tables {
		if p := res.Tables[i].Output; p != "" {
			res.Tables[i].Output = filepath.Join(to, strings.TrimPrefix(p, from))
		}
	}
	if res.RejectsFile != "" {
		res.RejectsFile = filepath.Join(to, strings.TrimPrefix(res.RejectsFile, from))
	}
	return res, nil
}

// Validate checks the inputs and the rulebook and writes nothing.
func Validate(ctx context.Context, o ExtractOptions) (*extract.Result, error) {
	return land(ctx, o, "")
}

func land(ctx context.Context, o ExtractOptions, rawDir string) (*extract.Result, error) {
	if err := checkInput(o.Input, o.PGSchema); err != nil {
		return nil, err
	}
	rb, err := LoadRulebook(o.Rulebook)
	if err != nil {
		return nil, err
	}
	return extract.Run(ctx, extract.Options{Input: o.Input, PGSchema: o.PGSchema, RawDir: rawDir, Rulebook: rb, Logger: o.Logger})
}

// checkInput refuses a missing --input, and --pg-schema without a
// postgres:// input (it would be silently ignored).
func checkInput(input, pgSchema string) error {
	if input == "" {
		return fmt.Errorf("--input is required: %w", ErrUsage)
	}
	if pgSchema != "" && !extract.IsPostgres(input) {
		return fmt.Errorf("--pg-schema is for a postgres:// --input, not a landing directory: %w", ErrUsage)
	}
	return nil
}
