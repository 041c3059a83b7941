package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

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

	// RejectedRows is how many rejected rows Validate returns, in table
	// and row order: 0 none, -1 all.
	RejectedRows int
}

// Validation is what `tally validate` found: the tables' counts, and the
// rejected rows themselves.
type Validation struct {
	*extract.Result
	RejectedRows []extract.Reject `json:"rejected_rows"`
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

// Validate checks the inputs and the rulebook and writes nothing in the
// lake. To list rejected rows it lands the inputs in a temporary directory
// (removed before it returns) and reads them from its rejects file.
func Validate(ctx context.Context, o ExtractOptions) (*Validation, error) {
	if o.RejectedRows == 0 {
		res, err := land(ctx, o, "")
		return &Validation{Result: res}, err
	}
	tmp, err := os.MkdirTemp("", "tally-validate-")
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	defer os.RemoveAll(tmp)
	res, err := land(ctx, o, filepath.Join(tmp, "raw"))
	if err != nil {
		return nil, err
	}
	v := &Validation{Result: res}
	if res.Rejects > 0 {
		v.RejectedRows, err = readRejects(res.RejectsFile, o.RejectedRows)
	}
	return v, err
}

// readRejects reads the first n rows of a rejects file (all for n < 0).
func readRejects(path string, n int) (rows []extract.Reject, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	defer f.Close()
	r := parquet.NewGenericReader[extract.Reject](f)
	defer func() { err = errors.Join(err, r.Close()) }()
	buf := make([]extract.Reject, 256)
	for n < 0 || len(rows) < n {
		k, rerr := r.Read(buf)
		for _, row := range buf[:k] {
			if n >= 0 && len(rows) == n {
				break
			}
			rows = append(rows, row)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("validate: read %s: %w", path, rerr)
		}
	}
	return rows, nil
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
