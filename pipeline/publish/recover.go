package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// recoverLake repairs what killed writers left behind; see "Recovery after
// a killed run" in the package documentation. lakeDir is absolute and the
// caller holds the lake's lock.
func recoverLake(lakeDir string) error {
	snaps := filepath.Join(lakeDir, snapshotsDir)
	entries, err := os.ReadDir(snaps)
	if err != nil {
		return fmt.Errorf("publish: recover: %w", err)
	}
	changed := false
	// Old snapshots first: one may have to go back into place.
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), oldPrefix) {
			continue
		}
		old := filepath.Join(snaps, e.Name())
		m, err := ReadManifest(old)
		if err != nil || checkAsOf(m.AsOf) != nil {
			// Without its as_of we cannot tell where it belongs; keep the
			// data and say so rather than guess or delete.
			slog.Error("publish: recover: left in place, no readable manifest", "dir", old, "err", err)
			continue
		}
		final := filepath.Join(snaps, asOfPrefix+m.AsOf)
		_, err = os.Lstat(final)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Killed between renaming the old snapshot aside and renaming
			// the new one in: put the old one back.
			if err := os.Rename(old, final); err != nil {
				return fmt.Errorf("publish: recover: rename %q: %w", old, err)
			}
			slog.Warn("publish: recover: restored a snapshot a killed run had moved aside",
				"as_of", m.AsOf, "from", e.Name())
		case err != nil:
			return fmt.Errorf("publish: recover: %w", err)
		default:
			if err := os.RemoveAll(old); err != nil {
				return fmt.Errorf("publish: recover: remove %q: %w", old, err)
			}
			slog.Info("publish: recover: removed a replaced snapshot", "dir", e.Name())
		}
		changed = true
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, stagingPrefix) || strings.HasPrefix(name, prunePrefix) {
			p := filepath.Join(snaps, name)
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("publish: recover: remove %q: %w", p, err)
			}
			slog.Info("publish: recover: removed an unfinished write", "dir", name)
			changed = true
		}
	}
	if changed {
		if err := syncDir(snaps); err != nil {
			return err
		}
	}
	return recoverPointers(lakeDir)
}

// recoverPointers removes temporary latest and current files and points
// current where latest does.
func recoverPointers(lakeDir string) error {
	entries, err := os.ReadDir(lakeDir)
	if err != nil {
		return fmt.Errorf("publish: recover: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "."+latestFile+".tmp-") || strings.HasPrefix(name, currentTmp) {
			if err := removeIfExists(filepath.Join(lakeDir, name)); err != nil {
				return fmt.Errorf("publish: recover: %w", err)
			}
		}
	}
	latest, err := readLatest(lakeDir)
	if errors.Is(err, ErrNoSnapshot) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("publish: recover: %w", err)
	}
	if cur, err := readCurrent(lakeDir); err == nil && cur == latest {
		return nil
	}
	if err := swapCurrent(lakeDir, snapshotRel(latest), "recover"); err != nil {
		return fmt.Errorf("publish: recover: %w", err)
	}
	slog.Warn("publish: recover: current pointed away from latest; re-pointed", "latest", latest)
	return syncDir(lakeDir)
}
