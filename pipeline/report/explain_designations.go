package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"tally/pipeline/lake"
	"tally/pipeline/rulebook"
)

// Designation is the partner's row of one solution area (RULES.md section
// 14) on as_of, what its next tier needs, and its periods there.
type Designation struct {
	SolutionArea  string              `json:"solution_area"`
	Credits       string              `json:"credits"`
	EarnedTier    string              `json:"earned_tier,omitempty"` // "" = none
	Tier          string              `json:"tier,omitempty"`
	Badged        bool                `json:"badged"`
	NextTier      string              `json:"next_tier,omitempty"`
	CreditsToNext string              `json:"credits_to_next,omitempty"`
	NextNeeds     string              `json:"next_needs,omitempty"` // from the snapshot's rulebook
	History       []DesignationPeriod `json:"history,omitempty"`
}

// DesignationPeriod is one designation_history row.
type DesignationPeriod struct {
	Tier      string `json:"tier,omitempty"` // "" = none
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to,omitempty"`
	Reason    string `json:"reason"`
}

// HeldBenefit is a benefit the partner holds on as_of (RULES.md section 15).
type HeldBenefit struct {
	Benefit string `json:"benefit"`
	Since   string `json:"since"`
}

// BenefitChange is a benefit gained or lost in as_of's program year.
type BenefitChange struct {
	Benefit   string `json:"benefit"`
	ChangedOn string `json:"changed_on"`
	Change    string `json:"change"`
	Because   string `json:"because"`
}

// designations reads the partner's designations, benefits and benefit
// changes; a snapshot published before they existed has none.
func (e *Explanation) designations(ctx context.Context, s *lake.Snapshot, rb *rulebook.Rulebook) error {
	if s.HasTable("designations") {
		r, err := s.Query(ctx, `SELECT solution_area, credits, earned_tier, tier, badged, next_tier, credits_to_next
			FROM designations WHERE partner_id = ?`, e.PartnerID)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		for _, row := range r.Rows {
			e.Designations = append(e.Designations, Designation{SolutionArea: row[0].Text, Credits: row[1].Text,
				EarnedTier: row[2].Text, Tier: row[3].Text, Badged: row[4].Text == "true", NextTier: row[5].Text, CreditsToNext: row[6].Text})
		}
	}
	if s.HasTable("designation_history") {
		h, err := s.Query(ctx, `SELECT solution_area, tier, valid_from, valid_to, reason FROM designation_history
			WHERE partner_id = ? ORDER BY solution_area, valid_from`, e.PartnerID)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		for _, row := range h.Rows {
			i := slices.IndexFunc(e.Designations, func(d Designation) bool { return d.SolutionArea == row[0].Text })
			if i < 0 {
				e.Designations = append(e.Designations, Designation{SolutionArea: row[0].Text})
				i = len(e.Designations) - 1
			}
			e.Designations[i].History = append(e.Designations[i].History, DesignationPeriod{row[1].Text, row[2].Text, row[3].Text, row[4].Text})
		}
	}
	var areas []rulebook.SolutionArea
	if rb != nil {
		areas = rb.Year(e.ProgramYear).SolutionAreas
	}
	rank := func(area string) int {
		if i := slices.IndexFunc(areas, func(a rulebook.SolutionArea) bool { return a.ID == area }); i >= 0 {
			return i
		}
		return len(areas)
	}
	slices.SortStableFunc(e.Designations, func(a, b Designation) int {
		if c := rank(a.SolutionArea) - rank(b.SolutionArea); c != 0 {
			return c
		}
		return strings.Compare(a.SolutionArea, b.SolutionArea)
	})
	for i, d := range e.Designations {
		if d.NextTier == "" {
			continue
		}
		j := slices.IndexFunc(areas, func(a rulebook.SolutionArea) bool { return a.ID == d.SolutionArea })
		if j < 0 {
			continue
		}
		k := slices.IndexFunc(areas[j].Tiers, func(t rulebook.Tier) bool { return t.ID == d.NextTier })
		if k >= 0 {
			e.Designations[i].NextNeeds = tierNeeds(areas[j].Tiers[k])
		}
	}
	if s.HasTable("benefits") {
		r, err := s.Query(ctx, "SELECT benefit, since FROM benefits WHERE partner_id = ? ORDER BY benefit", e.PartnerID)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		for _, row := range r.Rows {
			e.Benefits = append(e.Benefits, HeldBenefit{row[0].Text, row[1].Text})
		}
	}
	if s.HasTable("benefit_changes") {
		r, err := s.Query(ctx, `SELECT benefit, changed_on, change, because FROM benefit_changes
			WHERE partner_id = ? ORDER BY changed_on, benefit`, e.PartnerID)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		for _, row := range r.Rows {
			e.BenefitChanges = append(e.BenefitChanges, BenefitChange{row[0].Text, row[1].Text, row[2].Text, row[3].Text})
		}
	}
	return nil
}

// tierNeeds is what a tier requires, in words: "1000 credits; all of
// MSC-A, SC-A; good standing".
func tierNeeds(t rulebook.Tier) string {
	parts := []string{plainNumber(t.MinCredits) + " credits"}
	if !t.RequiredCapabilities.IsZero() {
		parts = append(parts, t.RequiredCapabilities.String())
	}
	return strings.Join(append(parts, "good standing"), "; ")
}

// writeDesignations prints the designations and benefits part of WriteText.
func (e *Explanation) writeDesignations(p *printer) {
	if len(e.Designations) == 0 && len(e.Benefits) == 0 && len(e.BenefitChanges) == 0 {
		return
	}
	p.line("")
	p.line("Designations (solution areas)")
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  area\ttier\tearned\tcredits\tnext tier\tit needs")
	for _, d := range e.Designations {
		tier := orNone(d.Tier)
		if d.Badged {
			tier += " (badged)"
		}
		next := orDash(d.NextTier)
		if d.NextTier != "" && d.CreditsToNext != "" {
			next += " (short by " + groupDigits(d.CreditsToNext) + " credits)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", d.SolutionArea, tier, orNone(d.EarnedTier), groupDigits(orDash(d.Credits)), next, orDash(d.NextNeeds))
	}
	p.flush(tw)
	tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	for _, d := range e.Designations {
		for _, h := range d.History {
			to := h.ValidTo
			if to == "" {
				to = "(current)"
			}
			fmt.Fprintf(tw, "  %s\t%s\tto %s\t%s\t%s\n", d.SolutionArea, h.ValidFrom, to, orNone(h.Tier), h.Reason)
		}
	}
	p.flush(tw)
	p.line("")
	p.line("Benefits")
	if len(e.Benefits) == 0 {
		p.line("  none held")
	}
	for _, b := range e.Benefits {
		p.line("  %s since %s", b.Benefit, b.Since)
	}
	for _, c := range e.BenefitChanges {
		p.line("  %s %s %s: %s", c.ChangedOn, c.Change, c.Benefit, c.Because)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
