package report

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"tally/pipeline/lake"
	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// snapshotRulebook reads the rulebook the snapshot was computed with, from
// the copy it holds. A snapshot published before snapshots held their
// rules has none; the note says so, and the parts that need it
// (program-year dates, thresholds) are skipped.
func snapshotRulebook(s *lake.Snapshot) (*rulebook.Rulebook, string) {
	text, err := s.ReadFile(publish.RulebookFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "the snapshot holds no copy of its rulebook (published by an older tally)"
	}
	if err != nil {
		return nil, fmt.Sprintf("the snapshot's rulebook cannot be read: %v", err)
	}
	rb, err := rulebook.Parse(filepath.Join(s.Dir, publish.RulebookFile), text)
	if err != nil {
		return nil, fmt.Sprintf("the snapshot's rulebook does not load: %v", err)
	}
	return rb, ""
}

// levelOrder is the rulebook's levels, lowest first, then terminated; with
// no rulebook, the levels found in the data in name order.
func levelOrder(rb *rulebook.Rulebook, found []string) []string {
	var order []string
	if rb != nil {
		order = append(rb.LevelIDs(), rulebook.Terminated)
	}
	var extra []string
	null := false
	for _, l := range found {
		switch {
		case l == "":
			null = true
		case !slices.Contains(order, l) && !slices.Contains(extra, l):
			extra = append(extra, l)
		}
	}
	slices.Sort(extra)
	order = append(order, extra...)
	if null {
		order = append(order, "") // partners with no level, last
	}
	return order
}

// levelRank is a level's position in order, or -1.
func levelRank(order []string, level string) int { return slices.Index(order, level) }
