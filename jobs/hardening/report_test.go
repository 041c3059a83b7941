package hardening_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"tally/jobs"
)

// reportFiles lists the files of the report of a program year, or nil if
// its directory is missing.
func reportFiles(t *testing.T, lakeDir, year string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(lakeDir, "reports", "program_year="+year))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkReports checks that reports/ holds exactly the reports of years
// (and the lock file of their writers), each with the files of want.
func checkReports(t *testing.T, lakeDir string, want []string, years ...string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(lakeDir, "reports"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	wantNames := []string{".lock"}
	for _, y := range years {
		wantNames = append(wantNames, "program_year="+y)
		if files := reportFiles(t, lakeDir, y); !slices.Equal(files, want) {
			t.Errorf("report %s holds %q, want %q", y, files, want)
		}
	}
	if !slices.Equal(got, wantNames) {
		t.Errorf("reports/ holds %q, want %q", got, wantNames)
	}
}

func writeReport(t *testing.T, lakeDir, year string) {
	t.Helper()
	if _, err := jobs.Report(context.Background(), jobs.ReportOptions{ProgramYear: year, Out: lakeDir}); err != nil {
		t.Fatalf("report %s: %v", year, err)
	}
}

// TestReportKilledBetweenRenamesIsRestored leaves reports/ as a writer of
// earlier versions left it when killed between its two renames (the
// report moved aside to .tmp-*.old, a half-written .tmp-* beside it) and
// writes a report: the report set aside is put back and no .tmp-* stays.
// Issue 26, item 8: the report stayed deleted, and .tmp-* folders stayed
// even after a successful rerun.
func TestReportKilledBetweenRenamesIsRestored(t *testing.T) {
	t.Parallel()
	lakeDir := copyLake(t, template(t, asOfA))
	writeReport(t, lakeDir, "FY25")
	files := reportFiles(t, lakeDir, "FY25")
	reports := filepath.Join(lakeDir, "reports")
	if err := os.Rename(filepath.Join(reports, "program_year=FY25"), filepath.Join(reports, ".tmp-program_year=FY25-111.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(reports, ".tmp-program_year=FY25-222"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(reports, ".tmp-program_year=FY25-222", "report.html"), "<html>half")

	writeReport(t, lakeDir, "FY24") // another year's report repairs reports/
	checkReports(t, lakeDir, files, "FY24", "FY25")
	writeReport(t, lakeDir, "FY25")
	checkReports(t, lakeDir, files, "FY24", "FY25")
}

// TestReportKilledAnywhere kills `tally report` (a child process) after it
// wrote the new report aside and after the exchange that puts it in place:
// the published report is complete all along, and the next report leaves
// no staging directory behind. Issue 26, item 8.
func TestReportKilledAnywhere(t *testing.T) {
	t.Parallel()
	base := copyLake(t, template(t, asOfA))
	writeReport(t, base, "FY25")
	files := reportFiles(t, base, "FY25")
	for _, step := range []string{"dir-staged", "replace-exchanged"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			lakeDir := copyLake(t, base)
			killed, code, stderr := runChildCode(t, childSpec{Out: lakeDir, Report: "FY25", CrashAt: step})
			if !killed {
				t.Fatalf("the report never reached %q (exit %d):\n%s", step, code, stderr)
			}
			if got := reportFiles(t, lakeDir, "FY25"); !slices.Equal(got, files) {
				t.Errorf("killed at %s: the report holds %q, want %q", step, got, files)
			}
			writeReport(t, lakeDir, "FY25")
			checkReports(t, lakeDir, files, "FY25")
		})
	}
}
