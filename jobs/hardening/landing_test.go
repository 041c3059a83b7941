package hardening_test

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Inputs that are not regular files in the landing directory (issue 26,
// items 1 and 2): a symbolic link (one published /etc/passwd's lines as
// rejects), a FIFO (it blocked open() past SIGTERM) and a device (/dev/zero
// grew memory without bound). Each is refused: exit 2 within seconds, a
// message naming the file, nothing published.
func TestLandingFilesThatAreNotRegularFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		what string
	}{
		{"symlink to /etc/passwd", func(t *testing.T, path string) {
			if err := os.Symlink("/etc/passwd", path); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		{"symlink to /dev/zero", func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		{"FIFO", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "FIFO"},
		{"device", func(t *testing.T, path string) {
			// /dev/zero's numbers: 1, 5
			if err := syscall.Mknod(path, syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
				t.Skipf("cannot make a device node here: %v", err)
			}
		}, "device"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			landing, rbPath := badLanding(t, badCase{dir: "base"})
			file := filepath.Join(landing, "oem_credits.csv")
			c.make(t, file)
			lake := filepath.Join(t.TempDir(), "lake")
			for _, args := range [][]string{
				{"validate", "--input", landing, "--rulebook", rbPath},
				{"run", "--input", landing, "--rulebook", rbPath, "--as-of", asOfA, "--out", lake, "--threads", "1"},
			} {
				start := time.Now()
				stdout, stderr, code := tally(t, args...)
				if code != 2 || !strings.Contains(stderr, file) || !strings.Contains(stderr, c.what) {
					t.Errorf("%s: exit %d, want 2 and a message naming %s as a %s\nstdout:\n%s\nstderr:\n%s", args[0], code, file, c.what, stdout, stderr)
				}
				if took := time.Since(start); took > 30*time.Second {
					t.Errorf("%s took %v", args[0], took)
				}
				if strings.Contains(stdout+stderr, "root:") {
					t.Errorf("%s: the target's lines were read", args[0])
				}
			}
			if snaps, _ := filepath.Glob(filepath.Join(lake, "snapshots", "as_of=*")); len(snaps) > 0 {
				t.Errorf("published %v", snaps)
			}
		})
	}
}

// silentServer accepts connections and never answers, as a PostgreSQL
// server behind a broken network would (issue 26, item 9).
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "postgres://tally@" + l.Addr().String() + "/tally?sslmode=disable"
}

// TestSilentPostgresFailsWithinSeconds: a server that accepts and says
// nothing makes the run fail on the connect timeout with a message saying
// so, not hang.
func TestSilentPostgresFailsWithinSeconds(t *testing.T) {
	t.Parallel()
	url := silentServer(t)
	start := time.Now()
	_, stderr, code := tally(t, "validate", "--input", url, "--rulebook", rulebook)
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v", took)
	}
	if code != 2 || !strings.Contains(stderr, "cannot connect to PostgreSQL") || !strings.Contains(stderr, "timeout") {
		t.Errorf("exit %d, want 2 and a connect timeout\n%s", code, stderr)
	}
}

// TestSIGTERMEndsARunBlockedOnInput: SIGTERM ends a run waiting for its
// input (a silent server) at once, well before any timeout.
func TestSIGTERMEndsARunBlockedOnInput(t *testing.T) {
	t.Parallel()
	url := silentServer(t)
	lake := filepath.Join(t.TempDir(), "lake")
	cmd := exec.Command(tallyBin(t), "run", "--input", url, "--rulebook", rulebook, "--as-of", asOfA, "--out", lake)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("exit %v, want a failure", err)
		}
		if took := time.Since(sent); took > 5*time.Second {
			t.Errorf("ended %v after SIGTERM", took)
		}
	case <-time.After(8 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 8 s after SIGTERM\n%s", stderr.String())
	}
	if snaps, _ := filepath.Glob(filepath.Join(lake, "snapshots", "as_of=*")); len(snaps) > 0 {
		t.Errorf("published %v", snaps)
	}
}
