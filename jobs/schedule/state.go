package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateFile is the scheduler's state file, kept in the lake.
const StateFile = ".schedule-state.json"

// state is what the scheduler remembers between starts: the last run of
// each job, by name. It is how a missed nightly run is noticed.
type state struct {
	Jobs map[string]jobState `json:"jobs"`
}

type jobState struct {
	LastStarted  time.Time `json:"last_started,omitzero"`
	LastFinished time.Time `json:"last_finished,omitzero"`
	LastToday    string    `json:"last_today,omitempty"`
	LastOutcome  string    `json:"last_outcome,omitempty"` // ok or failed
	LastError    string    `json:"last_error,omitempty"`
	// LastSuccess is when the last successful run started; a run for a
	// scheduled time starts at or after it.
	LastSuccess      time.Time `json:"last_success,omitzero"`
	LastSuccessToday string    `json:"last_success_today,omitempty"`
}

// loadState reads the state file; a missing file is an empty state.
func loadState(path string) (*state, error) {
	st := &state{Jobs: map[string]jobState{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("schedule: read state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return &state{Jobs: map[string]jobState{}}, fmt.Errorf("schedule: read state %q: %w", path, err)
	}
	if st.Jobs == nil {
		st.Jobs = map[string]jobState{}
	}
	return st, nil
}

// save writes the state file atomically: a temporary file in the same
// directory, fsynced, renamed over the old one.
func (st *state) save(path string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("schedule: encode state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("schedule: save state: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("schedule: save state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("schedule: save state %q: %w", path, err), os.Remove(tmp))
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("schedule: save state: %w", err)
	}
	return errors.Join(d.Sync(), d.Close())
}
