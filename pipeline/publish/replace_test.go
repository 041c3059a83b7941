package publish

import (
	"os"
	"path/filepath"
	"testing"
)

// rawTree makes dir/<table>/<table>.parquet files holding content, with
// the modes a umask of 077 gives.
func rawTree(t *testing.T, dir, content string) {
	t.Helper()
	for _, table := range []string{"partners", "bookings"} {
		if err := os.MkdirAll(filepath.Join(dir, table), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, table, table+".parquet"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func rawContent(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "bookings", "bookings.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "bookings", "bookings.parquet"))
	if err != nil || fi.Mode().Perm() != filePerm {
		t.Errorf("mode %v (%v), want %v", fi.Mode().Perm(), err, os.FileMode(filePerm))
	}
	return string(b)
}

// ReplaceDir, with the atomic exchange and without it, and after a killed
// call left the only copy aside.
func TestReplaceDir(t *testing.T) {
	for _, exchange := range []bool{true, false} {
		t.Run(map[bool]string{true: "exchange", false: "two renames"}[exchange], func(t *testing.T) {
			useExchange = exchange
			defer func() { useExchange = true }()
			lake := t.TempDir()
			dst := filepath.Join(lake, "raw")
			// first time: nothing to replace
			rawTree(t, filepath.Join(lake, "new1"), "one")
			if err := ReplaceDir(filepath.Join(lake, "new1"), dst); err != nil {
				t.Fatal(err)
			}
			if got := rawContent(t, dst); got != "one" {
				t.Fatalf("raw/ holds %q", got)
			}
			rawTree(t, filepath.Join(lake, "new2"), "two")
			if err := ReplaceDir(filepath.Join(lake, "new2"), dst); err != nil {
				t.Fatal(err)
			}
			if got := rawContent(t, dst); got != "two" {
				t.Fatalf("raw/ holds %q", got)
			}
			for _, gone := range []string{"new1", "new2", "raw.old"} {
				if _, err := os.Stat(filepath.Join(lake, gone)); !os.IsNotExist(err) {
					t.Errorf("%s is left (%v)", gone, err)
				}
			}
		})
	}
	t.Run("killed between the renames", func(t *testing.T) {
		lake := t.TempDir()
		dst := filepath.Join(lake, "raw")
		rawTree(t, dst, "old")
		// what a call killed after renaming raw/ aside leaves
		if err := os.Rename(dst, dst+".old"); err != nil {
			t.Fatal(err)
		}
		rawTree(t, filepath.Join(lake, "new"), "new")
		if err := ReplaceDir(filepath.Join(lake, "new"), dst); err != nil {
			t.Fatal(err)
		}
		if got := rawContent(t, dst); got != "new" {
			t.Fatalf("raw/ holds %q", got)
		}
		if _, err := os.Stat(dst + ".old"); !os.IsNotExist(err) {
			t.Errorf("raw.old is left (%v)", err)
		}
	})
}
