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

// recoverPointers removes temporary latest and current files, rebuilds
// latest from the snapshots on disk when it is missing, damaged or names a
// snapshot that is gone, and points current where latest does.
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
	latest, err := recoverLatest(lakeDir)
	if err != nil || latest == "" {
		return err
	}
	if cur, err := readCurrent(lakeDir); err == nil && cur == latest {
		return nil
	}
	if err := swapCurrent(lakeDir, snapshotRel(latest), "recover"); err != nil {
		return fmt.Errorf("publish: recover: %w", err)
	}
	slog.Warn("publish: recover: current did not point where latest does; re-pointed", "latest", latest)
	return syncDir(lakeDir)
}

// recoverLatest returns the as_of that latest names once repaired: as it
// is when it names a snapshot on disk (an operator may have pointed it at
// an older one on purpose), else rewritten to the newest snapshot. With no
// snapshot at all, latest and current are removed and "" returned.
func recoverLatest(lakeDir string) (string, error) {
	latest, err := readLatest(lakeDir)
	if err == nil {
		if _, serr := Snapshot(lakeDir, latest); serr == nil {
			return latest, nil
		} else if !errors.Is(serr, ErrNoSnapshot) {
			return "", fmt.Errorf("publish: recover: %w", serr)
		}
	}
	asOfs, serr := Snapshots(lakeDir)
	if serr != nil {
		return "", fmt.Errorf("publish: recover: %w", serr)
	}
	if len(asOfs) == 0 {
		if errors.Is(err, ErrNoSnapshot) {
			return "", nil // nothing published yet
		}
		slog.Warn("publish: recover: latest names no snapshot and none is left; removed latest and current", "latest_err", err)
		return "", errors.Join(removeIfExists(filepath.Join(lakeDir, latestFile)),
			removeIfExists(filepath.Join(lakeDir, currentLink)), syncDir(lakeDir))
	}
	newest := asOfs[len(asOfs)-1]
	rel := snapshotRel(newest)
	if werr := writeFileAtomic(filepath.Join(lakeDir, latestFile), []byte(rel+"\n"), "recover"); werr != nil {
		return "", fmt.Errorf("publish: recover: %w", werr)
	}
	why := "it names a snapshot that is gone"
	if err != nil {
		why = err.Error()
	}
	slog.Warn("publish: recover: latest rebuilt from the snapshots on disk", "latest", newest, "because", why)
	return newest, nil
}
