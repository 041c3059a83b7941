package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// lakeAgrees checks that a Commit's outcome and the lake agree: after an
// error the lake is exactly as before (x published by run-1, latest and
// current on it, nothing else visible); after success the new run is
// published and latest and current name it.
func lakeAgrees(t *testing.T, lake, x, asOf string, err error) {
	t.Helper()
	if err != nil {
		verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+x), x, "run-1")
		checkPointers(t, lake, x)
		checkClean(t, lake, []string{x})
		return
	}
	verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+asOf), asOf, "run-2")
	checkPointers(t, lake, asOf)
}

// TestFullDiskAtPointerMove fails the publish where a full disk or an I/O
// error would, in writing or renaming latest and current: the run either
// publishes (nil error, latest and current on the new snapshot) or is
// rolled back (an error, the lake as before). Issue 26, item 4: a full disk
// once published a snapshot and still returned "published but latest not
// moved".
func TestFullDiskAtPointerMove(t *testing.T) {
	const x, y = "2024-06-30", "2024-07-01"
	tests := []struct {
		name     string
		asOf     string
		exchange bool
		op, file string // the failing system call and the base name of its path
	}{
		{"new day, writing latest", y, true, "write", ".latest.tmp-"},
		{"new day, renaming latest", y, true, "rename", "latest"},
		{"new day, renaming current", y, true, "rename", "current"},
		{"same day exchanged, writing latest", x, true, "write", ".latest.tmp-"},
		{"same day exchanged, renaming latest", x, true, "rename", "latest"},
		{"same day in two renames, writing latest", x, false, "write", ".latest.tmp-"},
		{"same day in two renames, renaming latest", x, false, "rename", "latest"},
		{"writing the manifest", y, true, "write", "manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(v bool) { useExchange = v }(useExchange)
			useExchange = tt.exchange
			lake := t.TempDir()
			publishRun(t, lake, x, "run-1")
			s, m := stage(t, lake, tt.asOf, "run-2")
			failed := false
			injectFault = func(op, path string) error {
				if op == tt.op && strings.HasPrefix(filepath.Base(path), tt.file) {
					failed = true
					return syscall.ENOSPC
				}
				return nil
			}
			err := s.Commit(m)
			injectFault = nil
			if err != nil && !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("Commit = %v, want the injected ENOSPC", err)
			}
			if aerr := s.Abort(); aerr != nil {
				t.Fatal(aerr)
			}
			t.Logf("fault injected: %v; Commit: %v", failed, err)
			lakeAgrees(t, lake, x, tt.asOf, err)
			if failed && tt.asOf == y && err == nil {
				t.Errorf("the %s of %s failed, yet Commit reports the new day published", tt.op, tt.file)
			}
			// The next run repairs whatever is left and publishes.
			publishRun(t, lake, tt.asOf, "run-3")
			verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+tt.asOf), tt.asOf, "run-3")
			checkPointers(t, lake, tt.asOf)
		})
	}
}

// TestDamagedPointersRebuilt damages latest and current as a crash, a full
// disk or an operator might, and checks that the next run's recovery
// (Begin) rebuilds both from the snapshots on disk. Issue 26, item 7: an
// empty or garbage latest made every run fail, and after the newest
// snapshot directory was deleted latest and current kept naming it.
func TestDamagedPointersRebuilt(t *testing.T) {
	const x, y = "2024-06-30", "2024-07-01"
	tests := []struct {
		name       string
		damage     func(t *testing.T, lake string)
		wantLatest string // "" = no latest and no current
	}{
		{"empty latest", func(t *testing.T, lake string) { writeRaw(t, lake, "latest", "") }, y},
		{"garbage latest", func(t *testing.T, lake string) { writeRaw(t, lake, "latest", "\x00\xffnot a path\n") }, y},
		{"latest outside the lake", func(t *testing.T, lake string) { writeRaw(t, lake, "latest", "../../etc\n") }, y},
		{"latest removed", func(t *testing.T, lake string) { remove(t, lake, "latest") }, y},
		{"current removed", func(t *testing.T, lake string) { remove(t, lake, "current") }, y},
		{"newest snapshot deleted", func(t *testing.T, lake string) { remove(t, lake, "snapshots/as_of="+y) }, x},
		{"newest deleted and latest garbage", func(t *testing.T, lake string) {
			remove(t, lake, "snapshots/as_of="+y)
			writeRaw(t, lake, "latest", "snapshots/as_of=2024-13-01\n")
		}, x},
		{"every snapshot deleted", func(t *testing.T, lake string) {
			remove(t, lake, "snapshots/as_of="+x)
			remove(t, lake, "snapshots/as_of="+y)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := t.TempDir()
			publishRun(t, lake, x, "run-1")
			publishRun(t, lake, y, "run-2")
			tt.damage(t, lake)
			s, err := Begin(lake, "2024-07-02", "run-3")
			if err != nil {
				t.Fatalf("Begin after damage: %v", err)
			}
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}
			if tt.wantLatest == "" {
				for _, p := range []string{"latest", "current"} {
					if _, err := os.Lstat(filepath.Join(lake, p)); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s left naming a snapshot that is gone: %v", p, err)
					}
				}
				if _, err := Latest(lake); !errors.Is(err, ErrNoSnapshot) {
					t.Errorf("Latest = %v, want ErrNoSnapshot", err)
				}
				return
			}
			checkPointers(t, lake, tt.wantLatest)
			// and the run publishes
			publishRun(t, lake, "2024-07-02", "run-4")
			checkPointers(t, lake, "2024-07-02")
		})
	}
}

func writeRaw(t *testing.T, lake, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(lake, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, lake, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(lake, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}
