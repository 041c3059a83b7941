package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Leftovers of earlier versions' report writes: a staging directory
// ".tmp-<name>-<random>" and the previous version set aside as
// ".tmp-<name>-<random>.old".
const (
	legacyTmpPrefix = ".tmp-"
	oldSuffix       = ".old"
)

// PublishDir publishes the directory dst (a program-year report,
// DIR/reports/program_year=FY25) the way Commit publishes a snapshot: fill
// writes the new version into a hidden staging directory beside dst, which
// then replaces dst with ReplaceDir (one atomic exchange where the platform
// has it), so a reader of dst finds the old version or the new, complete.
//
// PublishDir holds the lock of dst's parent directory (parent/.lock, as
// Lock), waiting up to wait for another writer, and first repairs what a
// killed PublishDir left in the parent: staging directories are removed,
// and a previous version set aside is put back where its directory is
// missing, else removed. An error from fill or from the replacement leaves
// dst as it was.
func PublishDir(ctx context.Context, dst string, wait time.Duration, fill func(dir string) error) (err error) {
	parent, name := filepath.Dir(dst), filepath.Base(dst)
	if !filepath.IsLocal(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("publish: directory name %q: %w", name, ErrInvalid)
	}
	// A new parent is readable by dashboards whatever the umask; an
	// existing one keeps the mode its owner gave it.
	if _, err := os.Stat(parent); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(parent, dirPerm); err != nil {
			return fmt.Errorf("publish: mkdir %q: %w", parent, err)
		}
		if err := os.Chmod(parent, dirPerm); err != nil {
			return fmt.Errorf("publish: chmod %q: %w", parent, err)
		}
	}
	lock, err := Lock(ctx, parent, wait)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, lock.Release()) }()
	if err := recoverDirs(parent); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(parent, stagingPrefix+name+"-")
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(staging); rerr != nil {
			slog.Warn("publish: could not remove a staging directory; the next write removes it", "dir", staging, "err", rerr)
		}
	}()
	if err := fill(staging); err != nil {
		return err
	}
	reached("dir-staged")
	return ReplaceDir(staging, dst)
}

// recoverDirs repairs what killed PublishDir calls (and the report writer
// of earlier versions) left in parent; the caller holds parent's lock.
func recoverDirs(parent string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return fmt.Errorf("publish: recover %q: %w", parent, err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(parent, name)
		if !e.IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(name, oldSuffix):
			// ReplaceDir's previous version set aside: dst.old, or an
			// earlier writer's .tmp-<dst>-<random>.old.
			dst := strings.TrimSuffix(name, oldSuffix)
			if rest, ok := strings.CutPrefix(dst, legacyTmpPrefix); ok {
				if i := strings.LastIndexByte(rest, '-'); i > 0 {
					dst = rest[:i]
				}
			}
			errs = append(errs, restoreOrRemove(p, filepath.Join(parent, dst)))
		case strings.HasPrefix(name, stagingPrefix), strings.HasPrefix(name, legacyTmpPrefix):
			slog.Info("publish: recover: removed an unfinished write", "dir", p)
			errs = append(errs, os.RemoveAll(p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("publish: recover %q: %w", parent, err)
	}
	return syncDir(parent)
}

// restoreOrRemove puts the version set aside at old back at dst when dst
// is missing (a writer was killed between its two renames: old is the
// only copy), and removes it otherwise.
func restoreOrRemove(old, dst string) error {
	_, err := os.Lstat(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		slog.Warn("publish: recover: restored a directory a killed write had set aside", "dir", dst, "from", old)
		return os.Rename(old, dst)
	case err != nil:
		return err
	}
	slog.Info("publish: recover: removed a replaced directory", "dir", old)
	return os.RemoveAll(old)
}
