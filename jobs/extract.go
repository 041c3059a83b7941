package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"tally/pipeline/extract"
)

// ExtractOptions are the flags of `tally extract` and `tally validate`.
type ExtractOptions struct {
	Input    string // a landing directory or a postgres:// URL
	PGSchema string // the schema of the tables when Input is a URL ("" = public)
	Rulebook string
	Out      string // lake; raw/ is written under it (ignored by Validate)
	Logger   *slog.Logger
}

// Extract lands the inputs as Parquet under <out>/raw/, with the rejects.
func Extract(ctx context.Context, o ExtractOptions) (*extract.Result, error) {
	return land(ctx, o, filepath.Join(o.Out, "raw"))
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
