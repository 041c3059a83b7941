package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"tally/pipeline/lake"
	"tally/pipeline/publish"
	"tally/pipeline/report"
)

// The jobs that read the published lake and never change it: report,
// explain and query.

// ReportOptions are the flags of `tally report`.
type ReportOptions struct {
	ProgramYear string
	AsOf        string // "" = the latest snapshot
	Out         string // the lake
	Logger      *slog.Logger
}

// ReportResult lists what `tally report` wrote.
type ReportResult struct {
	ProgramYear string   `json:"program_year"`
	AsOf        string   `json:"as_of"`
	StartAsOf   string   `json:"start_as_of,omitempty"`
	Dir         string   `json:"dir"`
	Files       []string `json:"files"`
	Notes       []string `json:"notes,omitempty"`
}

// Report writes the program-year report under <lake>/reports/program_year=ID/
// from the latest snapshot (and an older one for the start of the year);
// with AsOf naming another snapshot, under
// <lake>/reports/as_of=DATE/program_year=ID/. A date with no snapshot is
// bad usage.
func Report(ctx context.Context, o ReportOptions) (*ReportResult, error) {
	log := logger(o.Logger)
	if o.ProgramYear == "" {
		return nil, fmt.Errorf("--program-year is required: %w", ErrUsage)
	}
	if o.AsOf != "" {
		if _, err := ParseDate("as-of", o.AsOf); err != nil {
			return nil, err
		}
	}
	r, err := readAgain(ctx, func() (*report.Report, error) { return report.Build(ctx, o.Out, o.ProgramYear, o.AsOf) })
	if err != nil {
		return nil, lakeError(err)
	}
	for _, n := range r.Notes {
		log.Warn(n)
	}
	files, err := r.Write(ctx, o.Out)
	if err != nil {
		return nil, err
	}
	log.Info("report written", "program_year", r.ProgramYear, "as_of", r.AsOf, "dir", r.Dir(o.Out))
	return &ReportResult{ProgramYear: r.ProgramYear, AsOf: r.AsOf, StartAsOf: r.StartAsOf,
		Dir: r.Dir(o.Out), Files: files, Notes: r.Notes}, nil
}

// ExplainOptions are the flags of `tally explain`.
type ExplainOptions struct {
	Partner string
	AsOf    string // "" = the latest snapshot
	Out     string // the lake
}

// Explain gathers why a partner has its points and level on as_of. An
// unknown partner is an error (exit 1) that says so.
func Explain(ctx context.Context, o ExplainOptions) (*report.Explanation, error) {
	if o.Partner == "" {
		return nil, fmt.Errorf("--partner is required: %w", ErrUsage)
	}
	if o.AsOf != "" {
		if _, err := ParseDate("as-of", o.AsOf); err != nil {
			return nil, err
		}
	}
	return readAgain(ctx, func() (*report.Explanation, error) {
		s, err := lake.Open(ctx, o.Out, o.AsOf)
		if err != nil {
			return nil, lakeError(err)
		}
		defer s.Close()
		return report.Explain(ctx, s, o.Partner)
	})
}

// QueryOptions are the flags of `tally query`.
type QueryOptions struct {
	SQL  string
	AsOf string // "" = the latest snapshot
	Out  string // the lake
}

// Query runs one read-only SELECT over the snapshot's tables.
func Query(ctx context.Context, o QueryOptions) (*lake.Result, error) {
	if o.SQL == "" {
		return nil, fmt.Errorf("a SQL query is required: %w", ErrUsage)
	}
	if o.AsOf != "" {
		if _, err := ParseDate("as-of", o.AsOf); err != nil {
			return nil, err
		}
	}
	return readAgain(ctx, func() (*lake.Result, error) { return query(ctx, o) })
}

// readAttempts bounds how often readAgain reads a snapshot that keeps
// being replaced.
const readAttempts = 3

// readAgain runs read (which opens a snapshot of the lake and reads it)
// again when a run republished the snapshot while it was read: such a
// read fails with lake.ErrSnapshotReplaced rather than answer from two
// versions, and the new version is there to read. Query, Explain and
// Report share it.
func readAgain[T any](ctx context.Context, read func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := read()
		if !errors.Is(err, lake.ErrSnapshotReplaced) || attempt == readAttempts || ctx.Err() != nil {
			return v, err
		}
	}
}

func query(ctx context.Context, o QueryOptions) (*lake.Result, error) {
	s, err := lake.Open(ctx, o.Out, o.AsOf)
	if err != nil {
		return nil, lakeError(err)
	}
	defer s.Close()
	res, err := s.Query(ctx, o.SQL)
	if errors.Is(err, lake.ErrNotReadOnly) {
		return nil, fmt.Errorf("query: %w; the snapshot's tables are %s: %w", err, strings.Join(s.Tables(), ", "), ErrUsage)
	}
	return res, err
}

// lakeError adds what to do when the lake has nothing to read, and makes a
// wrong program year bad usage.
func lakeError(err error) error {
	switch {
	case errors.Is(err, publish.ErrNoSnapshot):
		return fmt.Errorf("%w (publish one with `tally run`, or pass --out for another lake)", err)
	case errors.Is(err, report.ErrUnknownYear), errors.Is(err, report.ErrUnknownSnapshot):
		return fmt.Errorf("%w: %w", err, ErrUsage)
	}
	return err
}
