package publish

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockHelperEnv makes the test binary, re-executed by
// TestLockTakenOverFromKilledProcess, hold a lake's lock until killed.
const lockHelperEnv = "TALLY_PUBLISH_LOCK_HELPER"

func TestMain(m *testing.M) {
	if lake := os.Getenv(lockHelperEnv); lake != "" {
		h, err := Lock(context.Background(), lake, 0)
		if err == nil {
			err = h.SetRunID("child-run")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute) // until killed
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func TestLockBusyNamesHolder(t *testing.T) {
	lake := t.TempDir()
	h, err := Lock(t.Context(), lake, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	if err := h.SetRunID("run-7"); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	start := time.Now()
	_, err = Lock(t.Context(), lake, 0)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("wait 0 took %v", time.Since(start))
	}
	for _, want := range []string{fmt.Sprintf("pid %d", os.Getpid()), host, "since " + h.Holder().StartedAt.Format(time.RFC3339), "run-7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestLockWait(t *testing.T) {
	tests := []struct {
		name        string
		releaseIn   time.Duration // 0: never
		wait        time.Duration
		wantErr     error
		minDuration time.Duration
	}{
		{"released while waiting", 300 * time.Millisecond, 5 * time.Second, nil, 250 * time.Millisecond},
		{"wait runs out", 0, 300 * time.Millisecond, ErrLocked, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := t.TempDir()
			first, err := Lock(t.Context(), lake, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Release()
			if tt.releaseIn > 0 {
				time.AfterFunc(tt.releaseIn, func() { first.Release() })
			}
			start := time.Now()
			h, err := Lock(t.Context(), lake, tt.wait)
			took := time.Since(start)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Lock = %v, want %v", err, tt.wantErr)
			}
			if took < tt.minDuration {
				t.Errorf("Lock returned after %v, before %v", took, tt.minDuration)
			}
			if h != nil {
				if got := h.Holder().PID; got != os.Getpid() {
					t.Errorf("holder pid %d", got)
				}
				if err := h.Release(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestLockContextCancelled(t *testing.T) {
	lake := t.TempDir()
	h, err := Lock(t.Context(), lake, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Lock(ctx, lake, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock = %v, want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled Lock took %v", took)
	}
}

func TestLockRelease(t *testing.T) {
	lake := t.TempDir()
	h, err := Lock(t.Context(), lake, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rec LockHolder
	b, err := os.ReadFile(filepath.Join(lake, ".lock"))
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.PID != os.Getpid() || rec.StartedAt.IsZero() {
		t.Fatalf("lock file %q, %v: want the holder as JSON", b, err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Errorf("second Release = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(lake, ".lock")); len(b) != 0 {
		t.Errorf("lock file after Release = %q, want empty", b)
	}
	if err := h.SetRunID("x"); err == nil {
		t.Error("SetRunID after Release: want an error")
	}
	h2, err := Lock(t.Context(), lake, 0)
	if err != nil {
		t.Fatalf("Lock after Release: %v", err)
	}
	h2.Release()
}

func TestLockTakenOverFromKilledProcess(t *testing.T) {
	lake := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+lake)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child said %q, %v", line, err)
	}

	_, err = Lock(t.Context(), lake, 0)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) ||
		!strings.Contains(err.Error(), "child-run") {
		t.Fatalf("Lock while the child holds it = %v, want ErrLocked naming pid %d", err, cmd.Process.Pid)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The killed child never released: its record is still in the file.
	var stale LockHolder
	if b, err := os.ReadFile(filepath.Join(lake, ".lock")); err != nil || json.Unmarshal(b, &stale) != nil || stale.PID != cmd.Process.Pid {
		t.Fatalf("lock file %q, %v: want the killed child's record", b, err)
	}

	h, err := Lock(t.Context(), lake, 0)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	defer h.Release()
	var rec LockHolder
	if b, err := os.ReadFile(filepath.Join(lake, ".lock")); err != nil || json.Unmarshal(b, &rec) != nil || rec.PID != os.Getpid() || rec.RunID != "" {
		t.Errorf("lock file %q, %v: want this process's record", b, err)
	}
}
