package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names inside a lake directory.
const (
	// ManifestFile is the name of the manifest inside every snapshot.
	ManifestFile = "manifest.json"
	// DateLayout is the layout of an as_of date.
	DateLayout = "2006-01-02"

	snapshotsDir  = "snapshots"
	asOfPrefix    = "as_of="
	latestFile    = "latest"
	currentLink   = "current"
	failedDir     = "failed"
	lockFile      = ".lock"
	stagingPrefix = ".staging-"
	oldPrefix     = ".old-"
	prunePrefix   = ".prune-"
	currentTmp    = "current.tmp-"

	dirPerm  = 0o755
	filePerm = 0o644
)

func checkAsOf(asOf string) error {
	t, err := time.Parse(DateLayout, asOf)
	if err != nil || t.Format(DateLayout) != asOf {
		return fmt.Errorf("publish: as_of %q is not a YYYY-MM-DD date: %w", asOf, ErrInvalid)
	}
	return nil
}

// checkRunID accepts the characters a run id needs (dates, times, counters)
// and nothing that could leave the directory it names.
func checkRunID(runID string) error {
	ok := runID != "" && len(runID) <= 128 && runID[0] != '.'
	for _, r := range runID {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.', r == ':', r == '+':
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("publish: run id %q: want letters, digits and -_.:+, not starting with a dot: %w", runID, ErrInvalid)
	}
	return nil
}

// snapshotRel is the path of an as_of snapshot relative to the lake, with
// forward slashes: the form written to latest.
func snapshotRel(asOf string) string {
	return snapshotsDir + "/" + asOfPrefix + asOf
}

// parseSnapshotRel is the inverse of snapshotRel; it refuses anything else,
// so a damaged latest can never send a reader outside the lake.
func parseSnapshotRel(rel string) (string, error) {
	rel = strings.TrimSpace(rel)
	dir, base := path.Split(rel)
	asOf, ok := strings.CutPrefix(base, asOfPrefix)
	if dir != snapshotsDir+"/" || !ok || checkAsOf(asOf) != nil {
		return "", fmt.Errorf("publish: %q is not a snapshot path like %q: %w", rel, snapshotRel("2006-01-02"), ErrInvalid)
	}
	return asOf, nil
}

// readLatest returns the as_of that DIR/latest names; ErrNoSnapshot if there
// is no latest file.
func readLatest(lakeDir string) (string, error) {
	p := filepath.Join(lakeDir, latestFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("publish: read %q: %w", p, ErrNoSnapshot)
	}
	if err != nil {
		return "", fmt.Errorf("publish: read latest: %w", err)
	}
	asOf, err := parseSnapshotRel(string(b))
	if err != nil {
		return "", fmt.Errorf("publish: read %q: %w", p, err)
	}
	return asOf, nil
}

// readCurrent returns the as_of that DIR/current points to.
func readCurrent(lakeDir string) (string, error) {
	p := filepath.Join(lakeDir, currentLink)
	target, err := os.Readlink(p)
	if err != nil {
		return "", fmt.Errorf("publish: readlink %q: %w", p, err)
	}
	return parseSnapshotRel(filepath.ToSlash(target))
}

// Latest returns the absolute path of the snapshot that DIR/latest names.
// It fails with ErrNoSnapshot when nothing has been published yet.
func Latest(lakeDir string) (string, error) {
	asOf, err := readLatest(lakeDir)
	if err != nil {
		return "", err
	}
	return Snapshot(lakeDir, asOf)
}

// Snapshot returns the absolute path of the published snapshot for asOf,
// or an error wrapping ErrNoSnapshot if there is none.
func Snapshot(lakeDir, asOf string) (string, error) {
	if err := checkAsOf(asOf); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(lakeDir)
	if err != nil {
		return "", fmt.Errorf("publish: lake %q: %w", lakeDir, err)
	}
	p := filepath.Join(abs, filepath.FromSlash(snapshotRel(asOf)))
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("publish: snapshot %q: %w", p, ErrNoSnapshot)
	}
	if err != nil {
		return "", fmt.Errorf("publish: snapshot: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("publish: snapshot %q is not a directory: %w", p, ErrNoSnapshot)
	}
	return p, nil
}

// Snapshots returns the as_of dates of the published snapshots, oldest
// first. A lake with no snapshots gives an empty list.
func Snapshots(lakeDir string) ([]string, error) {
	dir := filepath.Join(lakeDir, snapshotsDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publish: list snapshots: %w", err)
	}
	var asOfs []string
	for _, e := range entries {
		asOf, ok := strings.CutPrefix(e.Name(), asOfPrefix)
		if ok && e.IsDir() && checkAsOf(asOf) == nil {
			asOfs = append(asOfs, asOf)
		}
	}
	slices.Sort(asOfs) // YYYY-MM-DD sorts as text
	return asOfs, nil
}

// Prune removes all but the newest keep snapshots (by as_of) and returns
// the removed ones as paths relative to the lake ("snapshots/as_of=...").
// The snapshots that latest and current name are never removed, even with
// keep 0, nor those of the as_of dates in published: the run that prunes
// passes its own, so a backfill (an as_of older than latest) keeps what it
// just published. Each snapshot is renamed to a hidden .prune-* name before
// it is deleted, so a killed prune never leaves a half-deleted snapshot
// visible. The caller must hold the lake's lock.
func Prune(lakeDir string, keep int, published ...string) ([]string, error) {
	if keep < 0 {
		return nil, fmt.Errorf("publish: prune: keep %d < 0: %w", keep, ErrInvalid)
	}
	asOfs, err := Snapshots(lakeDir)
	if err != nil {
		return nil, err
	}
	protected := map[string]bool{}
	for _, asOf := range published {
		protected[asOf] = true
	}
	switch asOf, err := readLatest(lakeDir); {
	case err == nil:
		protected[asOf] = true
	case !errors.Is(err, ErrNoSnapshot):
		return nil, fmt.Errorf("publish: prune: %w", err)
	}
	if asOf, err := readCurrent(lakeDir); err == nil {
		protected[asOf] = true
	}
	snaps := filepath.Join(lakeDir, snapshotsDir)
	var removed []string
	for i, asOf := range asOfs {
		if len(asOfs)-i <= keep || protected[asOf] {
			continue
		}
		from := filepath.Join(snaps, asOfPrefix+asOf)
		aside := filepath.Join(snaps, prunePrefix+asOf)
		if err := os.RemoveAll(aside); err != nil {
			return removed, fmt.Errorf("publish: prune: remove %q: %w", aside, err)
		}
		if err := os.Rename(from, aside); err != nil {
			return removed, fmt.Errorf("publish: prune: rename %q: %w", from, err)
		}
		removed = append(removed, snapshotRel(asOf))
		if err := os.RemoveAll(aside); err != nil {
			return removed, fmt.Errorf("publish: prune: remove %q: %w", aside, err)
		}
	}
	if len(removed) > 0 {
		if err := syncDir(snaps); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// FailedDir creates (if needed) and returns DIR/failed/<runID>/, the place
// for failing check rows of a run that published nothing. Use it when the
// rows are written by another tool (e.g. COPY ... TO); KeepFailed writes
// them from memory.
func FailedDir(lakeDir, runID string) (string, error) {
	if err := checkRunID(runID); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(lakeDir)
	if err != nil {
		return "", fmt.Errorf("publish: lake %q: %w", lakeDir, err)
	}
	dir := filepath.Join(abs, failedDir, runID)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", fmt.Errorf("publish: mkdir %q: %w", dir, err)
	}
	return dir, nil
}

// KeepFailed writes files (name relative to the run's directory -> content)
// under DIR/failed/<runID>/ and returns that directory. Each file is written
// to a temporary name and renamed, so a file there is always complete.
// Names must be local paths (no "..", not absolute).
func KeepFailed(lakeDir, runID string, files map[string][]byte) (string, error) {
	for name := range files {
		if !filepath.IsLocal(name) {
			return "", fmt.Errorf("publish: keep failed: file name %q: %w", name, ErrInvalid)
		}
	}
	dir, err := FailedDir(lakeDir, runID)
	if err != nil {
		return "", err
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), dirPerm); err != nil {
			return "", fmt.Errorf("publish: mkdir %q: %w", filepath.Dir(p), err)
		}
		if err := writeFileAtomic(p, files[name], runID); err != nil {
			return "", err
		}
	}
	return dir, nil
}
