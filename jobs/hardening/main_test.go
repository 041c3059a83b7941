package hardening_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the reader that checks every Parquet file

	"tally/jobs"
	"tally/pipeline/engine"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/publish"
	rulebooks "tally/pipeline/rulebook"
)

// The two as_of dates the tests publish: a mid-year day and one after the
// next audit. asOfA is the snapshot already in the lake when a run is killed.
const (
	asOfA = "2024-06-30"
	asOfB = "2025-03-31"
)

var (
	root     string // the module's root
	example  string // fixtures/example
	rulebook string // fixtures/rulebook.yaml
	scratch  string // removed after the tests: templates, the binary
)

// childEnv carries a childSpec to a re-executed test binary: it then runs
// the nightly job instead of the tests, and kills itself at CrashAt.
const childEnv = "TALLY_HARDENING_CHILD"

type childSpec struct {
	Input, Rulebook, AsOf, Out string
	Keep                       int
	CrashAt                    string // a step of jobs.Run or of publish's Commit
	Umask                      int    // set before the run when not 0
	// FailOp and FailFile fail the publish protocol's FailOp ("write" or
	// "rename") of a file whose base name starts with FailFile with ENOSPC,
	// as a full disk would (publish.SetFault).
	FailOp, FailFile string
	// Report, when set, makes the child write the report of this program
	// year from the lake Out (tally report) instead of running the job.
	Report string
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(child(spec))
	}
	// publish logs its recoveries to the default logger: expected here
	slog.SetDefault(slog.New(slog.DiscardHandler))
	var err error
	if root, err = laketest.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	example = filepath.Join(root, "fixtures", "example")
	rulebook = filepath.Join(root, "fixtures", "rulebook.yaml")
	if scratch, err = os.MkdirTemp("", "tally-hardening-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if reader != nil {
		reader.Close()
	}
	os.RemoveAll(scratch)
	os.Exit(code)
}

// child is the re-executed test binary: `tally run` (or `tally report`) with a crash hook that
// SIGKILLs the process when the run reaches spec.CrashAt, as the OOM killer
// or `kill -9` would: no deferred cleanup, no lock release.
func child(spec string) int {
	var c childSpec
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 99
	}
	if c.Umask != 0 {
		syscall.Umask(c.Umask)
	}
	if c.CrashAt != "" {
		die := func(step string) {
			if step == c.CrashAt {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		}
		jobs.CrashAt = die
		publish.SetCrashPoint(die)
	}
	if c.FailOp != "" {
		publish.SetFault(func(op, path string) error {
			if op == c.FailOp && strings.HasPrefix(filepath.Base(path), c.FailFile) {
				return syscall.ENOSPC
			}
			return nil
		})
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var err error
	if c.Report != "" {
		_, err = jobs.Report(context.Background(), jobs.ReportOptions{ProgramYear: c.Report, Out: c.Out, Logger: log})
	} else {
		_, err = jobs.Run(context.Background(), jobs.RunOptions{
			Input: c.Input, Rulebook: c.Rulebook, AsOf: c.AsOf, Out: c.Out, Keep: c.Keep,
			DuckDB: engine.Settings{Threads: 1}, Logger: log,
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tally:", err)
	}
	return jobs.ExitCode(err)
}

// runChild runs the nightly job in a re-executed test binary and tells
// whether it was killed by SIGKILL; any other failure fails the test.
func runChild(t *testing.T, c childSpec) (killed bool, stderr string) {
	t.Helper()
	killed, code, stderr := runChildCode(t, c)
	if !killed && code != 0 {
		t.Fatalf("child run %+v: exit %d\n%s", c, code, stderr)
	}
	return killed, stderr
}

// runChildCode runs the nightly job in a re-executed test binary and
// returns whether it was killed by SIGKILL, else its exit code.
func runChildCode(t *testing.T, c childSpec) (killed bool, code int, stderr string) {
	t.Helper()
	spec, _ := json.Marshal(c)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, 0, errBuf.String()
		}
		return false, ee.ExitCode(), errBuf.String()
	}
	if err != nil {
		t.Fatalf("child run %+v: %v", c, err)
	}
	return false, 0, errBuf.String()
}

// raceEnabled is set by race_test.go: the binary is then built with -race
// too, which reuses the packages the test build just compiled.
var raceEnabled bool

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// tallyBin builds the tally command once per test binary.
func tallyBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		binPath = filepath.Join(scratch, "bin", "tally")
		args := []string{"build", "-tags", "duckdb_arrow", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goCmd, append(args, ".")...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// tally runs the built command and returns stdout, stderr and the exit code.
func tally(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(tallyBin(t), args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("tally %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// run is the nightly job in this process (the example program is small:
// one DuckDB thread is the fastest, and tests run two at a time).
func run(t *testing.T, input, asOf, out string, keep int) *jobs.RunResult {
	t.Helper()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{Input: input, Rulebook: rulebook, AsOf: asOf, Out: out, Keep: keep,
		DuckDB: engine.Settings{Threads: 1}}) // the example is small: one thread is the fastest
	if err != nil {
		t.Fatalf("run %s into %s: %v", asOf, out, err)
	}
	return res
}

// runErr is run for another goroutine than the test's.
func runErr(input, asOf, out string) (*jobs.RunResult, error) {
	return jobs.Run(context.Background(), jobs.RunOptions{Input: input, Rulebook: rulebook, AsOf: asOf, Out: out,
		DuckDB: engine.Settings{Threads: 1}})
}

var (
	templatesMu sync.Mutex
	templates   = map[string]string{}
	runTime     time.Duration // of the first template run: about how long a run takes here
)

// template is a lake with the example program published at each asOf in
// turn, made once per test binary. Tests copy it (copyLake) before changing
// anything.
func template(t *testing.T, asOfs ...string) string {
	t.Helper()
	key := strings.Join(asOfs, ",")
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if dir, ok := templates[key]; ok {
		return dir
	}
	dir := filepath.Join(scratch, "template-"+strings.ReplaceAll(key, ",", "_"))
	for _, asOf := range asOfs {
		start := time.Now()
		run(t, example, asOf, dir, 0)
		if runTime == 0 {
			runTime = time.Since(start)
		}
	}
	templates[key] = dir
	return dir
}

// copyLake copies a lake (files, directories, the current symlink) into a
// new temporary directory.
func copyLake(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "lake")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

var (
	readerOnce sync.Once
	reader     *sql.DB
)

// readParquet reads every row and column of a Parquet file through DuckDB
// and returns the row count and a hash of the content.
func readParquet(file string) (int64, string, error) {
	readerOnce.Do(func() {
		reader, _ = sql.Open("duckdb", "")
	})
	var n int64
	var h string
	err := reader.QueryRow("SELECT count(*)::BIGINT, coalesce(bit_xor(hash(t)), 0)::VARCHAR FROM read_parquet(?) AS t", file).Scan(&n, &h)
	if err != nil {
		return 0, "", fmt.Errorf("DuckDB cannot read %s: %w", file, err)
	}
	return n, h, nil
}

// lakeState is what checkLake found in a lake.
type lakeState struct {
	Latest, Current string                       // as_of; "" when absent
	Snapshots       map[string]*publish.Manifest // as_of -> its manifest
	Raw             map[string]string            // raw/ file (slash path) -> SHA-256
	Leftovers       []string                     // hidden debris a killed run left (the next run removes it)
}

// tables returns the SHA-256 of each table file of the as_of snapshot.
func (s lakeState) tables(asOf string) map[string]string {
	out := map[string]string{}
	if m := s.Snapshots[asOf]; m != nil {
		for _, o := range m.Outputs {
			out[o.File] = o.SHA256
		}
	}
	return out
}

// checkLake checks everything a reader of the lake relies on: every
// snapshots/as_of=* directory is complete (a manifest, exactly its outputs,
// each with the SHA-256 and size the manifest records, each read through
// DuckDB with the rows it records); latest and current name complete
// snapshots; raw/ holds every table, readable. Hidden debris is reported,
// not failed: a killed run may leave it, and the next run removes it.
func checkLake(t *testing.T, dir string) lakeState {
	t.Helper()
	s := lakeState{Snapshots: map[string]*publish.Manifest{}, Raw: map[string]string{}}
	snaps := filepath.Join(dir, "snapshots")
	entries, err := os.ReadDir(snaps)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		asOf, ok := strings.CutPrefix(name, "as_of=")
		switch {
		case strings.HasPrefix(name, "."):
			s.Leftovers = append(s.Leftovers, "snapshots/"+name)
			continue
		case !ok || !e.IsDir():
			t.Errorf("snapshots/%s: neither a snapshot nor hidden", name)
			continue
		}
		s.Snapshots[asOf] = checkSnapshot(t, filepath.Join(snaps, name), asOf)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "latest")); err == nil {
		rel := strings.TrimSpace(string(b))
		s.Latest = strings.TrimPrefix(rel, "snapshots/as_of=")
		if s.Snapshots[s.Latest] == nil || rel != "snapshots/as_of="+s.Latest || !strings.HasSuffix(string(b), "\n") {
			t.Errorf("latest %q does not name a complete snapshot", b)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Error(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "current")); err == nil {
		s.Current = strings.TrimPrefix(target, "snapshots/as_of=")
		if s.Snapshots[s.Current] == nil || target != "snapshots/as_of="+s.Current {
			t.Errorf("current -> %q does not point at a complete snapshot", target)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Error(err)
	}
	if (s.Latest == "") != (s.Current == "") {
		t.Errorf("latest %q, current %q: one without the other", s.Latest, s.Current)
	}
	rawDir := filepath.Join(dir, "raw")
	if _, err := os.Stat(rawDir); err == nil || s.Latest != "" {
		for _, table := range []string{"partners", "business_models", "requirements", "bookings", "oem_credits",
			"lifecycle_claims", "influence_claims", "capabilities", "fx_rates", "rejects"} { // CONTRACT.md's inputs
			rel := table + "/" + table + ".parquet"
			file := filepath.Join(rawDir, filepath.FromSlash(rel))
			if _, _, err := readParquet(file); err != nil {
				t.Errorf("raw/%s: %v", rel, err)
				continue
			}
			sum, err := publish.FileSHA256(file)
			if err != nil {
				t.Error(err)
			}
			s.Raw[rel] = sum
		}
	}
	for _, pattern := range []string{".latest.tmp-*", "current.tmp-*", "raw.old", ".work/*"} {
		found, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range found {
			rel, _ := filepath.Rel(dir, f)
			s.Leftovers = append(s.Leftovers, filepath.ToSlash(rel))
		}
	}
	return s
}

// checkSnapshot checks one published snapshot directory and returns its
// manifest.
func checkSnapshot(t *testing.T, dir, asOf string) *publish.Manifest {
	t.Helper()
	m, err := publish.ReadManifest(dir)
	if err != nil {
		t.Errorf("snapshot %s has no readable manifest: a partial snapshot is visible: %v", asOf, err)
		return nil
	}
	if m.AsOf != asOf {
		t.Errorf("snapshots/as_of=%s: manifest as_of %s", asOf, m.AsOf)
	}
	want := map[string]bool{publish.ManifestFile: true}
	for _, o := range m.Outputs {
		want[o.File] = true
		file := filepath.Join(dir, filepath.FromSlash(o.File))
		sum, err := publish.FileSHA256(file)
		if err != nil || sum != o.SHA256 {
			t.Errorf("as_of=%s/%s: SHA-256 %s (%v), manifest says %s", asOf, o.File, sum, err, o.SHA256)
			continue
		}
		if o.File == publish.RulebookFile { // the rules the snapshot was computed with, not a table
			if _, err := rulebooks.Load(file); err != nil {
				t.Errorf("as_of=%s/%s: %v", asOf, o.File, err)
			}
			continue
		}
		n, _, err := readParquet(file)
		if err != nil || n != o.Rows {
			t.Errorf("as_of=%s/%s: %d rows (%v), manifest says %d", asOf, o.File, n, err, o.Rows)
		}
	}
	if len(m.Outputs) != len(engine.OutputTables)+1 || !want[publish.RulebookFile] {
		t.Errorf("as_of=%s: %d outputs, want the %d tables and %s", asOf, len(m.Outputs), len(engine.OutputTables), publish.RulebookFile)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("as_of=%s/%s is not in the manifest", asOf, e.Name())
		}
	}
	return m
}

// sameFiles reports the differences between two name -> SHA-256 maps.
func sameFiles(what string, got, want map[string]string) error {
	var diffs []string
	for name, w := range want {
		if g := got[name]; g != w {
			diffs = append(diffs, fmt.Sprintf("%s: %.12s, want %.12s", name, g, w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, name+": not expected")
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	slices.Sort(diffs)
	return fmt.Errorf("%s differ: %s", what, strings.Join(diffs, "; "))
}
