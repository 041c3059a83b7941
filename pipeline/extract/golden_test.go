package extract_test

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/extract"
)

var update = flag.Bool("update", false, "rewrite the golden reject files under testdata/golden from this code")

// goldenInputs are the landing directories whose rejects are kept as golden
// files: the example, bookings-bad, and every case of fixtures/bad laid over
// fixtures/bad/base (as jobs/hardening lays them) that lands rows.
func goldenInputs(t *testing.T) map[string]string {
	t.Helper()
	inputs := map[string]string{
		"example":      "../../fixtures/example",
		"bookings-bad": "../../fixtures/bookings-bad",
		"bad-base":     "../../fixtures/bad/base",
	}
	for _, c := range []string{"truncated", "truncated-quote", "bom", "crlf", "quoted-newline", "not-utf8",
		"header-only", "date-formats", "thousands", "nan-tcv", "extreme-dates", "jsonl-types"} {
		dir := t.TempDir()
		for _, from := range []string{"../../fixtures/bad/base", "../../fixtures/bad/" + c} {
			entries, err := os.ReadDir(from)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(from, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				table := e.Name()[:len(e.Name())-len(filepath.Ext(e.Name()))]
				for _, f := range []string{"csv", "jsonl", "parquet"} { // the case's file replaces the base's in any format
					os.Remove(filepath.Join(dir, table+"."+f))
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		inputs["bad-"+c] = dir
	}
	return inputs
}

// TestRejectsGolden compares every reject's table, row number, key, reason
// and detail with the golden file of its input (testdata/golden/*.csv),
// through `extract.Run` writing raw/ and with RawDir "" (what `tally
// validate` does): the two must count the same rejects. The raw text is
// checked to be there, not compared: it is re-encoded from the fields read.
func TestRejectsGolden(t *testing.T) {
	for name, dir := range goldenInputs(t) {
		t.Run(name, func(t *testing.T) {
			raw := t.TempDir()
			res, err := extract.Run(context.Background(), extract.Options{Input: dir, RawDir: raw, Rulebook: loadRulebook(t)})
			if err != nil {
				t.Fatal(err)
			}
			check, err := extract.Run(context.Background(), extract.Options{Input: dir, Rulebook: loadRulebook(t)})
			if err != nil {
				t.Fatal(err)
			}
			if check.Rejects != res.Rejects {
				t.Errorf("validate counts %d rejects, extract %d", check.Rejects, res.Rejects)
			}
			rejects, err := parquet.ReadFile[extract.Reject](filepath.Join(raw, "rejects", "rejects.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(rejects)) != res.Rejects {
				t.Errorf("rejects.parquet has %d rows, the result counts %d", len(rejects), res.Rejects)
			}
			got := [][]string{{"table", "row_number", "key", "reason", "detail"}}
			for _, r := range rejects {
				if r.Raw == "" {
					t.Errorf("reject %+v has no raw text", r)
				}
				got = append(got, []string{r.Table, strconv.FormatInt(r.RowNumber, 10), r.Key, r.Reason, r.Detail})
			}
			path := filepath.Join("testdata", "golden", name+".csv")
			if *update {
				writeGolden(t, path, got)
				return
			}
			want := readGolden(t, path)
			if !slices.EqualFunc(got, want, slices.Equal) {
				for i := range max(len(got), len(want)) {
					var g, w []string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if !slices.Equal(g, w) {
						t.Errorf("reject %d:\n got %q\nwant %q", i, g, w)
					}
				}
			}
		})
	}
}

func writeGolden(t *testing.T, path string, rows [][]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := errors.Join(w.WriteAll(rows), f.Close()); err != nil {
		t.Fatal(err)
	}
}

func readGolden(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
