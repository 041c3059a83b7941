package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var tables = []string{"partner_levels", "points_ledger"}

// tableContent is what run runID writes for table: long enough that a
// partial write would show, and different for every run.
func tableContent(runID, table string) string {
	return strings.Repeat(fmt.Sprintf("run=%s table=%s\n", runID, table), 2000)
}

// stage begins a run and writes its table files, returning the staging and
// a manifest listing them.
func stage(t *testing.T, lake, asOf, runID string) (*Staging, *Manifest) {
	t.Helper()
	s, err := Begin(lake, asOf, runID)
	if err != nil {
		t.Fatalf("Begin(%s, %s): %v", asOf, runID, err)
	}
	m := &Manifest{TallyVersion: "test", StartedAt: time.Date(2024, 7, 1, 2, 30, 0, 0, time.UTC)}
	for i, tb := range tables {
		if err := os.WriteFile(filepath.Join(s.Dir, tb+".parquet"), []byte(tableContent(runID, tb)), 0o600); err != nil {
			t.Fatal(err)
		}
		m.Outputs = append(m.Outputs, Output{Table: tb, Rows: int64(10 + i)})
	}
	m.Checks = []Check{{Name: "ledger_reconciles", Passed: true}}
	return s, m
}

func publishRun(t *testing.T, lake, asOf, runID string) {
	t.Helper()
	s, m := stage(t, lake, asOf, runID)
	if err := s.Commit(m); err != nil {
		t.Fatalf("Commit(%s, %s): %v", asOf, runID, err)
	}
}

// verifySnapshot checks that dir is a complete snapshot of runID: its
// manifest parses, names the run, and every output's size and SHA-256 match
// the file, whose content is the run's.
func verifySnapshot(t *testing.T, dir, asOf, runID string) {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	if m.RunID != runID || m.AsOf != asOf {
		t.Fatalf("snapshot %s: manifest run %q as_of %q, want %q %q", dir, m.RunID, m.AsOf, runID, asOf)
	}
	if len(m.Outputs) != len(tables) {
		t.Fatalf("snapshot %s: %d outputs, want %d", dir, len(m.Outputs), len(tables))
	}
	for i, o := range m.Outputs {
		p := filepath.Join(dir, filepath.FromSlash(o.File))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := FileSHA256(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := tableContent(runID, o.Table); string(b) != want {
			t.Errorf("%s: content of another run or partial", p)
		}
		if o.SHA256 != sum || o.Bytes != int64(len(b)) || o.Rows != int64(10+i) || o.File != o.Table+".parquet" {
			t.Errorf("%s: manifest output %+v, file sha %s bytes %d", p, o, sum, len(b))
		}
	}
}

// checkPointers checks that latest and current both name asOf.
func checkPointers(t *testing.T, lake, asOf string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lake, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "snapshots/as_of=" + asOf + "\n"; string(b) != want {
		t.Errorf("latest = %q, want %q", b, want)
	}
	target, err := os.Readlink(filepath.Join(lake, "current"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.FromSlash("snapshots/as_of=" + asOf); target != want {
		t.Errorf("current -> %q, want %q", target, want)
	}
	got, err := Latest(lake)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(lake, "snapshots", "as_of="+asOf); got != want {
		t.Errorf("Latest = %q, want %q", got, want)
	}
}

// checkClean checks that no hidden or temporary entries are left and that
// the visible snapshots are exactly want.
func checkClean(t *testing.T, lake string, want []string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(lake, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	var wantNames []string
	for _, a := range want {
		wantNames = append(wantNames, "as_of="+a)
	}
	if !slices.Equal(got, wantNames) {
		t.Errorf("snapshots/ holds %q, want %q", got, wantNames)
	}
	top, err := os.ReadDir(lake)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		switch e.Name() {
		case "snapshots", "latest", "current", ".lock", "failed":
		default:
			t.Errorf("unexpected %q left in the lake", e.Name())
		}
	}
}

func TestCommitPublishes(t *testing.T) {
	tests := []struct {
		name          string
		commits       []string // as_of of each run, in order
		wantLatest    string
		wantSnapshots []string
	}{
		{"first snapshot", []string{"2024-06-30"}, "2024-06-30", []string{"2024-06-30"}},
		{"newer moves latest", []string{"2024-06-30", "2024-07-01"}, "2024-07-01", []string{"2024-06-30", "2024-07-01"}},
		{"backfill keeps latest", []string{"2024-07-01", "2024-06-30"}, "2024-07-01", []string{"2024-06-30", "2024-07-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer syscall.Umask(syscall.Umask(0o077))
			lake := t.TempDir()
			for i, asOf := range tt.commits {
				publishRun(t, lake, asOf, fmt.Sprintf("run-%d", i))
			}
			for i, asOf := range tt.commits {
				verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+asOf), asOf, fmt.Sprintf("run-%d", i))
			}
			checkPointers(t, lake, tt.wantLatest)
			checkClean(t, lake, tt.wantSnapshots)
			got, err := Snapshots(lake)
			if err != nil || !slices.Equal(got, tt.wantSnapshots) {
				t.Errorf("Snapshots = %q, %v; want %q", got, err, tt.wantSnapshots)
			}
			// current is usable as a fixed path.
			if _, err := ReadManifest(filepath.Join(lake, "current")); err != nil {
				t.Errorf("read through current: %v", err)
			}
			// Modes do not depend on the writer's umask or file modes.
			err = filepath.WalkDir(filepath.Join(lake, "snapshots"), func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				fi, err := d.Info()
				if err != nil {
					return err
				}
				want := fs.FileMode(0o644)
				if d.IsDir() {
					want = fs.ModeDir | 0o755
				}
				if fi.Mode() != want {
					t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCommitReplacesSameAsOf(t *testing.T) {
	const asOf = "2024-06-30"
	for _, exch := range []bool{true, false} {
		t.Run(fmt.Sprintf("exchange=%v", exch), func(t *testing.T) {
			defer func(v bool) { useExchange = v }(useExchange)
			useExchange = exch
			lake := t.TempDir()
			publishRun(t, lake, asOf, "run-0")

			// A reader keeps reading the latest snapshot by path while it is
			// replaced: every file it reads must be complete. With the
			// directory exchange the snapshot must never be missing either.
			var stop atomic.Bool
			var reads, missing atomic.Int64
			var wg sync.WaitGroup
			wg.Go(func() {
				for !stop.Load() {
					dir, err := Latest(lake)
					if err == nil {
						_, err = ReadManifest(dir)
					}
					for _, tb := range tables {
						if err != nil {
							break
						}
						var b []byte
						b, err = os.ReadFile(filepath.Join(dir, tb+".parquet"))
						if err == nil && !isRunContent(string(b), tb) {
							t.Errorf("reader saw a partial %s", tb)
						}
					}
					switch {
					case err == nil:
						reads.Add(1)
					case errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNoSnapshot):
						missing.Add(1)
					default:
						t.Errorf("reader: %v", err)
					}
				}
			})
			const runs = 15
			for i := 1; i <= runs; i++ {
				publishRun(t, lake, asOf, fmt.Sprintf("run-%d", i))
			}
			stop.Store(true)
			wg.Wait()

			if exch && runtime.GOOS == "linux" && missing.Load() > 0 {
				t.Errorf("reader found the snapshot missing %d times during an exchange", missing.Load())
			}
			if reads.Load() == 0 {
				t.Error("reader never read a snapshot")
			}
			verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+asOf), asOf, fmt.Sprintf("run-%d", runs))
			checkPointers(t, lake, asOf)
			checkClean(t, lake, []string{asOf})
		})
	}
}

func isRunContent(s, table string) bool {
	for i := 0; i <= 15; i++ {
		if s == tableContent(fmt.Sprintf("run-%d", i), table) {
			return true
		}
	}
	return false
}

func TestCommitRefused(t *testing.T) {
	const asOf = "2024-06-30"
	tests := []struct {
		name    string
		edit    func(s *Staging, m *Manifest)
		wantErr error
	}{
		{"failing check", func(_ *Staging, m *Manifest) {
			m.Checks = append(m.Checks, Check{Name: "one_row_per_partner", FailingRows: 3})
		}, ErrChecksFailed},
		{"check not passed", func(_ *Staging, m *Manifest) {
			m.Checks = append(m.Checks, Check{Name: "levels_have_thresholds"})
		}, ErrChecksFailed},
		{"listed output missing", func(_ *Staging, m *Manifest) {
			m.Outputs = append(m.Outputs, Output{Table: "audits", Rows: 1})
		}, ErrManifest},
		{"output listed twice", func(_ *Staging, m *Manifest) {
			m.Outputs = append(m.Outputs, m.Outputs[0])
		}, ErrManifest},
		{"unlisted file", func(s *Staging, _ *Manifest) {
			if err := os.WriteFile(filepath.Join(s.Dir, "stray.csv"), []byte("x"), 0o644); err != nil {
				panic(err)
			}
		}, ErrManifest},
		{"other run id", func(_ *Staging, m *Manifest) { m.RunID = "run-9" }, ErrManifest},
		{"other as_of", func(_ *Staging, m *Manifest) { m.AsOf = "2024-07-01" }, ErrManifest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := t.TempDir()
			publishRun(t, lake, asOf, "run-0")
			s, m := stage(t, lake, asOf, "run-1")
			tt.edit(s, m)
			if err := s.Commit(m); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Commit = %v, want %v", err, tt.wantErr)
			}
			verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+asOf), asOf, "run-0")
			checkPointers(t, lake, asOf)
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}
			checkClean(t, lake, []string{asOf})
			if err := s.Commit(m); !errors.Is(err, ErrClosed) {
				t.Errorf("Commit after Abort = %v, want ErrClosed", err)
			}
		})
	}
}

func TestAbortAfterCommitKeepsSnapshot(t *testing.T) {
	lake := t.TempDir()
	s, m := stage(t, lake, "2024-06-30", "run-0")
	if err := s.Commit(m); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	verifySnapshot(t, s.SnapshotDir(), "2024-06-30", "run-0")
	if err := s.Commit(m); !errors.Is(err, ErrClosed) {
		t.Errorf("second Commit = %v, want ErrClosed", err)
	}
}

type killed struct{ step string }

// commitKilledAt runs Commit and stops it at step as if the process had
// been killed there (step "" means the process died before Commit).
func commitKilledAt(t *testing.T, s *Staging, m *Manifest, step string) {
	t.Helper()
	if step == "" {
		return
	}
	crashPoint = func(at string) {
		if at == step {
			panic(killed{at})
		}
	}
	defer func() { crashPoint = nil }()
	defer func() {
		r := recover()
		if k, ok := r.(killed); !ok || k.step != step {
			t.Fatalf("Commit was not stopped at %q: recovered %v", step, r)
		}
	}()
	err := s.Commit(m)
	t.Fatalf("Commit returned %v without reaching %q", err, step)
}

func TestKilledRunRecovery(t *testing.T) {
	const x, y = "2024-06-30", "2024-07-01"
	tests := []struct {
		name     string
		exchange bool
		asOf     string // as_of of the killed run-2 (run-1 published x)
		killAt   string
		// visible: the run whose snapshot of asOf a reader finds after the
		// kill ("" = none); latest: what latest names after the kill.
		visible, latest string
		// after the next Begin:
		wantRun, wantLatest string
		wantSnapshots       []string
	}{
		{"died before Commit", true, x, "", "run-1", x, "run-1", x, []string{x}},
		{"died after writing the manifest", true, x, "staged", "run-1", x, "run-1", x, []string{x}},
		{"died between the two renames", false, x, "aside", "", x, "run-1", x, []string{x}},
		{"died after rename, old aside", false, x, "renamed", "run-2", x, "run-2", x, []string{x}},
		{"died after exchange, old in staging", true, x, "renamed", "run-2", x, "run-2", x, []string{x}},
		{"died before latest moved", true, y, "renamed", "run-2", x, "run-2", x, []string{x, y}},
		{"died after current moved, before latest", true, y, "current", "run-2", x, "run-2", x, []string{x, y}},
		{"died after latest moved", true, y, "latest", "run-2", y, "run-2", y, []string{x, y}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(v bool) { useExchange = v }(useExchange)
			useExchange = tt.exchange
			lake := t.TempDir()
			publishRun(t, lake, x, "run-1")

			s, m := stage(t, lake, tt.asOf, "run-2")
			commitKilledAt(t, s, m, tt.killAt)

			// What readers see right after the kill.
			if asOf, err := readLatest(lake); err != nil || asOf != tt.latest {
				t.Fatalf("after kill latest = %q, %v; want %q", asOf, err, tt.latest)
			}
			matches, err := filepath.Glob(filepath.Join(lake, "snapshots", "as_of=*"))
			if err != nil {
				t.Fatal(err)
			}
			for _, dir := range matches { // every visible snapshot is complete
				asOf := strings.TrimPrefix(filepath.Base(dir), "as_of=")
				run := "run-1"
				if asOf == tt.asOf && tt.visible != "" {
					run = tt.visible
				}
				verifySnapshot(t, dir, asOf, run)
			}
			if _, err := Snapshot(lake, tt.asOf); (err == nil) != (tt.visible != "") {
				t.Fatalf("after kill Snapshot(%s) err = %v, want visible %q", tt.asOf, err, tt.visible)
			}

			// The next run repairs the lake.
			next, err := Begin(lake, y, "run-3")
			if err != nil {
				t.Fatal(err)
			}
			if err := next.Abort(); err != nil {
				t.Fatal(err)
			}
			checkClean(t, lake, tt.wantSnapshots)
			checkPointers(t, lake, tt.wantLatest)
			verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of="+tt.asOf), tt.asOf, tt.wantRun)
		})
	}
}

func TestRecoveryKeepsOldWithoutManifest(t *testing.T) {
	lake := t.TempDir()
	publishRun(t, lake, "2024-06-30", "run-1")
	odd := filepath.Join(lake, "snapshots", ".old-run-x")
	if err := os.MkdirAll(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Begin(lake, "2024-07-01", "run-2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	if _, err := os.Stat(odd); err != nil {
		t.Errorf("an .old dir whose as_of is unknown was removed: %v", err)
	}
}

func TestBeginRejects(t *testing.T) {
	tests := []struct{ asOf, runID string }{
		{"2024-6-30", "run-1"},
		{"2024-02-30", "run-1"},
		{"", "run-1"},
		{"2024-06-30", ""},
		{"2024-06-30", "../x"},
		{"2024-06-30", ".hidden"},
		{"2024-06-30", "a/b"},
		{"2024-06-30", "a b"},
	}
	for _, tt := range tests {
		if _, err := Begin(t.TempDir(), tt.asOf, tt.runID); !errors.Is(err, ErrInvalid) {
			t.Errorf("Begin(%q, %q) = %v, want ErrInvalid", tt.asOf, tt.runID, err)
		}
	}
}

func TestLatestEmptyLake(t *testing.T) {
	lake := t.TempDir()
	if _, err := Latest(lake); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Latest = %v, want ErrNoSnapshot", err)
	}
	if _, err := Snapshot(lake, "2024-06-30"); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Snapshot = %v, want ErrNoSnapshot", err)
	}
	if err := os.WriteFile(filepath.Join(lake, "latest"), []byte("../../etc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Latest(lake); !errors.Is(err, ErrInvalid) {
		t.Errorf("Latest with a damaged latest = %v, want ErrInvalid", err)
	}
}
