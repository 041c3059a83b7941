// Package laketest publishes the example program into a temporary lake for
// the tests of the packages that read a lake (lake, report, main). Each
// test binary publishes once, in its TestMain.
package laketest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"tally/jobs"
)

// AsOf is the as_of of the example lake's latest snapshot.
const AsOf = "2024-06-30"

// Root returns the module's root directory (where go.mod is), found from
// the working directory of the test.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("laketest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Publish runs the nightly job on fixtures/example with fixtures/rulebook.yaml
// into the lake dir, once per as_of given, in that order (AsOf if none).
// latest names the newest as_of.
func Publish(ctx context.Context, dir string, asOfs ...string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	if len(asOfs) == 0 {
		asOfs = []string{AsOf}
	}
	for _, asOf := range asOfs {
		_, err := jobs.Run(ctx, jobs.RunOptions{
			Input:    filepath.Join(root, "fixtures", "example"),
			Rulebook: filepath.Join(root, "fixtures", "rulebook.yaml"),
			AsOf:     asOf,
			Out:      dir,
		})
		if err != nil {
			return fmt.Errorf("laketest: publish %s: %w", asOf, err)
		}
	}
	return nil
}

// Main is a TestMain body: it publishes into a fresh temporary lake, stores
// its path in *lakeDir, runs the tests and removes the lake.
func Main(run func() int, lakeDir *string, asOfs ...string) int {
	dir, err := os.MkdirTemp("", "tally-lake-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := Publish(context.Background(), dir, asOfs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*lakeDir = dir
	return run()
}
