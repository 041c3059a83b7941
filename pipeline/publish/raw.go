package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Raw versions. Every run lands its inputs in a directory of its own,
// DIR/raw/run=<run id>/<table>/<table>.parquet (and rejects/), moved into
// place whole before the snapshot computed from it is committed; the
// snapshot's manifest names it (Manifest.Raw), so a reader of a snapshot
// (simulate) reads exactly its inputs, never a newer or half-written one.
// For analysts, DIR/raw/<table> is a symbolic link to the <table> of the
// newest version that a run made latest (or that `tally extract` landed):
// the contract's DIR/raw/<table>/... path. A backfill never moves them.
// Versions no remaining snapshot names are pruned with the snapshots.

const (
	rawDir       = "raw"
	rawPrefix    = "run="
	rawPrunePfx  = ".prune-"
	rawLinkTmpPf = ".link-"
)

// RawRel is where the raw version of a run lives, relative to the lake,
// with forward slashes: what Manifest.Raw records.
func RawRel(runID string) string { return rawDir + "/" + rawPrefix + runID }

// PublishRaw moves src, a complete raw directory written by run runID,
// into the lake as its raw version, after setting its modes and fsyncing
// it, and returns RawRel(runID). The caller holds the lake's lock.
func PublishRaw(lakeDir, runID, src string) (string, error) {
	if err := checkRunID(runID); err != nil {
		return "", err
	}
	if err := settle(src); err != nil {
		return "", err
	}
	dir := filepath.Join(lakeDir, rawDir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", fmt.Errorf("publish: mkdir %q: %w", dir, err)
	}
	if err := os.Chmod(dir, dirPerm); err != nil {
		return "", fmt.Errorf("publish: chmod %q: %w", dir, err)
	}
	rel := RawRel(runID)
	dst := filepath.Join(lakeDir, filepath.FromSlash(rel))
	if err := os.Rename(src, dst); err != nil {
		return "", fmt.Errorf("publish: rename %q: %w", src, err)
	}
	return rel, syncDir(dir)
}

// PointRaw makes DIR/raw/<name> a symbolic link to run=<runID>/<name> for
// every entry of that raw version, each swapped atomically (a reader of
// one table finds the old version or the new one). A directory left there
// by the former layout (raw/<table>/ itself) is removed first. The caller
// holds the lake's lock.
func PointRaw(lakeDir, runID string) error {
	dir := filepath.Join(lakeDir, rawDir)
	version := rawPrefix + runID
	entries, err := os.ReadDir(filepath.Join(dir, version))
	if err != nil {
		return fmt.Errorf("publish: raw version: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.IsDir() {
			continue
		}
		link := filepath.Join(dir, e.Name())
		if fi, err := os.Lstat(link); err == nil && fi.IsDir() {
			if err := os.RemoveAll(link); err != nil {
				return fmt.Errorf("publish: remove the former %q: %w", link, err)
			}
		}
		tmp := filepath.Join(dir, rawLinkTmpPf+e.Name()+"-"+runID)
		os.Remove(tmp)
		if err := os.Symlink(version+"/"+e.Name(), tmp); err != nil {
			return fmt.Errorf("publish: link %q: %w", link, err)
		}
		if err := os.Rename(tmp, link); err != nil {
			return fmt.Errorf("publish: link %q: %w", link, err)
		}
	}
	return syncDir(dir)
}

// PruneRaw removes the raw versions that no snapshot's manifest names and
// that no DIR/raw/<table> link points into, and returns them (relative to
// the lake). It also removes what a killed prune or link swap left. Call
// it after Prune; the caller holds the lake's lock.
func PruneRaw(lakeDir string) ([]string, error) {
	dir := filepath.Join(lakeDir, rawDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publish: list raw versions: %w", err)
	}
	kept := map[string]bool{}
	asOfs, err := Snapshots(lakeDir)
	if err != nil {
		return nil, err
	}
	for _, asOf := range asOfs {
		b, err := os.ReadFile(filepath.Join(lakeDir, filepath.FromSlash(snapshotRel(asOf)), ManifestFile))
		if err != nil {
			return nil, fmt.Errorf("publish: prune raw: %w", err)
		}
		var m struct {
			Raw string `json:"raw"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("publish: prune raw: manifest of %s: %w", asOf, err)
		}
		kept[strings.TrimPrefix(m.Raw, rawDir+"/")] = true
	}
	var versions []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			if target, err := os.Readlink(filepath.Join(dir, name)); err == nil {
				kept[strings.SplitN(target, "/", 2)[0]] = true
			}
		case strings.HasPrefix(name, rawPrunePfx), strings.HasPrefix(name, rawLinkTmpPf):
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("publish: prune raw: %w", err)
			}
		case strings.HasPrefix(name, rawPrefix) && e.IsDir():
			versions = append(versions, name)
		}
	}
	slices.Sort(versions)
	var removed []string
	for _, v := range versions {
		if kept[v] {
			continue
		}
		aside := filepath.Join(dir, rawPrunePfx+v)
		if err := os.Rename(filepath.Join(dir, v), aside); err != nil {
			return removed, fmt.Errorf("publish: prune raw: %w", err)
		}
		removed = append(removed, rawDir+"/"+v)
		if err := os.RemoveAll(aside); err != nil {
			return removed, fmt.Errorf("publish: prune raw: %w", err)
		}
	}
	if len(removed) > 0 {
		return removed, syncDir(dir)
	}
	return removed, nil
}

// settle sets the modes of everything under dir (0755 directories, 0644
// files) and fsyncs it, deepest first.
func settle(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return os.Chmod(p, dirPerm)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Chmod(filePerm)
		if err == nil {
			err = f.Sync()
		}
		return errors.Join(err, f.Close())
	})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	slices.Reverse(dirs)
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}
