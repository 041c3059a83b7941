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
	Input    string
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
	if o.Input == "" {
		return nil, fmt.Errorf("--input is required: %w", ErrUsage)
	}
	rb, err := LoadRulebook(o.Rulebook)
	if err != nil {
		return nil, err
	}
	return extract.Run(ctx, extract.Options{Input: o.Input, RawDir: rawDir, Rulebook: rb, Logger: o.Logger})
}
