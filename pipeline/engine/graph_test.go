package engine

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"testing/fstest"
)

func planOf(t *testing.T, files map[string]string, inputs ...string) (*graph, error) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	in := map[string]bool{}
	for _, i := range inputs {
		in[i] = true
	}
	return plan(context.Background(), db, fsys, in)
}

// Models run in the order of what they read, whatever their numbers, and
// each intermediate goes once its last reader ran; a view's inputs live as
// long as its readers; what only a check reads waits for the checks; what a
// published view reads stays to the export.
func TestPlanOrdersAndDrops(t *testing.T) {
	g, err := planOf(t, map[string]string{
		"010_totals.sql":       "SELECT partner_id, sum(x) AS x FROM events GROUP BY ALL",
		"020_events.sql":       "-- materialize: view\nSELECT * FROM raw_bookings WHERE x > 0",
		"030_report.sql":       "-- publish: partner_id\nWITH t AS (SELECT * FROM totals) SELECT * FROM t JOIN named USING (partner_id)",
		"040_named.sql":        "SELECT partner_id FROM raw_partners",
		"050_ledger.sql":       "-- materialize: view\n-- publish: partner_id, x\nSELECT * FROM kept",
		"060_kept.sql":         "SELECT * FROM raw_bookings",
		"070_audited.sql":      "SELECT * FROM raw_partners",
		"checks/audited.sql":   "SELECT * FROM audited WHERE partner_id IS NULL",
		"checks/no_report.sql": "SELECT * FROM report WHERE x < 0",
	}, "raw_bookings", "raw_partners")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	drops := map[string]string{}
	for i, m := range g.models {
		order = append(order, m.name)
		for _, d := range g.dropAfter[i] {
			drops[d] = m.name
		}
	}
	if got, want := strings.Join(order, " "), "events totals named report kept ledger audited"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	for rel, after := range map[string]string{"events": "totals", "totals": "report", "named": "report"} {
		if drops[rel] != after {
			t.Errorf("%s dropped after %q, want after %s", rel, drops[rel], after)
		}
	}
	if _, ok := drops["kept"]; ok || !g.kept["kept"] {
		t.Errorf("kept, read by the published view ledger, dropped after %q", drops["kept"])
	}
	if strings.Join(g.afterChecks, " ") != "audited" {
		t.Errorf("dropped after the checks: %v, want audited", g.afterChecks)
	}
	if len(g.checks) != 2 || g.models[3].publish != "partner_id" {
		t.Errorf("checks %d, report published by %q", len(g.checks), g.models[3].publish)
	}
}

// A model that reads a relation no model creates fails with its file and
// the name; so do cycles, a model nothing reads, two files of one name and
// a file that is not one query.
func TestPlanRefuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown relation", map[string]string{"010_a.sql": "-- publish: x\nSELECT * FROM raw_bookings JOIN nowhere USING (x)"},
			"010_a.sql reads nowhere, which no model creates and no input provides"},
		{"unknown relation in a check", map[string]string{"010_a.sql": "-- publish: x\nSELECT 1 AS x", "checks/c.sql": "SELECT * FROM gone"},
			"checks/c.sql reads gone"},
		{"cycle", map[string]string{"010_a.sql": "-- publish: x\nSELECT * FROM b", "020_b.sql": "SELECT * FROM a"},
			"cycle: 010_a.sql, 020_b.sql"},
		{"read by nothing", map[string]string{"010_a.sql": "SELECT 1 AS x"},
			"010_a.sql creates a, which nothing reads and which is not published"},
		{"two of a name", map[string]string{"010_a.sql": "-- publish: x\nSELECT 1 AS x", "020_a.sql": "SELECT 2 AS x"},
			"010_a.sql and 020_a.sql both create a"},
		{"two statements", map[string]string{"010_a.sql": "-- publish: x\nSELECT 1 AS x; DROP TABLE raw_bookings"},
			"010_a.sql"},
		{"not a query", map[string]string{"010_a.sql": "-- publish: x\nDROP TABLE raw_bookings"},
			"010_a.sql"},
		{"no number", map[string]string{"a.sql": "SELECT 1"}, "a.sql: want NNN_name.sql"},
		{"optimizers not a list of names", map[string]string{"010_a.sql": "-- publish: x\n-- disable_optimizers: join_order'; SET threads = 1; --\nSELECT 1 AS x"},
			"010_a.sql: disable_optimizers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := planOf(t, c.files, "raw_bookings")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

// A model's disable_optimizers header reaches the model the engine runs.
func TestPlanKeepsDisabledOptimizers(t *testing.T) {
	g, err := planOf(t, map[string]string{
		"010_a.sql": "-- disable_optimizers: build_side_probe_side, join_order\nSELECT * FROM raw_bookings",
		"020_b.sql": "-- publish: x\nSELECT * FROM a",
	}, "raw_bookings")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range g.models {
		got[m.name] = m.disable
	}
	if got["a"] != "build_side_probe_side, join_order" || got["b"] != "" {
		t.Errorf("disabled optimizers per model %q, want a's header on a only", got)
	}
}

func TestHeader(t *testing.T) {
	h := header("-- materialize: view\n-- publish: partner_id, earned_on\n-- a comment: not a key\n\nSELECT 1\n-- publish: no")
	if h["materialize"] != "view" || h["publish"] != "partner_id, earned_on" || len(h) != 2 {
		t.Errorf("header %v", h)
	}
}
