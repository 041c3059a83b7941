package laketest

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Files records every entry under dir, to show that a job or a query left a
// lake byte for byte as it was: relative path -> "dir MODE", "link TARGET"
// or "MODE SHA256".
func Files(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[rel] = "link " + target
			return err
		case d.IsDir():
			out[rel] = "dir " + info.Mode().String()
			return nil
		}
		b, err := os.ReadFile(p)
		sum := sha256.Sum256(b)
		out[rel] = info.Mode().String() + " " + hex.EncodeToString(sum[:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SameFiles reports through t every entry of two Files of one directory
// that changed, appeared or went, but for the names in ignore (a lock file
// a reader may create, say).
func SameFiles(t testing.TB, before, after map[string]string, ignore ...string) {
	t.Helper()
	for name, v := range before {
		if w, ok := after[name]; !slices.Contains(ignore, name) && v != w {
			if !ok {
				t.Errorf("%s went", name)
			} else {
				t.Errorf("%s changed: %q -> %q", name, v, w)
			}
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok && !slices.Contains(ignore, name) {
			t.Errorf("%s appeared", name)
		}
	}
}
