package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Manifest is manifest.json, the record of the run that produced a
// snapshot. Commit fills AsOf, RunID and FinishedAt when they are empty, and
// every output's Bytes and SHA256.
type Manifest struct {
	RunID        string            `json:"run_id"`
	AsOf         string            `json:"as_of"`
	TallyVersion string            `json:"tally_version"`
	Rulebook     RulebookRef       `json:"rulebook"`
	StartedAt    time.Time         `json:"started_at"`
	FinishedAt   time.Time         `json:"finished_at"`
	Inputs       []Input           `json:"inputs"`
	Outputs      []Output          `json:"outputs"`
	Checks       []Check           `json:"checks"`
	Steps        []Step            `json:"steps"`
	DuckDB       map[string]string `json:"duckdb,omitempty"` // DuckDB settings of the run
	Raw          string            `json:"raw,omitempty"`    // the run's inputs as landed, relative to the lake (RawRel)
}

// RulebookRef names the rulebook a run used.
type RulebookRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Input is one input table of a run, read from a landing file or a database.
type Input struct {
	Table        string  `json:"table"`
	Path         string  `json:"path,omitempty"`
	SHA256       string  `json:"sha256,omitempty"`
	Format       string  `json:"format"`
	RowsRead     int64   `json:"rows_read"`
	RowsAccepted int64   `json:"rows_accepted"`
	RowsRejected int64   `json:"rows_rejected"`
	Source       *Source `json:"source,omitempty"` // set for a database source
}

// Source describes a database an input was read from.
type Source struct {
	Kind         string    `json:"kind,omitempty"` // e.g. "postgres"
	Database     string    `json:"database,omitempty"`
	Schema       string    `json:"schema,omitempty"`
	SnapshotTime time.Time `json:"snapshot_time,omitzero"`
}

// Output is one file of the snapshot. The caller gives Table and Rows (and
// File when it is not "<table>.parquet"); Commit fills Bytes and SHA256.
type Output struct {
	Table  string `json:"table"`
	File   string `json:"file"` // relative to the snapshot, slash-separated
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Check is the result of one audit check; any failing row blocks publishing.
type Check struct {
	Name        string `json:"name"`
	FailingRows int64  `json:"failing_rows"`
	Passed      bool   `json:"passed"`
}

// Step is the wall time of one step of the run.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// marshal renders the manifest as indented JSON in the field order above
// (maps are written with sorted keys), ending in a newline, with empty
// lists as [] rather than null.
func (m *Manifest) marshal() ([]byte, error) {
	c := *m
	c.Inputs = orEmpty(c.Inputs)
	c.Outputs = orEmpty(c.Outputs)
	c.Checks = orEmpty(c.Checks)
	c.Steps = orEmpty(c.Steps)
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("publish: encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ReadManifest reads dir/manifest.json, dir being a snapshot directory.
func ReadManifest(dir string) (*Manifest, error) {
	p := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("publish: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("publish: read manifest %q: %w", p, err)
	}
	return &m, nil
}

// FileSHA256 returns the hex SHA-256 of a file's content.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("publish: sha256: %w", err)
	}
	sum, _, err := hashFile(f)
	return sum, errors.Join(err, f.Close())
}

func hashFile(f *os.File) (sum string, n int64, err error) {
	h := sha256.New()
	n, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("publish: sha256 %q: %w", f.Name(), err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
