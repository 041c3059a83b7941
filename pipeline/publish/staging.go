package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

var errExchangeUnsupported = errors.New("directory exchange not supported")

// Test seams: useExchange turns the atomic directory exchange off so tests
// can reach the two-rename path; crashPoint, when set, is called at each
// step of Commit so a test can stop it there as a killed process would.
var (
	useExchange = true
	crashPoint  func(step string)
)

func reached(step string) {
	if crashPoint != nil {
		crashPoint(step)
	}
}

// SetCrashPoint makes f be called at each step of Commit ("staged", "aside",
// "renamed", "latest"), for tests outside this package that kill a real run
// there (jobs/hardening); nil removes it. Set it before any Commit runs.
func SetCrashPoint(f func(step string)) { crashPoint = f }

// Staging is a snapshot being written. The caller writes its table files
// into Dir and then calls Commit, or Abort to throw them away. A Staging is
// safe for one goroutine at a time.
type Staging struct {
	// Dir is DIR/snapshots/.staging-<run id>/, an absolute path.
	Dir string

	mu      sync.Mutex
	lakeDir string // absolute
	asOf    string
	runID   string
	done    bool
}

// AsOf returns the as_of date the staging will be published as.
func (s *Staging) AsOf() string { return s.asOf }

// RunID returns the run id given to Begin.
func (s *Staging) RunID() string { return s.runID }

// SnapshotDir returns where Commit publishes the snapshot:
// DIR/snapshots/as_of=<as_of>.
func (s *Staging) SnapshotDir() string {
	return filepath.Join(s.lakeDir, filepath.FromSlash(snapshotRel(s.asOf)))
}

// Begin repairs what killed runs left in the lake (see the package
// documentation) and creates an empty staging directory
// DIR/snapshots/.staging-<runID>/ for a snapshot of asOf (YYYY-MM-DD).
// The caller must hold the lake's lock (Lock) until Commit or Abort returns.
func Begin(lakeDir, asOf, runID string) (*Staging, error) {
	if err := checkAsOf(asOf); err != nil {
		return nil, err
	}
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(lakeDir)
	if err != nil {
		return nil, fmt.Errorf("publish: lake %q: %w", lakeDir, err)
	}
	snaps := filepath.Join(abs, snapshotsDir)
	if err := os.MkdirAll(snaps, dirPerm); err != nil {
		return nil, fmt.Errorf("publish: mkdir %q: %w", snaps, err)
	}
	if err := os.Chmod(snaps, dirPerm); err != nil { // readable by dashboards whatever the umask
		return nil, fmt.Errorf("publish: chmod %q: %w", snaps, err)
	}
	if err := recoverLake(abs); err != nil {
		return nil, err
	}
	dir := filepath.Join(snaps, stagingPrefix+runID)
	if err := os.Mkdir(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("publish: mkdir %q: %w", dir, err)
	}
	if err := os.Chmod(dir, dirPerm); err != nil {
		return nil, errors.Join(fmt.Errorf("publish: chmod %q: %w", dir, err), os.RemoveAll(dir))
	}
	return &Staging{Dir: dir, lakeDir: abs, asOf: asOf, runID: runID}, nil
}

// Abort removes the staging directory. After a successful Commit it does
// nothing, so `defer s.Abort()` is the usual way to clean up a failed run.
func (s *Staging) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	s.done = true
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("publish: abort: remove %q: %w", s.Dir, err)
	}
	return nil
}

// stagedFile is what Commit learns about one file in the staging dir.
type stagedFile struct {
	bytes  int64
	sha256 string
}

// Commit publishes the staged files as the snapshot for AsOf.
//
// m must list every staged file in Outputs (by File, or by Table for
// "<table>.parquet") with its row count; Commit fills each output's Bytes
// and SHA256, and the manifest's RunID, AsOf and FinishedAt if empty. A
// manifest with a failing check is refused with ErrChecksFailed, one that
// does not match the staged files with ErrManifest; in both cases nothing is
// published and the Staging can still be committed again or aborted.
//
// Commit writes manifest.json, fsyncs every file and directory, renames the
// staging directory to as_of=<as_of> (exchanging it with an existing one
// atomically where possible), then moves latest and current if this as_of is
// not older than latest's, and finally removes the replaced snapshot. Once
// the snapshot is renamed into place Commit cannot be undone: a later error
// (updating latest or current) is returned but the snapshot stays
// published; failing to remove the replaced snapshot is only logged, and
// the next Begin removes it.
func (s *Staging) Commit(m *Manifest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return fmt.Errorf("publish: commit %s: %w", s.runID, ErrClosed)
	}
	if m == nil {
		return fmt.Errorf("publish: commit %s: nil manifest: %w", s.runID, ErrManifest)
	}
	if err := s.completeManifest(m); err != nil {
		return err
	}
	b, err := m.marshal()
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(s.Dir, ManifestFile), b); err != nil {
		return err
	}
	if err := syncDir(s.Dir); err != nil {
		return err
	}
	reached("staged")
	return s.publish()
}

// completeManifest checks m against the staging and fills what Commit owns.
func (s *Staging) completeManifest(m *Manifest) error {
	op := "publish: commit " + s.runID
	switch {
	case m.RunID == "":
		m.RunID = s.runID
	case m.RunID != s.runID:
		return fmt.Errorf("%s: manifest run_id %q: %w", op, m.RunID, ErrManifest)
	}
	switch {
	case m.AsOf == "":
		m.AsOf = s.asOf
	case m.AsOf != s.asOf:
		return fmt.Errorf("%s: manifest as_of %q, staging %q: %w", op, m.AsOf, s.asOf, ErrManifest)
	}
	for _, c := range m.Checks {
		if !c.Passed || c.FailingRows > 0 {
			return fmt.Errorf("%s: check %q: %d failing rows: %w", op, c.Name, c.FailingRows, ErrChecksFailed)
		}
	}
	files, err := s.syncStaged()
	if err != nil {
		return err
	}
	claimed := map[string]bool{}
	for i := range m.Outputs {
		o := &m.Outputs[i]
		if o.File == "" {
			o.File = o.Table + ".parquet"
		}
		f, ok := files[o.File]
		if !ok {
			return fmt.Errorf("%s: output %q (table %q) is not in %q: %w", op, o.File, o.Table, s.Dir, ErrManifest)
		}
		if claimed[o.File] {
			return fmt.Errorf("%s: output %q listed twice: %w", op, o.File, ErrManifest)
		}
		claimed[o.File] = true
		o.Bytes, o.SHA256 = f.bytes, f.sha256
	}
	for name := range files {
		if !claimed[name] {
			return fmt.Errorf("%s: file %q in %q is not in the manifest's outputs: %w", op, name, s.Dir, ErrManifest)
		}
	}
	if m.FinishedAt.IsZero() {
		m.FinishedAt = time.Now().UTC()
	}
	return nil
}

// syncStaged walks the staging dir: it sets modes (0644 files, 0755
// directories), fsyncs and hashes every file, and fsyncs every directory,
// deepest first. It returns the files by slash-separated relative path,
// without a manifest.json at the top (Commit writes its own).
func (s *Staging) syncStaged() (map[string]stagedFile, error) {
	files := map[string]stagedFile{}
	var dirs []string
	err := filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(s.Dir, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Chmod(p, dirPerm); err != nil {
				return err
			}
			dirs = append(dirs, p)
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%q is not a regular file: %w", p, ErrManifest)
		case rel == ManifestFile:
			return nil
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		sum, n, err := hashFile(f)
		if err == nil {
			err = f.Chmod(filePerm)
		}
		if err == nil {
			err = f.Sync()
		}
		if err := errors.Join(err, f.Close()); err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = stagedFile{bytes: n, sha256: sum}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish: commit %s: %w", s.runID, err)
	}
	slices.Reverse(dirs)
	for _, d := range dirs[:len(dirs)-1] { // the staging dir itself is synced after the manifest
		if err := syncDir(d); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// publish renames the complete, synced staging dir into place and moves
// latest and current.
func (s *Staging) publish() error {
	snaps := filepath.Join(s.lakeDir, snapshotsDir)
	final := s.SnapshotDir()
	var replaced string // the previous snapshot, once out of the way
	switch _, err := os.Lstat(final); {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(s.Dir, final); err != nil {
			return fmt.Errorf("publish: rename %q: %w", s.Dir, err)
		}
	case err != nil:
		return fmt.Errorf("publish: commit %s: %w", s.runID, err)
	default:
		err := errExchangeUnsupported
		if useExchange {
			err = exchange(s.Dir, final)
		}
		switch {
		case err == nil:
			replaced = s.Dir // now holds the previous snapshot
		case !errors.Is(err, errExchangeUnsupported):
			return err
		default:
			old := filepath.Join(snaps, oldPrefix+s.runID)
			if err := os.Rename(final, old); err != nil {
				return fmt.Errorf("publish: rename %q: %w", final, err)
			}
			reached("aside")
			if err := os.Rename(s.Dir, final); err != nil {
				err = fmt.Errorf("publish: rename %q: %w", s.Dir, err)
				if rerr := os.Rename(old, final); rerr != nil {
					// Begin restores it from .old-<run id>.
					return errors.Join(err, fmt.Errorf("publish: restore %q: %w", old, rerr))
				}
				return err
			}
			replaced = old
		}
	}
	// No undo after this point: the snapshot is published.
	s.done = true
	reached("renamed")
	if err := syncDir(snaps); err != nil {
		return err
	}
	if err := s.movePointers(); err != nil {
		return err
	}
	if replaced != "" {
		if err := os.RemoveAll(replaced); err != nil {
			slog.Warn("publish: could not remove the replaced snapshot; the next run removes it",
				"dir", replaced, "err", err)
		}
	}
	return nil
}

// movePointers points latest and current at the new snapshot unless latest
// already names a newer one.
func (s *Staging) movePointers() error {
	cur, err := readLatest(s.lakeDir)
	if err == nil && cur > s.asOf {
		slog.Info("publish: published an older snapshot; latest stays",
			"as_of", s.asOf, "latest", cur)
		return nil
	}
	rel := snapshotRel(s.asOf)
	if err := writeFileAtomic(filepath.Join(s.lakeDir, latestFile), []byte(rel+"\n"), s.runID); err != nil {
		return fmt.Errorf("publish: snapshot %s published but latest not moved: %w", rel, err)
	}
	reached("latest")
	if err := swapCurrent(s.lakeDir, rel, s.runID); err != nil {
		return fmt.Errorf("publish: snapshot %s published but current not moved: %w", rel, err)
	}
	return syncDir(s.lakeDir)
}

// swapCurrent atomically re-points DIR/current at rel: a new symbolic link
// is made under a temporary name and renamed over the old one.
func swapCurrent(lakeDir, rel, runID string) error {
	tmp := filepath.Join(lakeDir, currentTmp+runID)
	if err := removeIfExists(tmp); err != nil {
		return err
	}
	if err := os.Symlink(filepath.FromSlash(rel), tmp); err != nil {
		return fmt.Errorf("publish: symlink %q: %w", tmp, err)
	}
	cur := filepath.Join(lakeDir, currentLink)
	if err := os.Rename(tmp, cur); err != nil {
		return errors.Join(fmt.Errorf("publish: rename %q: %w", tmp, err), removeIfExists(tmp))
	}
	return nil
}
