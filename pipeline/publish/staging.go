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
// "renamed", "current", "latest") and of ReplaceDir ("replace-exchanged",
// "replace-aside"), for tests outside this package that kill a real run
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

// RulebookFile is the copy of the rulebook each snapshot holds, listed in
// its manifest's outputs (CONTRACT.md: a snapshot holds its rules).
const RulebookFile = "rulebook.yaml"

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
// Commit writes manifest.json, fsyncs every file and directory, writes the
// new latest and current aside, renames the staging directory to
// as_of=<as_of> (exchanging it with an existing one atomically where
// possible), then renames current and latest into place if this as_of is
// not older than latest's, and finally removes the replaced snapshot. The
// commit point is latest naming the snapshot (for a backfill, the rename):
// an error before it rolls the rename back, so an error from Commit means
// nothing was published, and nil that all of it was. Failing to remove the
// replaced snapshot is only logged; the next Begin removes it.
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
// current and then latest onto it. The commit point is latest naming the
// new snapshot (for a backfill, which leaves latest alone, the rename):
// every step before it that fails is undone, so an error means nothing was
// published and nil means everything was. The new pointers are written
// aside first, so that moving them is one rename each and needs no disk
// space: a full disk stops the publish before anything is visible.
func (s *Staging) publish() error {
	ptr, err := s.preparePointers()
	if err != nil {
		return err
	}
	defer ptr.discard()
	undo, replaced, err := s.place()
	if err != nil {
		return err
	}
	reached("renamed")
	rel := snapshotRel(s.asOf)
	err = syncDir(filepath.Join(s.lakeDir, snapshotsDir))
	if err == nil {
		err = ptr.moveCurrent()
	}
	if err == nil {
		reached("current")
		err = ptr.moveLatest()
	}
	if err != nil {
		err = fmt.Errorf("publish: snapshot %s not published: %w", rel, err)
		if uerr := errors.Join(ptr.restoreCurrent(), undo()); uerr != nil {
			// Left as a killed run would leave it: the next Begin repairs it.
			return errors.Join(err, fmt.Errorf("publish: rolling back %s: %w", rel, uerr))
		}
		return err
	}
	// No undo after this point: the snapshot is published.
	s.done = true
	reached("latest")
	if err := syncDir(s.lakeDir); err != nil {
		slog.Warn("publish: fsync of the lake directory failed after publishing", "dir", s.lakeDir, "err", err)
	}
	if replaced != "" {
		if err := os.RemoveAll(replaced); err != nil {
			slog.Warn("publish: could not remove the replaced snapshot; the next run removes it",
				"dir", replaced, "err", err)
		}
	}
	return nil
}

// place renames the staging dir to as_of=<as_of>, exchanging it with an
// existing snapshot of that day where it can. It returns how to take the
// new snapshot out again and put the previous one back, and where the
// previous one now is ("" if there was none).
func (s *Staging) place() (undo func() error, replaced string, err error) {
	snaps := filepath.Join(s.lakeDir, snapshotsDir)
	final := s.SnapshotDir()
	switch _, err := os.Lstat(final); {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(s.Dir, final); err != nil {
			return nil, "", fmt.Errorf("publish: rename %q: %w", s.Dir, err)
		}
		return func() error { return renameBack(final, s.Dir) }, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("publish: commit %s: %w", s.runID, err)
	}
	err = errExchangeUnsupported
	if useExchange {
		err = exchange(s.Dir, final)
	}
	switch {
	case err == nil: // s.Dir now holds the previous snapshot
		return func() error { return exchange(s.Dir, final) }, s.Dir, nil
	case !errors.Is(err, errExchangeUnsupported):
		return nil, "", err
	}
	old := filepath.Join(snaps, oldPrefix+s.runID)
	if err := os.Rename(final, old); err != nil {
		return nil, "", fmt.Errorf("publish: rename %q: %w", final, err)
	}
	reached("aside")
	if err := os.Rename(s.Dir, final); err != nil {
		err = fmt.Errorf("publish: rename %q: %w", s.Dir, err)
		if rerr := os.Rename(old, final); rerr != nil {
			// Begin restores it from .old-<run id>.
			return nil, "", errors.Join(err, fmt.Errorf("publish: restore %q: %w", old, rerr))
		}
		return nil, "", err
	}
	return func() error {
		return errors.Join(renameBack(final, s.Dir), renameBack(old, final))
	}, old, nil
}

func renameBack(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("publish: rename %q back to %q: %w", from, to, err)
	}
	return nil
}

// pointers are the new latest and current of a publish, made under
// temporary names before the snapshot is renamed into place, and the
// previous current, to put back if the publish is rolled back. Empty names
// mean there is nothing (left) to move.
type pointers struct {
	lakeDir    string
	latestTmp  string // the new latest, under its temporary name
	currentTmp string // the new current
	currentOld string // a link to where current pointed before; "" if there was none
	movedCur   bool   // current was renamed over
}

// preparePointers writes the new latest and current aside, unless latest
// names a newer snapshot (a backfill: latest and current stay) or both
// already name this as_of (a republish of the same day).
func (s *Staging) preparePointers() (*pointers, error) {
	p := &pointers{lakeDir: s.lakeDir}
	rel := snapshotRel(s.asOf)
	latest, lerr := readLatest(s.lakeDir)
	cur, cerr := readCurrent(s.lakeDir)
	switch {
	case lerr == nil && latest > s.asOf:
		slog.Info("publish: publishing an older snapshot; latest stays", "as_of", s.asOf, "latest", latest)
		return p, nil
	case lerr == nil && cerr == nil && latest == s.asOf && cur == s.asOf:
		return p, nil
	}
	p.latestTmp = filepath.Join(s.lakeDir, "."+latestFile+".tmp-"+s.runID)
	if err := writeFile(p.latestTmp, []byte(rel+"\n")); err != nil {
		return nil, errors.Join(err, removeIfExists(p.latestTmp))
	}
	var err error
	p.currentTmp, err = makeLink(s.lakeDir, currentTmp+s.runID, filepath.FromSlash(rel))
	if err == nil {
		var target string
		switch target, err = os.Readlink(filepath.Join(s.lakeDir, currentLink)); {
		case err == nil:
			p.currentOld, err = makeLink(s.lakeDir, currentTmp+s.runID+"-old", target)
		case errors.Is(err, fs.ErrNotExist):
			err = nil
		}
	}
	if err == nil {
		err = syncDir(s.lakeDir)
	}
	if err != nil {
		return nil, errors.Join(err, p.discard())
	}
	return p, nil
}

// makeLink makes the symbolic link lakeDir/name -> target afresh.
func makeLink(lakeDir, name, target string) (string, error) {
	p := filepath.Join(lakeDir, name)
	if err := removeIfExists(p); err != nil {
		return "", err
	}
	if err := os.Symlink(target, p); err != nil {
		return "", fmt.Errorf("publish: symlink %q: %w", p, err)
	}
	return p, nil
}

// moveCurrent renames the new current over the old one: an atomic swap.
func (p *pointers) moveCurrent() error {
	if p.currentTmp == "" {
		return nil
	}
	if err := renamePointer(p.currentTmp, filepath.Join(p.lakeDir, currentLink)); err != nil {
		return err
	}
	p.currentTmp, p.movedCur = "", true
	return nil
}

// moveLatest renames the new latest over the old one: the commit point.
func (p *pointers) moveLatest() error {
	if p.latestTmp == "" {
		return nil
	}
	if err := renamePointer(p.latestTmp, filepath.Join(p.lakeDir, latestFile)); err != nil {
		return err
	}
	p.latestTmp = ""
	return nil
}

// restoreCurrent points current back where it pointed before the publish.
func (p *pointers) restoreCurrent() error {
	if !p.movedCur {
		return nil
	}
	cur := filepath.Join(p.lakeDir, currentLink)
	if p.currentOld == "" {
		return removeIfExists(cur)
	}
	if err := renamePointer(p.currentOld, cur); err != nil {
		return err
	}
	p.currentOld, p.movedCur = "", false
	return nil
}

// discard removes the temporary pointers that were not moved.
func (p *pointers) discard() error {
	var errs []error
	for _, f := range []string{p.latestTmp, p.currentTmp, p.currentOld} {
		if f != "" {
			errs = append(errs, removeIfExists(f))
		}
	}
	p.latestTmp, p.currentTmp, p.currentOld = "", "", ""
	return errors.Join(errs...)
}

func renamePointer(from, to string) error {
	if err := fault("rename", to); err != nil {
		return err
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("publish: rename %q: %w", from, err)
	}
	return nil
}

// swapCurrent atomically re-points DIR/current at rel: a new symbolic link
// is made under a temporary name and renamed over the old one.
func swapCurrent(lakeDir, rel, runID string) error {
	tmp, err := makeLink(lakeDir, currentTmp+runID, filepath.FromSlash(rel))
	if err != nil {
		return err
	}
	if err := renamePointer(tmp, filepath.Join(lakeDir, currentLink)); err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	return nil
}
