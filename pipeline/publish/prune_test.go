package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPrune(t *testing.T) {
	all := []string{"2024-06-01", "2024-06-02", "2024-06-03", "2024-06-04", "2024-06-05"}
	tests := []struct {
		name        string
		keep        int
		latest      string // "" = as published (the newest)
		wantRemoved []string
	}{
		{"keep two", 2, "", all[:3]},
		{"keep none keeps latest", 0, "", all[:4]},
		{"keep two and an older latest", 2, "2024-06-02", []string{all[0], all[2]}},
		{"keep none and an older latest", 0, "2024-06-02", []string{all[0], all[2], all[3], all[4]}},
		{"keep more than there are", 10, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := t.TempDir()
			for i, asOf := range all {
				publishRun(t, lake, asOf, fmt.Sprintf("run-%d", i))
			}
			if tt.latest != "" { // a lake whose latest was rolled back
				rel := snapshotRel(tt.latest)
				if err := writeFileAtomic(filepath.Join(lake, "latest"), []byte(rel+"\n"), "t"); err != nil {
					t.Fatal(err)
				}
				if err := swapCurrent(lake, rel, "t"); err != nil {
					t.Fatal(err)
				}
			}
			removed, err := Prune(lake, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, a := range tt.wantRemoved {
				want = append(want, "snapshots/as_of="+a)
			}
			if !slices.Equal(removed, want) {
				t.Errorf("Prune removed %q, want %q", removed, want)
			}
			left, err := Snapshots(lake)
			if err != nil {
				t.Fatal(err)
			}
			wantLeft := slices.DeleteFunc(slices.Clone(all), func(a string) bool { return slices.Contains(tt.wantRemoved, a) })
			if !slices.Equal(left, wantLeft) {
				t.Errorf("left %q, want %q", left, wantLeft)
			}
			if _, err := Latest(lake); err != nil {
				t.Errorf("latest snapshot gone: %v", err)
			}
			checkClean(t, lake, wantLeft)
		})
	}
}

// TestPruneKeepsTheBackfill: a run that publishes an as_of older than
// latest (a backfill) and prunes with --keep 1 keeps what it published.
// Issue 26, item 6 (jobs/hardening TestBackfillWithKeepOneKeepsItsSnapshot
// is the same through jobs.Run).
func TestPruneKeepsTheBackfill(t *testing.T) {
	lake := t.TempDir()
	for i, asOf := range []string{"2024-06-01", "2024-06-02", "2024-06-03"} {
		publishRun(t, lake, asOf, fmt.Sprintf("run-%d", i))
	}
	publishRun(t, lake, "2024-05-01", "run-backfill")
	removed, err := Prune(lake, 1, "2024-05-01")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"snapshots/as_of=2024-06-01", "snapshots/as_of=2024-06-02"}; !slices.Equal(removed, want) {
		t.Errorf("Prune removed %q, want %q", removed, want)
	}
	verifySnapshot(t, filepath.Join(lake, "snapshots", "as_of=2024-05-01"), "2024-05-01", "run-backfill")
	checkPointers(t, lake, "2024-06-03")
	checkClean(t, lake, []string{"2024-05-01", "2024-06-03"})
}

func TestPruneRejectsNegativeKeep(t *testing.T) {
	if _, err := Prune(t.TempDir(), -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Prune(-1) = %v, want ErrInvalid", err)
	}
}

func TestKeepFailed(t *testing.T) {
	lake := t.TempDir()
	files := map[string][]byte{
		"ledger_reconciles.csv":          []byte("partner_id,diff\nP1,3\n"),
		"checks/one_row_per_partner.csv": []byte("partner_id,n\nP2,2\n"),
	}
	dir, err := KeepFailed(lake, "run-1", files)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(lake, "failed", "run-1"); dir != want {
		t.Errorf("dir = %q, want %q", dir, want)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 { // the csv and the checks dir, no temporary files
		t.Errorf("failed dir holds %d entries, want 2", len(entries))
	}

	for _, bad := range []string{"../escape.csv", "/abs.csv", ""} {
		if _, err := KeepFailed(lake, "run-2", map[string][]byte{bad: nil}); !errors.Is(err, ErrInvalid) {
			t.Errorf("KeepFailed(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := os.Stat(filepath.Join(lake, "failed", "run-2")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused KeepFailed created its dir: %v", err)
	}
	if _, err := KeepFailed(lake, "../run", files); !errors.Is(err, ErrInvalid) {
		t.Errorf("KeepFailed with a bad run id = %v, want ErrInvalid", err)
	}
}
