package jobs_test

import (
	"path/filepath"
	"testing"
)

// snapshotQuery runs q over one table of a published example snapshot.
func snapshotRows(t *testing.T, asOf, table, q string, args ...any) []string {
	t.Helper()
	file := filepath.Join(exampleLake(t, asOf), "snapshots", "as_of="+asOf, table+".parquet")
	tableCSV(t, file) // opens the reader
	rows, err := reader.Query("WITH t AS (SELECT * FROM read_parquet(?)) "+q, append([]any{file}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// Figures worked out by hand from RULES.md in fixtures/example/README.md
// (and checked there with an independent script), for P003, P006, P008,
// P009, P010, P013, P014, P015, P017, P018, P019 and P020: the pipeline must
// agree with every one of them.
func TestExampleHandReviewed(t *testing.T) {
	cases := []struct {
		asOf, partner, what, want string
	}{
		// FY24 on its last day
		{"2024-02-02", "P003", "performance", "1354.50"},
		{"2024-02-02", "P006", "performance", "982.00"},
		{"2024-02-02", "P008", "performance", "880.00"},
		{"2024-02-02", "P009", "performance", "921.90"},
		{"2024-02-02", "P010", "performance", "950.00"},
		{"2024-02-02", "P013", "performance", "820.00"},
		{"2024-02-02", "P017", "lifecycle", "115.00"},
		{"2024-02-02", "P017", "performance", "340.00"},
		{"2024-02-02", "P018", "influence", "780.00"},
		{"2024-02-02", "P018", "performance", "830.00"},
		{"2024-02-02", "P019", "performance", "1080.00"},
		{"2024-02-02", "P020", "performance", "1050.00"},
		// FY25 on its last day
		{"2025-01-31", "P010", "performance", "950.00"},
		{"2025-01-31", "P013", "performance", "600.00"},
		{"2025-01-31", "P014", "performance", "675.00"},
		{"2025-01-31", "P015", "performance", "270.00"},
		{"2025-01-31", "P018", "influence", "250.00"},
		{"2025-01-31", "P019", "performance", "165.00"},
		{"2025-01-31", "P020", "performance", "550.00"},
	}
	for _, c := range cases {
		col := c.what + "_points"
		got := snapshotRows(t, c.asOf, "partner_levels", "SELECT "+col+"::VARCHAR FROM t WHERE partner_id = ?", c.partner)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s %s %s = %v, want %s", c.asOf, c.partner, col, got, c.want)
		}
	}
}

// The example's bad rows (README "Rows that must be rejected"): 10 rows, 9 keys.
func TestExampleRejects(t *testing.T) {
	got := snapshotRows(t, "2024-02-02", "rejects", `SELECT "table" || ' ' || key || ' ' || reason FROM t ORDER BY ALL`)
	want := []string{
		"bookings B039901 negative_tcv",
		"bookings B040901 duplicate_key",
		"bookings B040901 duplicate_key",
		"bookings B041901 unknown_license_type",
		"bookings B042901 bad_date",
		"bookings B043901 no_fx_rate",
		"bookings B999001 unknown_partner",
		"influence_claims I046901 unknown_value",
		"lifecycle_claims L044901 unknown_activity",
		"lifecycle_claims L045901 missing_value",
	}
	if len(got) != len(want) {
		t.Fatalf("rejects = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reject %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// Levels, audits and migration of fixtures/example/README.md, worked out by
// hand from RULES.md sections 7 to 9 for P002, P003, P004, P005, P022, P023,
// P024, P025 and P026.
func TestExampleLevelsHandReviewed(t *testing.T) {
	const day = "2025-03-31"
	check := func(table, q string, want []string, args ...any) {
		t.Helper()
		got := snapshotRows(t, day, table, q, args...)
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: row %d = %q, want %q", q, i, got[i], want[i])
			}
		}
	}
	check("migration", `SELECT partner_id || ' ' || earned_level || ' ' || migrated_level || ' ' || protected FROM t
		WHERE partner_id IN ('P002', 'P003', 'P004', 'P005') ORDER BY 1`, []string{
		"P002 premier premier false",
		"P003 community premier true",                      // protected principal
		"P004 select select false",                         // principal in two models
		"P005 community_enrolled community_enrolled false", // not in good standing
	})
	check("audits", `SELECT partner_id || ' ' || outcome || ' ' || level_after || ' ' || coalesce(reinstated_on::VARCHAR, '-') || ' ' || coalesce(terminated_on::VARCHAR, '-')
		FROM t WHERE program_year = 'FY24' AND partner_id IN ('P003', 'P023', 'P024', 'P025', 'P026') ORDER BY 1`, []string{
		"P003 demoted select - -",
		"P023 demoted select - -",
		"P024 remediation community 2024-04-10 -",
		"P025 remediation community 2024-07-15 -",
		"P026 remediation community - 2024-10-01",
	})
	check("level_history", `SELECT level || ' ' || valid_from::VARCHAR || ' ' || reason FROM t WHERE partner_id = ? ORDER BY valid_from`, []string{
		"community 2023-06-01 earned",
		"select 2023-09-01 earned",
		"premier 2024-07-15 earned", // up-levelled mid-year, kept after sc_desktop expired
		"select 2025-03-03 audit",   // demoted at the FY25 audit
	}, "P022")
	check("level_history", `SELECT level || ' ' || valid_from::VARCHAR || ' ' || reason FROM t WHERE partner_id = ? AND valid_from >= '2024-01-01' ORDER BY valid_from`, []string{
		"pinnacle 2024-10-25 earned", // B002068 brings FY25 points past 27,000
	}, "P002")
}
