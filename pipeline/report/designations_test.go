package report_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// One section per solution area of the rulebook, in its order; each
// counts the partners per tier as the latest snapshot's designations do,
// and each mover is a designation period of the lake that began in the
// year (or at its audit), with the tier before it.
func TestDesignationSectionsEqualSnapshot(t *testing.T) {
	r, dir := written(t)
	var areas []string
	for _, s := range r.Sections {
		if a, ok := strings.CutPrefix(s.ID, "designations_"); ok {
			areas = append(areas, a)
		}
	}
	if got := strings.Join(areas, ","); got != "data_center_virtualization,cloud_management_automation,multi_cloud,vmc_on_aws,cloud_provider,modern_applications,network_security,digital_workspace" {
		t.Fatalf("designation sections %s", got)
	}
	now := snapshot(t, "")
	movers := 0
	for _, area := range areas {
		var summary map[string]string
		for _, s := range r.Sections {
			if s.ID == "designations_"+area {
				summary = column(t, s.Summary.Columns, s.Summary.Rows, "tier", "partners")
			}
		}
		sameCounts(t, area, summary, pairs(t, now,
			"SELECT tier, count(*)::VARCHAR FROM designations WHERE solution_area = ? AND tier IS NOT NULL GROUP BY tier", area))
		header, rows := readCSV(t, filepath.Join(dir, "designations_"+area+".csv"))
		col := map[string]int{}
		for _, c := range []string{"partner_id", "changed_on", "from_tier", "tier", "reason", "direction"} {
			col[c] = slices.Index(header, c)
			if col[c] < 0 {
				t.Fatalf("%s columns %v: no %s", area, header, c)
			}
		}
		for _, row := range rows {
			movers++
			held := pairs(t, now, `SELECT coalesce(tier, ''), coalesce(before, '') FROM (
					SELECT tier, valid_from, lag(tier) OVER (ORDER BY valid_from) AS before
					FROM designation_history WHERE partner_id = ? AND solution_area = ?)
				WHERE valid_from = ?::DATE`, row[col["partner_id"]], area, row[col["changed_on"]])
			if len(held) != 1 || held[row[col["tier"]]] != row[col["from_tier"]] {
				t.Errorf("%s mover %v: the lake's period there is %v", area, row, held)
			}
			if d := row[col["changed_on"]]; d < "2024-02-03" || d > "2025-03-03" {
				t.Errorf("%s mover %v outside FY25 and its audit", area, row)
			}
		}
	}
	if movers == 0 {
		t.Error("no designation movers in FY25 of the example")
	}
}
