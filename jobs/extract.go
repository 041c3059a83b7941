package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/extract"
)

// ExtractOptions are the flags of `tally extract` and `tally validate`.
type ExtractOptions struct {
	Input    string // a landing directory or a postgres:// URL
	PGSchema string // the schema of the tables when Input is a URL ("" = public)
	Rulebook string
	Out      string // lake; raw/ is written under it (ignored by Validate)
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

// Extract lands the inputs as Parquet under <out>/raw/, with the rejects.
func Extract(ctx context.Context, o ExtractOptions) (*extract.Result, error) {
	return land(ctx, o, filepath.Join(o.Out, "raw"))
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
