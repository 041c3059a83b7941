// Package jobs holds what tally runs: the nightly snapshot, extract and
// validate, and (with the scheduler in jobs/schedule) their cron schedules.
// Each job is a function of its options; main.go only parses flags.
package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

// Version is the program's version, recorded in every manifest.
var Version = "0.1.0-dev"

// Exit codes of CONTRACT.md.
const (
	ExitOK      = 0
	ExitFailed  = 1 // the run failed and nothing was published
	ExitUsage   = 2 // bad usage, rulebook or inputs that cannot be read
	ExitRejects = 3 // --strict and at least one row was rejected
)

var (
	// ErrUsage marks a bad command line: exit 2.
	ErrUsage = errors.New("bad usage")
	// ErrStrict marks a --strict run that found rejected rows: exit 3.
	ErrStrict = errors.New("rows were rejected and --strict is set")
	// ErrChecks marks a run stopped by failing audit checks: exit 1.
	ErrChecks = errors.New("audit checks failed")
	// ErrNoPartners marks a run whose inputs hold no accepted partner,
	// refused without --allow-empty: exit 2.
	ErrNoPartners = errors.New("no partner accepted")
)

// ExitCode maps an error from a job to the exit code of CONTRACT.md.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrStrict):
		return ExitRejects
	case errors.Is(err, ErrUsage), errors.Is(err, rulebook.ErrInvalid), errors.Is(err, extract.ErrInput),
		errors.Is(err, ErrNoPartners):
		return ExitUsage
	}
	return ExitFailed
}

// ParseDate reads a YYYY-MM-DD command line value.
func ParseDate(flag, s string) (date.Date, error) {
	d, err := date.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("--%s: %v: %w", flag, err, ErrUsage)
	}
	return d, nil
}

// LoadRulebook reads the rulebook; a bad one is ErrInvalid (exit 2).
func LoadRulebook(path string) (*rulebook.Rulebook, error) {
	if path == "" {
		return nil, fmt.Errorf("--rulebook is required: %w", ErrUsage)
	}
	return rulebook.Load(path)
}

// newRunID names a run: UTC time to the second and a random suffix, so two
// runs never share staging or failure directories.
func newRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
