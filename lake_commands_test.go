package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tally/jobs"
)

// tally runs the command line with args and returns stdout and the error.
func tally(t *testing.T, args ...string) (string, error) {
	t.Helper()
	asJSON, logFormat, logLevel = false, "text", "error"
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestLakeCommands runs query, explain, report and simulate on one
// published example lake.
func TestLakeCommands(t *testing.T) {
	dir := t.TempDir()
	if _, err := jobs.Run(context.Background(), jobs.RunOptions{Input: "fixtures/example", Rulebook: "fixtures/rulebook.yaml",
		AsOf: "2024-06-30", Out: dir}); err != nil {
		t.Fatal(err)
	}
	count, err := tally(t, "query", "--out", dir, "--format", "csv", "SELECT count(*) AS n FROM partner_levels")
	if err != nil {
		t.Fatal(err)
	}
	partners := strings.TrimSpace(strings.TrimPrefix(count, "n\n"))

	t.Run("query csv", func(t *testing.T) {
		out, err := tally(t, "query", "--out", dir, "--format", "csv", "SELECT partner_id, level, next_level FROM partner_levels ORDER BY partner_id")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(rows) - 1; strconv.Itoa(got) != partners || strings.Join(rows[0], ",") != "partner_id,level,next_level" {
			t.Errorf("%d rows (want %s), header %v", got, partners, rows[0])
		}
	})
	t.Run("query json", func(t *testing.T) {
		out, err := tally(t, "query", "--out", dir, "--json", "SELECT partner_id, performance_points, good_standing FROM partner_levels ORDER BY partner_id LIMIT 2")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Columns []struct{ Name, Type string }
			Rows    [][]any
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(doc.Rows) != 2 || len(doc.Columns) != 3 {
			t.Fatalf("%+v", doc)
		}
		if _, ok := doc.Rows[0][1].(float64); !ok {
			t.Errorf("performance_points is %T in JSON, want a number", doc.Rows[0][1])
		}
		if _, ok := doc.Rows[0][2].(bool); !ok && doc.Rows[0][2] != nil {
			t.Errorf("good_standing is %T in JSON, want a boolean", doc.Rows[0][2])
		}
	})
	t.Run("query table", func(t *testing.T) {
		out, err := tally(t, "query", "--out", dir, "--format", "table", "SELECT level, count(*) AS partners FROM partner_levels GROUP BY level")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out, "level") || !strings.Contains(out, "rows)") {
			t.Errorf("table output:\n%s", out)
		}
	})
	t.Run("query refuses writes", func(t *testing.T) {
		for _, q := range []string{
			"COPY partner_levels TO '" + filepath.Join(t.TempDir(), "x.csv") + "'",
			"ATTACH '" + filepath.Join(t.TempDir(), "x.duckdb") + "'",
			"SELECT * FROM read_csv('/etc/passwd')",
			"SET enable_external_access = true",
		} {
			if _, err := tally(t, "query", "--out", dir, q); err == nil {
				t.Errorf("allowed: %s", q)
			}
		}
		if _, err := tally(t, "query", "--out", dir, "--format", "xml", "SELECT 1"); jobs.ExitCode(err) != jobs.ExitUsage {
			t.Errorf("--format xml: exit %d", jobs.ExitCode(err))
		}
	})
	t.Run("explain", func(t *testing.T) {
		out, err := tally(t, "explain", "--out", dir, "--partner", "P001")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Partner P001") || strings.Contains(out, "DIFFERENT") {
			t.Errorf("explain:\n%s", out)
		}
		out, err = tally(t, "explain", "--out", dir, "--partner", "P001", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			PartnerID string `json:"partner_id"`
			Totals    []struct{ Equal bool }
		}
		if err := json.Unmarshal([]byte(out), &e); err != nil || e.PartnerID != "P001" || len(e.Totals) != 3 {
			t.Errorf("explain --json: %v %+v", err, e)
		}
		_, err = tally(t, "explain", "--out", dir, "--partner", "NOPE")
		if jobs.ExitCode(err) != 1 || !strings.Contains(err.Error(), "NOPE") {
			t.Errorf("unknown partner: %v (exit %d)", err, jobs.ExitCode(err))
		}
	})
	t.Run("report", func(t *testing.T) {
		out, err := tally(t, "report", "--out", dir, "--program-year", "FY25")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "reports", "program_year=FY25", "report.html")); err != nil || !strings.Contains(out, "report.html") {
			t.Errorf("report: %v\n%s", err, out)
		}
		// --as-of the latest snapshot's date writes the latest report; a
		// date with no snapshot is bad usage that names the dates there are.
		if _, err := tally(t, "report", "--out", dir, "--program-year", "FY25", "--as-of", "2024-06-30"); err != nil {
			t.Errorf("--as-of the latest: %v", err)
		}
		_, err = tally(t, "report", "--out", dir, "--program-year", "FY25", "--as-of", "2024-05-31")
		if jobs.ExitCode(err) != jobs.ExitUsage || !strings.Contains(err.Error(), "no snapshot as of 2024-05-31") || !strings.Contains(err.Error(), "2024-06-30") {
			t.Errorf("--as-of with no snapshot: %v (exit %d), want exit %d naming the snapshots there are", err, jobs.ExitCode(err), jobs.ExitUsage)
		}
		if _, err := tally(t, "report", "--out", dir, "--program-year", "FY25", "--as-of", "2024-13-01"); jobs.ExitCode(err) != jobs.ExitUsage {
			t.Errorf("--as-of not a date: %v (exit %d)", err, jobs.ExitCode(err))
		}
	})
	t.Run("simulate", func(t *testing.T) {
		out, err := tally(t, "simulate", "--out", dir, "--rulebook", "fixtures/rulebook.yaml", "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var sim jobs.Simulation
		if err := json.Unmarshal([]byte(out), &sim); err != nil || strconv.Itoa(sim.Partners) != partners || sim.Moved != 0 {
			t.Errorf("simulate with the published rulebook: %v, %d partners (want %s), %d moved", err, sim.Partners, partners, sim.Moved)
		}
		out, err = tally(t, "simulate", "--out", dir, "--rulebook", "fixtures/rulebook.yaml")
		if err != nil || !strings.Contains(out, "0 move") {
			t.Errorf("simulate table: %v\n%s", err, out)
		}
	})
}
