package report

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"tally/pipeline/publish"
	"tally/pipeline/rulebook"
)

// recordedRulebook reads the rulebook that the snapshot's run used, from the
// path its manifest records. It is used only when the file is still there
// and unchanged (same SHA-256); otherwise the note says why it is not, and
// the parts that need it (program-year dates, thresholds) are skipped.
func recordedRulebook(m *publish.Manifest) (*rulebook.Rulebook, string) {
	p := m.Rulebook.Path
	if p == "" {
		return nil, "the manifest names no rulebook"
	}
	sum, err := publish.FileSHA256(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Sprintf("the rulebook the run used (%s) is no longer there", p)
	case err != nil:
		return nil, fmt.Sprintf("the rulebook the run used (%s) cannot be read: %v", p, err)
	case m.Rulebook.SHA256 != "" && sum != m.Rulebook.SHA256:
		return nil, fmt.Sprintf("the rulebook at %s has changed since the run (SHA-256 %.12s, the run used %.12s)", p, sum, m.Rulebook.SHA256)
	}
	rb, err := rulebook.Load(p)
	if err != nil {
		return nil, fmt.Sprintf("the rulebook the run used (%s) no longer loads: %v", p, err)
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
