package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// lockPoll is how often a waiting Lock retries.
const lockPoll = 50 * time.Millisecond

// LockHolder is what DIR/.lock records about the process holding the lock.
type LockHolder struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
	RunID     string    `json:"run_id,omitempty"`
}

func (h LockHolder) String() string {
	s := fmt.Sprintf("pid %d on %s since %s", h.PID, h.Host, h.StartedAt.Format(time.RFC3339))
	if h.RunID != "" {
		s += " (run " + h.RunID + ")"
	}
	return s
}

// LockHandle is a held lake lock. The caller must call Release (a process
// that dies without releasing loses the lock to the kernel, see Lock).
type LockHandle struct {
	mu     sync.Mutex
	path   string
	f      *os.File // nil once released
	holder LockHolder
}

// Lock takes the lake's single-writer lock, DIR/.lock, creating DIR if
// needed. The lock is a flock(2) on that file, so the kernel drops it when
// the holding process exits or is killed: a stale lock is simply taken over
// and its JSON content overwritten.
//
// If another process holds the lock, Lock retries until wait has elapsed
// (wait 0: fail at once) and then returns an error wrapping ErrLocked that
// names the holder. It returns ctx's error if ctx ends first.
//
// The lock file is never removed, only emptied on Release: removing it
// would let a waiter lock the unlinked file while a third process locks a
// new one.
func Lock(ctx context.Context, lakeDir string, wait time.Duration) (*LockHandle, error) {
	if err := os.MkdirAll(lakeDir, dirPerm); err != nil {
		return nil, fmt.Errorf("publish: lock: mkdir %q: %w", lakeDir, err)
	}
	path := filepath.Join(lakeDir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("publish: lock: open %q: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		if err := ctx.Err(); err != nil {
			return nil, errors.Join(fmt.Errorf("publish: lock %q: %w", path, context.Cause(ctx)), f.Close())
		}
		err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.Join(fmt.Errorf("publish: lock %q: %w", path, err), f.Close())
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return nil, errors.Join(fmt.Errorf("publish: lock %q: held by %s: %w", path, describeHolder(path), ErrLocked), f.Close())
		}
		t := time.NewTimer(min(lockPoll, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	host, _ := os.Hostname()
	h := &LockHandle{path: path, f: f, holder: LockHolder{
		PID:       os.Getpid(),
		Host:      host,
		StartedAt: time.Now().UTC().Truncate(time.Second),
	}}
	if err := h.write(); err != nil {
		return nil, errors.Join(err, h.Release())
	}
	return h, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// describeHolder reads the lock file of a busy lock for the error message.
func describeHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("an unknown process (%v)", err)
	}
	var h LockHolder
	if err := json.Unmarshal(b, &h); err != nil || h.PID == 0 {
		// The holder has locked but not yet written its details.
		return "an unknown process (lock file not yet written)"
	}
	return h.String()
}

// write records the holder in the lock file; h.mu held or h not shared yet.
func (h *LockHandle) write() error {
	b, err := json.Marshal(h.holder)
	if err != nil {
		return fmt.Errorf("publish: lock: %w", err)
	}
	b = append(b, '\n')
	if err := h.f.Truncate(0); err != nil {
		return fmt.Errorf("publish: lock: truncate %q: %w", h.path, err)
	}
	if _, err := h.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("publish: lock: write %q: %w", h.path, err)
	}
	if err := h.f.Sync(); err != nil {
		return fmt.Errorf("publish: lock: fsync %q: %w", h.path, err)
	}
	return nil
}

// Holder returns what the lock file records about this holder.
func (h *LockHandle) Holder() LockHolder {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.holder
}

// SetRunID records the run id in the lock file, so that a process that
// finds the lake locked can name the run holding it.
func (h *LockHandle) SetRunID(runID string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return fmt.Errorf("publish: lock %q: already released", h.path)
	}
	h.holder.RunID = runID
	return h.write()
}

// Release empties the lock file and unlocks it. Releasing twice is a no-op.
func (h *LockHandle) Release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return nil
	}
	f := h.f
	h.f = nil
	var errs []error
	if err := f.Truncate(0); err != nil {
		errs = append(errs, fmt.Errorf("publish: unlock: truncate %q: %w", h.path, err))
	}
	if err := flock(f, syscall.LOCK_UN); err != nil {
		errs = append(errs, fmt.Errorf("publish: unlock %q: %w", h.path, err))
	}
	if err := f.Close(); err != nil { // closing drops the lock in any case
		errs = append(errs, fmt.Errorf("publish: unlock: close %q: %w", h.path, err))
	}
	return errors.Join(errs...)
}
