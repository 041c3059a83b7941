package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateListsRejectedRows validates the example with 30 bookings
// added that are rejected (a date that is not one): the text lists the
// first 20 rejected rows with table, row, key, reason and detail, and says
// how many more there are; --json lists every one. Issue 24 (CLI):
// validate gave only counts per reason.
func TestValidateListsRejectedRows(t *testing.T) {
	landing := filepath.Join(t.TempDir(), "landing")
	if err := os.CopyFS(landing, os.DirFS("fixtures/example")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(landing, "bookings.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		fmt.Fprintf(f, "BX%03d,P001,C0100,,compute,2024-02-31,100.00,USD,term,,,,\n", i)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	var doc struct {
		Rejects      int64 `json:"rejects"`
		RejectedRows []struct {
			Table     string `json:"table"`
			RowNumber int64  `json:"row_number"`
			Key       string `json:"key"`
			Reason    string `json:"reason"`
		} `json:"rejected_rows"`
	}
	out, err := tally(t, "validate", "--input", landing, "--rulebook", "fixtures/rulebook.yaml", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Rejects < 30 || int64(len(doc.RejectedRows)) != doc.Rejects {
		t.Fatalf("--json lists %d rejected rows of %d, want all (at least 30)", len(doc.RejectedRows), doc.Rejects)
	}
	bad := 0
	for _, r := range doc.RejectedRows {
		if r.Table == "bookings" && strings.HasPrefix(r.Key, "BX") {
			bad++
			if r.Reason != "bad_date" || r.RowNumber == 0 {
				t.Errorf("rejected row %+v, want reason bad_date and its row number", r)
			}
		}
	}
	if bad != 30 {
		t.Errorf("--json lists %d of the 30 bad bookings", bad)
	}

	out, err = tally(t, "validate", "--input", landing, "--rulebook", "fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, listed, ok := strings.Cut(out, "first 20 rejected rows:\n")
	if !ok {
		t.Fatalf("no list of rejected rows:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(listed), "\n")
	// a header line, 20 rows, and what is not shown
	if len(lines) != 22 || !strings.Contains(lines[len(lines)-1], fmt.Sprintf("%d more", doc.Rejects-20)) {
		t.Errorf("the list has %d lines, want a header, 20 rows and \"%d more\":\n%s", len(lines), doc.Rejects-20, listed)
	}
}
