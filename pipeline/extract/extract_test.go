package extract_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/date"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

func loadRulebook(t testing.TB) *rulebook.Rulebook {
	t.Helper()
	rb, err := rulebook.Load("../../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// rows is a table in a tiny landing directory: a header and its records,
// written as CSV or as JSONL.
type rows struct {
	header  []string
	records [][]string
}

func tbl(header string, records ...string) rows {
	r := rows{header: strings.Split(header, ",")}
	for _, rec := range records {
		r.records = append(r.records, strings.Split(rec, ","))
	}
	return r
}

// csvLines are the file's data lines (what a reject's raw should be).
func (r rows) csvLines() []string {
	var out []string
	for _, rec := range r.records {
		out = append(out, strings.Join(rec, ","))
	}
	return out
}

func (r rows) csv() string {
	return strings.Join(append([]string{strings.Join(r.header, ",")}, r.csvLines()...), "\n") + "\n"
}

var listColumns = []string{"tags", "contract_partner_ids"}

// jsonlLines writes each record as one object: empty cells are left out,
// lists become arrays, plain numbers and booleans JSON numbers and booleans.
func (r rows) jsonlLines() []string {
	var out []string
	for _, rec := range r.records {
		var b strings.Builder
		b.WriteByte('{')
		n := 0
		for i, h := range r.header {
			if i >= len(rec) || rec[i] == "" {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			k, _ := json.Marshal(h)
			b.Write(k)
			b.WriteByte(':')
			v := rec[i]
			switch {
			case slices.Contains(listColumns, h):
				l, _ := json.Marshal(strings.Split(v, ";"))
				b.Write(l)
			case v == "true" || v == "false" || (h == "tcv" || h == "usd_per_unit") && json.Valid([]byte(v)):
				b.WriteString(v)
			default:
				s, _ := json.Marshal(v)
				b.Write(s)
			}
		}
		b.WriteByte('}')
		out = append(out, b.String())
	}
	return out
}

func (r rows) jsonl() string { return strings.Join(r.jsonlLines(), "\n") + "\n" }

// base is a small valid landing directory: two partners, an FX rate for EUR.
func base() map[string]rows {
	return map[string]rows{
		"partners": tbl("partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level",
			"P1,One,US,false,2020-01-01,,premier",
			"P2,Two,de,true,2021-01-01,,"),
		"business_models": tbl("partner_id,business_model,registered_on,ended_on",
			"P1,solution_reseller,2020-01-01,"),
		"requirements": tbl("partner_id,requirement,completed_on,expires_on",
			"P1,partner_agreement,2020-01-01,2025-01-01"),
		"bookings": tbl("booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on",
			"B1,P1,C1,O1,vcf,2023-03-01,1000.50,USD,subscription,new_logo,,booked,"),
		"fx_rates": tbl("currency,valid_from,usd_per_unit", "EUR,2023-01-01,1.1"),
	}
}

// writeLanding writes the tables of a landing directory, each as format
// (csv, jsonl or parquet), and returns it.
func writeLanding(t *testing.T, tables map[string]rows, format string) string {
	t.Helper()
	dir := t.TempDir()
	for name, r := range tables {
		switch format {
		case "parquet":
			writeParquet(t, filepath.Join(dir, name+".parquet"), r)
		case "jsonl":
			writeFile(t, filepath.Join(dir, name+".jsonl"), r.jsonl())
		default:
			writeFile(t, filepath.Join(dir, name+".csv"), r.csv())
		}
	}
	return dir
}

// writeParquet writes a table as Parquet, through DuckDB: every column as
// text, empty cells null, list columns as lists.
func writeParquet(t *testing.T, path string, r rows) {
	t.Helper()
	csvPath := path + ".csv"
	writeFile(t, csvPath, r.csv())
	defer os.Remove(csvPath)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sel []string
	for _, h := range r.header {
		q := `"` + h + `"`
		if slices.Contains(listColumns, h) {
			sel = append(sel, "string_split("+q+", ';') AS "+q)
		} else {
			sel = append(sel, q)
		}
	}
	_, err = db.Exec(fmt.Sprintf("COPY (SELECT %s FROM read_csv('%s', header = true, all_varchar = true, delim = ',', quote = '\"')) TO '%s' (FORMAT parquet)",
		strings.Join(sel, ", "), csvPath, path))
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, input, rawDir string) *extract.Result {
	t.Helper()
	res, err := extract.Run(context.Background(), extract.Options{Input: input, RawDir: rawDir, Rulebook: loadRulebook(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if tr.RowsRead != tr.Accepted+tr.Rejected {
			t.Errorf("%s: read %d != accepted %d + rejected %d", tr.Table, tr.RowsRead, tr.Accepted, tr.Rejected)
		}
		var sum int64
		for _, n := range tr.Reasons {
			sum += n
		}
		if sum != tr.Rejected {
			t.Errorf("%s: reasons add up to %d, rejected %d", tr.Table, sum, tr.Rejected)
		}
	}
	return res
}

func tableResult(t *testing.T, res *extract.Result, name string) extract.TableResult {
	t.Helper()
	for _, tr := range res.Tables {
		if tr.Table == name {
			return tr
		}
	}
	t.Fatalf("no result for table %s", name)
	return extract.TableResult{}
}

func readRejects(t *testing.T, rawDir string) []extract.Reject {
	t.Helper()
	rs, err := parquet.ReadFile[extract.Reject](filepath.Join(rawDir, "rejects", "rejects.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

type reasonCase struct {
	name     string
	reason   string
	table    string
	rows     rows
	row      int64  // the rejected row (1-based data row; also the JSONL line)
	key      string // its key
	accepted int64  // rows of the table accepted
	rejected int64  // rows of the table rejected (1 unless said)
	formats  []string
}

var both = []string{"csv", "jsonl", "parquet"}

func reasonCases() []reasonCase {
	bk := "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on"
	ok := "B1,P1,C1,O1,vcf,2023-03-01,1000.50,USD,subscription,new_logo,,booked,"
	pt := "partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level"
	lc := "claim_id,partner_id,activity,customer_id,opportunity_id,status,approved_on"
	ic := "claim_id,partner_id,kind,customer_id,opportunity_id,solution,status,approved_on,work_started_on,work_completed_on,completion_submitted_on"
	cp := "partner_id,capability_id,kind,achieved_on,expires_on"
	oem := "credit_id,oem_partner_id,partner_id,customer_id,opportunity_id,solution,booked_on,reported_on,tcv,currency,license_type,tags"
	return []reasonCase{
		{name: "required value empty", reason: "missing_value", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,,O2,vcf,2023-03-01,10,USD,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "terminated booking without date", reason: "missing_value", table: "bookings",
			rows: tbl(bk, "B2,P1,C1,O2,vcf,2023-03-01,10,USD,saas,,,customer_terminated,", ok), row: 1, key: "B2", accepted: 1},
		{name: "approved claim without date", reason: "missing_value", table: "lifecycle_claims",
			rows: tbl(lc, "L1,P1,poc,C1,O1,approved,2023-05-01", "L2,P1,poc,C1,O1,approved,"), row: 2, key: "L2", accepted: 1},
		{name: "impossible day", reason: "bad_date", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-02-30,10,USD,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "not ISO", reason: "bad_date", table: "partners",
			rows: tbl(pt, "P1,One,US,false,2020-01-01,,", "P2,Two,US,false,01/02/2020,,"), row: 2, key: "P2", accepted: 1},
		{name: "too many places", reason: "bad_decimal", table: "bookings",
			rows: tbl(bk, "B2,P1,C1,O2,vcf,2023-03-01,10.1234567,USD,saas,,,booked,", ok), row: 1, key: "B2", accepted: 1},
		{name: "exponent", reason: "bad_decimal", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,1e5,USD,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "rate too precise", reason: "bad_decimal", table: "fx_rates",
			rows: tbl("currency,valid_from,usd_per_unit", "EUR,2023-01-01,1.1", "GBP,2023-01-01,1.12345678901"), row: 2, key: "GBP|2023-01-01", accepted: 1},
		{name: "yes is not a boolean", reason: "bad_boolean", table: "partners",
			rows: tbl(pt, "P1,One,US,false,2020-01-01,,", "P3,Three,US,yes,2020-01-01,,", "P2,Two,US,FALSE,2020-01-01,,"), row: 2, key: "P3", accepted: 2},
		{name: "unknown business model", reason: "unknown_value", table: "business_models",
			rows: tbl("partner_id,business_model,registered_on,ended_on", "P1,reseller,2020-01-01,", "P1,solution_builder,2020-01-01,"), row: 1, key: "P1|reseller|2020-01-01", accepted: 1},
		{name: "unknown booking status", reason: "unknown_value", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,10,USD,saas,,,cancelled,"), row: 2, key: "B2", accepted: 1},
		{name: "unknown claim status", reason: "unknown_value", table: "lifecycle_claims",
			rows: tbl(lc, "L1,P1,poc,,,open,"), row: 1, key: "L1", accepted: 0},
		{name: "unknown influence kind", reason: "unknown_value", table: "influence_claims",
			rows: tbl(ic, "I1,P1,webinar,C1,,vcf,pending,,,,", "I2,P1,sir,C1,,vcf,pending,,,,"), row: 1, key: "I1", accepted: 1},
		{name: "unknown capability kind", reason: "unknown_value", table: "capabilities",
			rows: tbl(cp, "P1,K1,badge,2023-01-01,"), row: 1, key: "P1|K1|2023-01-01", accepted: 0},
		{name: "license type not in rulebook", reason: "unknown_license_type", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,10,USD,lease,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "activity not in rulebook", reason: "unknown_activity", table: "lifecycle_claims",
			rows: tbl(lc, "L1,P1,webinar,,,submitted,", "L2,P1,deployment,,,submitted,"), row: 1, key: "L1", accepted: 1},
		{name: "three letters", reason: "bad_country", table: "partners",
			rows: tbl(pt, "P1,One,US,false,2020-01-01,,", "P3,Three,USA,false,2020-01-01,,", "P2,Two,gb,false,2020-01-01,,"), row: 2, key: "P3", accepted: 2},
		{name: "negative tcv", reason: "negative_tcv", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,-5.00,USD,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "negative oem tcv", reason: "negative_tcv", table: "oem_credits",
			rows: tbl(oem, "X1,OEM1,P1,C1,,vcf,2023-03-01,2023-03-05,-1,USD,saas,"), row: 1, key: "X1", accepted: 0},
		{name: "zero rate", reason: "nonpositive_rate", table: "fx_rates",
			rows: tbl("currency,valid_from,usd_per_unit", "EUR,2023-01-01,1.1", "GBP,2023-01-01,0"), row: 2, key: "GBP|2023-01-01", accepted: 1},
		{name: "booking id twice", reason: "duplicate_key", table: "bookings",
			rows: tbl(bk, "B2,P1,C1,O2,vcf,2023-03-01,10,USD,saas,,,booked,", ok, "B2,P2,C9,O9,vcf,2023-04-01,20,USD,saas,,,booked,"), row: 1, key: "B2", accepted: 1, rejected: 2},
		{name: "rate key in another case", reason: "duplicate_key", table: "fx_rates",
			rows: tbl("currency,valid_from,usd_per_unit", "EUR,2023-01-01,1.1", "GBP,2023-01-01,1.3", "eur,2023-01-01,1.2"), row: 3, key: "EUR|2023-01-01", accepted: 1, rejected: 2},
		{name: "partner not accepted", reason: "unknown_partner", table: "requirements",
			rows: tbl("partner_id,requirement,completed_on,expires_on", "P1,partner_agreement,2020-01-01,", "P9,partner_agreement,2020-01-01,"), row: 2, key: "P9|partner_agreement|2020-01-01", accepted: 1},
		{name: "currency without rate", reason: "no_fx_rate", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,10,JPY,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "booked before the first rate", reason: "no_fx_rate", table: "bookings",
			rows: tbl(bk, "B2,P1,C1,O2,vcf,2022-12-31,10,eur,saas,,,booked,", "B3,P1,C1,O2,vcf,2023-01-01,10,eur,saas,,,booked,"), row: 1, key: "B2", accepted: 1},
		{name: "terminated before enrolled", reason: "end_before_start", table: "partners",
			rows: tbl(pt, "P1,One,US,false,2020-01-01,2021-01-01,", "P3,Three,US,false,2020-01-01,2019-12-31,", "P2,Two,US,false,2020-01-01,2020-01-01,"), row: 2, key: "P3", accepted: 2},
		{name: "booking terminated before booked", reason: "end_before_start", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,10,USD,saas,,,vendor_terminated,2023-02-01"), row: 2, key: "B2", accepted: 1},
		{name: "reported before booked", reason: "end_before_start", table: "oem_credits",
			rows: tbl(oem, "X1,OEM1,P1,C1,,vcf,2023-03-01,2023-02-05,10,USD,saas,"), row: 1, key: "X1", accepted: 0},
		{name: "capability expires before achieved", reason: "end_before_start", table: "capabilities",
			rows: tbl(cp, "P1,K1,accreditation,2023-01-01,2022-01-01", "P1,K1,accreditation,2024-01-01,"), row: 1, key: "P1|K1|2023-01-01", accepted: 1},
		{name: "work completed before started", reason: "end_before_start", table: "influence_claims",
			rows: tbl(ic, "I1,P1,poc,C1,,vcf,pending,,2023-05-01,2023-04-01,"), row: 1, key: "I1", accepted: 0},
		{name: "short row", reason: "malformed_row", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1"), row: 2, key: "B2", accepted: 1, formats: []string{"csv"}},
		{name: "tcv beyond DECIMAL(18,6)", reason: "out_of_range", table: "bookings",
			rows: tbl(bk, ok, "B2,P1,C1,O2,vcf,2023-03-01,9223372036854.775807,USD,saas,,,booked,"), row: 2, key: "B2", accepted: 1},
		{name: "tcv beyond what converts exactly", reason: "out_of_range", table: "bookings",
			rows: tbl(bk, "B2,P1,C1,,compute,2024-03-01,50000000000.00,EUR,term,,,,", ok), row: 1, key: "B2", accepted: 1},
		{name: "oem tcv beyond DECIMAL(18,6)", reason: "out_of_range", table: "oem_credits",
			rows: tbl(oem, "X1,OEM1,P1,C1,,vcf,2023-03-01,2023-03-05,1000000000000,USD,saas,"), row: 1, key: "X1", accepted: 0},
		{name: "rate beyond DECIMAL(18,10)", reason: "out_of_range", table: "fx_rates",
			rows: tbl("currency,valid_from,usd_per_unit", "EUR,2023-01-01,1.1", "XAU,2023-01-01,100000000"), row: 2, key: "XAU|2023-01-01", accepted: 1},
	}
}

// TestReasons lands a tiny directory per reason, in CSV, JSONL and Parquet, and
// checks the reject: reason, row, key, raw text, and the counts.
func TestReasons(t *testing.T) {
	for _, c := range reasonCases() {
		formats := c.formats
		if formats == nil {
			formats = both
		}
		for _, format := range formats {
			t.Run(format+"/"+c.reason+"/"+c.name, func(t *testing.T) {
				tables := base()
				tables[c.table] = c.rows
				raw := t.TempDir()
				res := run(t, writeLanding(t, tables, format), raw)
				rejected := max(c.rejected, 1)
				tr := tableResult(t, res, c.table)
				if tr.Accepted != c.accepted || tr.Rejected != rejected || tr.RowsRead != int64(len(c.rows.records)) {
					t.Fatalf("%s: read %d, accepted %d, rejected %d; want read %d, accepted %d, rejected %d",
						c.table, tr.RowsRead, tr.Accepted, tr.Rejected, len(c.rows.records), c.accepted, rejected)
				}
				if tr.Reasons[c.reason] != rejected {
					t.Errorf("reasons %v, want %d %s", tr.Reasons, rejected, c.reason)
				}
				if res.Rejects != rejected {
					t.Errorf("rejects %d, want %d", res.Rejects, rejected)
				}
				rejects := readRejects(t, raw)
				i := slices.IndexFunc(rejects, func(r extract.Reject) bool { return r.RowNumber == c.row })
				if i < 0 {
					t.Fatalf("no reject for row %d in %+v", c.row, rejects)
				}
				r := rejects[i]
				if r.Table != c.table || r.Reason != c.reason || r.Key != c.key {
					t.Errorf("reject %+v; want table %s, reason %s, key %q", r, c.table, c.reason, c.key)
				}
				switch format {
				case "parquet":
					// the row as a JSON object of its columns' text
					var obj map[string]any
					first := c.rows.header[0]
					if err := json.Unmarshal([]byte(r.Raw), &obj); err != nil || obj[first] != c.rows.records[c.row-1][0] {
						t.Errorf("raw %q, want a JSON object with %s %q", r.Raw, first, c.rows.records[c.row-1][0])
					}
				case "jsonl":
					if want := c.rows.jsonlLines()[c.row-1]; r.Raw != want {
						t.Errorf("raw %q, want %q", r.Raw, want)
					}
				default:
					if want := c.rows.csvLines()[c.row-1]; r.Raw != want {
						t.Errorf("raw %q, want %q", r.Raw, want)
					}
				}
				if !strings.HasPrefix(r.Detail, "column") && c.reason != "malformed_row" {
					t.Errorf("detail %q does not name the column", r.Detail)
				}
				if c.reason == "duplicate_key" {
					for _, r := range rejects {
						if r.Reason != "duplicate_key" || r.Key != c.key {
							t.Errorf("every copy of %s should be rejected as duplicate_key: %+v", c.key, r)
						}
					}
				}
			})
		}
	}
}

// TestJSONLOnly covers what only JSONL can get wrong: lines that are not
// objects and values of the wrong JSON type.
func TestJSONLOnly(t *testing.T) {
	head := `{"booking_id":"B1","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":"2023-03-01","tcv":10,"license_type":"saas"}`
	cases := []struct {
		name, line, reason, key string
	}{
		{"array line", `[1,2]`, "malformed_row", ""},
		{"not json", `B2,P1,C1`, "malformed_row", ""},
		{"trailing text", `{"booking_id":"B2"} x`, "malformed_row", "B2"},
		{"object value", `{"booking_id":"B2","partner_id":"P1","customer_id":{"id":"C1"},"solution":"vcf","booked_on":"2023-03-01","tcv":10,"license_type":"saas"}`, "bad_type", "B2"},
		{"string for a list", `{"booking_id":"B2","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":"2023-03-01","tcv":10,"license_type":"saas","tags":"new_logo"}`, "bad_type", "B2"},
		{"array for a scalar", `{"booking_id":"B2","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":["2023-03-01"],"tcv":10,"license_type":"saas"}`, "bad_type", "B2"},
		{"number with exponent", `{"booking_id":"B2","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":"2023-03-01","tcv":1e3,"license_type":"saas"}`, "bad_decimal", "B2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeLanding(t, base(), "csv")
			os.Remove(filepath.Join(dir, "bookings.csv"))
			// a blank line counts: row numbers are line numbers
			writeFile(t, filepath.Join(dir, "bookings.jsonl"), head+"\n\n"+c.line+"\n")
			raw := t.TempDir()
			res := run(t, dir, raw)
			tr := tableResult(t, res, "bookings")
			if tr.RowsRead != 2 || tr.Accepted != 1 || tr.Rejected != 1 || tr.Reasons[c.reason] != 1 {
				t.Fatalf("bookings: %+v, want 1 accepted, 1 %s", tr, c.reason)
			}
			r := readRejects(t, raw)[0]
			if r.RowNumber != 3 || r.Reason != c.reason || r.Key != c.key || r.Raw != c.line {
				t.Errorf("reject %+v; want row 3, %s, key %q, raw %q", r, c.reason, c.key, c.line)
			}
		})
	}
}

// TestCSVQuoting: quoted fields keep their commas and doubled quotes; a
// bare quote inside an unquoted field is read as a quote (DuckDB's reader
// does so, RFC 4180 leaves it undefined); bytes that are not UTF-8 make a
// malformed row that keeps its text, and the file goes on.
func TestCSVQuoting(t *testing.T) {
	dir := writeLanding(t, base(), "csv")
	bk := "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on\r\n"
	writeFile(t, filepath.Join(dir, "bookings.csv"), "\uFEFF"+bk+
		"B1,P1,C1,O1,vcf,2023-03-01,10,USD,saas,,,booked,\r\n"+
		"B2,P1,C\"1,O1,vcf,2023-03-01,10,USD,saas,,,booked,\r\n"+
		"\"B3\",P1,\"C, \"\"quoted\"\"\",O1,vcf,2023-03-01,10,USD,saas,a;b,,booked,\r\n"+
		"B4,P1,C\xff,O1,vcf,2023-03-01,10,USD,saas,,,booked,\r\n")
	raw := t.TempDir()
	res := run(t, dir, raw)
	tr := tableResult(t, res, "bookings")
	if tr.RowsRead != 4 || tr.Accepted != 3 || tr.Reasons["malformed_row"] != 1 {
		t.Fatalf("bookings: %+v", tr)
	}
	rejects := readRejects(t, raw)
	// bytes that are not UTF-8 are a malformed row, kept readable
	if r := rejects[0]; r.RowNumber != 4 || r.Key != "B4" || r.Raw != "B4,P1,C\uFFFD,O1,vcf,2023-03-01,10,USD,saas,,,booked," {
		t.Errorf("reject %+v", r)
	}
	got := readBookings(t, raw)
	if got[1].BookingID != "B2" || got[1].CustomerID != `C"1` || got[1].RowNumber != 2 {
		t.Errorf("row 2 read as %+v", got[1])
	}
	if got[2].BookingID != "B3" || got[2].CustomerID != `C, "quoted"` || !slices.Equal(got[2].Tags, []string{"a", "b"}) || got[2].RowNumber != 3 {
		t.Errorf("row 3 read as %+v", got[2])
	}
}

// TestListColumns: a ';'-separated list's elements are trimmed of blanks
// and tabs, empty ones dropped, and a list with no element left is NULL.
func TestListColumns(t *testing.T) {
	dir := writeLanding(t, base(), "csv")
	bk := "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on\n"
	cases := []struct {
		text string
		want []string
	}{
		{"a;b", []string{"a", "b"}},
		{"a", []string{"a"}},
		{"a b;c", []string{"a b", "c"}},
		{" a ; b ", []string{"a", "b"}},
		{"a;;b", []string{"a", "b"}},
		{";a", []string{"a"}},
		{"a;", []string{"a"}},
		{"a\t;\tb", []string{"a", "b"}},
		{";", nil},
		{" ; ;", nil},
		{"", nil},
	}
	text := bk
	for i, c := range cases {
		text += fmt.Sprintf("B%d,P1,C1,O1,vcf,2023-03-01,10,USD,saas,%s,%s,booked,\n", i, c.text, c.text)
	}
	writeFile(t, filepath.Join(dir, "bookings.csv"), text)
	raw := t.TempDir()
	run(t, dir, raw)
	got := readBookings(t, raw)
	if len(got) != len(cases) {
		t.Fatalf("%d bookings, want %d", len(got), len(cases))
	}
	for i, c := range cases {
		if !slices.Equal(got[i].Tags, c.want) || !slices.Equal(got[i].ContractPartnerIDs, c.want) {
			t.Errorf("%q read as tags %q, contract_partner_ids %q; want %q", c.text, got[i].Tags, got[i].ContractPartnerIDs, c.want)
		}
	}
}

func readBookings(t *testing.T, rawDir string) []extract.Booking {
	t.Helper()
	rs, err := parquet.ReadFile[extract.Booking](filepath.Join(rawDir, "bookings", "bookings.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestBookingsBad runs the fixture: 32 bookings, 7 bad in six ways.
func TestBookingsBad(t *testing.T) {
	raw := t.TempDir()
	res := run(t, "../../fixtures/bookings-bad", raw)
	tr := tableResult(t, res, "bookings")
	if tr.RowsRead != 32 || tr.Accepted != 25 || tr.Rejected != 7 {
		t.Fatalf("bookings: read %d, accepted %d, rejected %d; want 32, 25, 7", tr.RowsRead, tr.Accepted, tr.Rejected)
	}
	if got := readBookings(t, raw); len(got) != 25 {
		t.Errorf("%d rows in bookings.parquet, want 25", len(got))
	}
	want := map[int64]string{4: "negative_tcv", 8: "unknown_partner", 14: "unknown_license_type", 18: "bad_date",
		22: "no_fx_rate", 27: "duplicate_key", 29: "duplicate_key"}
	rejects := readRejects(t, raw)
	if len(rejects) != 7 {
		t.Fatalf("%d rejects, want 7: %+v", len(rejects), rejects)
	}
	reasons := map[string]bool{}
	for i, r := range rejects {
		if r.Table != "bookings" || want[r.RowNumber] != r.Reason {
			t.Errorf("reject %+v, want reason %q", r, want[r.RowNumber])
		}
		if i > 0 && r.RowNumber <= rejects[i-1].RowNumber {
			t.Errorf("rejects not sorted by row: %d after %d", r.RowNumber, rejects[i-1].RowNumber)
		}
		reasons[r.Reason] = true
	}
	if len(reasons) != 6 {
		t.Errorf("%d distinct reasons, want 6: %v", len(reasons), reasons)
	}
	if tr.Format != "csv" || len(tr.SHA256) != 64 || tr.Output != filepath.Join(raw, "bookings", "bookings.parquet") {
		t.Errorf("bookings result %+v", tr)
	}
	var order []string
	for _, tr := range res.Tables {
		order = append(order, tr.Table)
	}
	if want := []string{"partners", "business_models", "requirements", "bookings", "oem_credits", "lifecycle_claims",
		"influence_claims", "capabilities", "fx_rates"}; !slices.Equal(order, want) {
		t.Errorf("tables in order %v, want %v", order, want)
	}
	if res.Rejects != 7 || res.RejectsFile != filepath.Join(raw, "rejects", "rejects.parquet") {
		t.Errorf("result %d rejects in %s", res.Rejects, res.RejectsFile)
	}
	// optional tables that are absent still land, empty
	for _, name := range []string{"oem_credits", "lifecycle_claims", "influence_claims", "capabilities"} {
		tr := tableResult(t, res, name)
		if tr.File != "" || tr.RowsRead != 0 {
			t.Errorf("%s: %+v, want absent", name, tr)
		}
		if _, err := os.Stat(filepath.Join(raw, name, name+".parquet")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// nothing left behind but the outputs
	var files []string
	filepath.WalkDir(raw, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(raw, p)
			files = append(files, rel)
		}
		return nil
	})
	if len(files) != 10 {
		t.Errorf("files in raw: %v, want 9 tables and rejects", files)
	}
}

// TestValidateOnly: without RawDir nothing is written, and the counts are
// those of a full run.
func TestValidateOnly(t *testing.T) {
	res := run(t, "../../fixtures/bookings-bad", "")
	tr := tableResult(t, res, "bookings")
	if tr.Accepted != 25 || tr.Rejected != 7 || tr.Reasons["duplicate_key"] != 2 || tr.Output != "" || res.RejectsFile != "" {
		t.Errorf("bookings: %+v", tr)
	}
}

func TestInputErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
		file   string // the file the error names
		column string
	}{
		{"missing required table", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "bookings.csv"))
		}, "bookings.csv", ""},
		{"missing required column", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bookings.csv"), "booking_id,partner_id,customer_id,solution,booked_on,license_type\nB1,P1,C1,vcf,2023-01-01,saas\n")
		}, "bookings.csv", "tcv"},
		{"missing required column in JSONL", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "partners.csv"))
			writeFile(t, filepath.Join(dir, "partners.jsonl"), "\n"+`{"partner_id":"P1","name":"One","enrolled_on":"2020-01-01"}`+"\n")
		}, "partners.jsonl", "country"},
		{"missing column of an optional table", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "fx_rates.csv"), "currency,valid_from\nEUR,2023-01-01\n")
		}, "fx_rates.csv", "usd_per_unit"},
		{"column named twice", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "requirements.csv"), "partner_id,requirement,completed_on,completed_on\n")
		}, "requirements.csv", "completed_on"},
		{"empty file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "business_models.csv"), "")
		}, "business_models.csv", ""},
		{"directory", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "bookings.csv"))
			os.Mkdir(filepath.Join(dir, "bookings.csv"), 0o755)
		}, "bookings.csv", ""},
		{"invalid parquet", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "bookings.csv"))
			writeFile(t, filepath.Join(dir, "bookings.parquet"), "PAR1 this is not parquet PAR1")
		}, "bookings.parquet", ""},
		{"two files for a table", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bookings.jsonl"), "")
		}, "bookings.csv", ""},
		{"unreadable file", func(t *testing.T, dir string) {
			if os.Getuid() == 0 {
				t.Skip("root reads anything")
			}
			os.Chmod(filepath.Join(dir, "partners.csv"), 0)
		}, "partners.csv", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeLanding(t, base(), "csv")
			c.change(t, dir)
			raw := t.TempDir()
			_, err := extract.Run(context.Background(), extract.Options{Input: dir, RawDir: raw, Rulebook: loadRulebook(t)})
			if !errors.Is(err, extract.ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
			var ie *extract.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %T, want *InputError", err)
			}
			if filepath.Base(ie.File) != c.file || ie.Column != c.column {
				t.Errorf("error names file %q column %q, want %q %q", ie.File, ie.Column, c.file, c.column)
			}
			if !strings.Contains(err.Error(), c.file) || c.column != "" && !strings.Contains(err.Error(), "column "+c.column) {
				t.Errorf("message %q should name %s and column %q", err, c.file, c.column)
			}
			entries, _ := os.ReadDir(raw)
			if len(entries) != 0 {
				t.Errorf("wrote %d entries before failing on the input", len(entries))
			}
		})
	}
}

// parquetBooking is a bookings.parquet as another system might write it:
// a DATE, a DECIMAL of another scale, an optional string, a LIST.
type parquetBooking struct {
	BookingID   string   `parquet:"booking_id"`
	PartnerID   string   `parquet:"partner_id"`
	CustomerID  string   `parquet:"customer_id"`
	Opportunity *string  `parquet:"opportunity_id,optional"`
	Solution    string   `parquet:"solution"`
	BookedOn    int32    `parquet:"booked_on,date"`
	TCV         int64    `parquet:"tcv,decimal(2:18)"`
	Currency    *string  `parquet:"currency,optional"`
	LicenseType string   `parquet:"license_type"`
	Tags        []string `parquet:"tags,list"`
	Quantity    int32    `parquet:"quantity"` // unknown: ignored
	Discounted  bool     `parquet:"discounted"`
}

// TestParquetInput reads a bookings.parquet and gets what the same rows as
// CSV give.
func TestParquetInput(t *testing.T) {
	str := func(s string) *string { return &s }
	d := func(s string) int32 { return int32(date.MustParse(s)) }
	in := []parquetBooking{
		{BookingID: "B1", PartnerID: "P1", CustomerID: "C1", Opportunity: str("O1"), Solution: "vcf", BookedOn: d("2023-03-01"), TCV: 100050, Currency: str("USD"), LicenseType: "subscription", Tags: []string{"new_logo", "x"}, Quantity: 3},
		{BookingID: "B2", PartnerID: "P2", CustomerID: "C2", Solution: "avi", BookedOn: d("2024-02-29"), TCV: 5, Currency: str("eur"), LicenseType: "saas"},
		{BookingID: "B3", PartnerID: "P1", CustomerID: "C3", Solution: "avi", BookedOn: d("2023-03-01"), TCV: -500, LicenseType: "saas"},
	}
	tables := base()
	tables["bookings"] = tbl("booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags",
		"B1,P1,C1,O1,vcf,2023-03-01,1000.50,USD,subscription,new_logo;x",
		"B2,P2,C2,,avi,2024-02-29,0.05,eur,saas,",
		"B3,P1,C3,,avi,2023-03-01,-5.00,,saas,")
	csvDir := writeLanding(t, tables, "csv")
	pqDir := writeLanding(t, tables, "csv")
	os.Remove(filepath.Join(pqDir, "bookings.csv"))
	if err := parquet.WriteFile(filepath.Join(pqDir, "bookings.parquet"), in); err != nil {
		t.Fatal(err)
	}
	csvRaw, pqRaw := t.TempDir(), t.TempDir()
	run(t, csvDir, csvRaw)
	res := run(t, pqDir, pqRaw)
	tr := tableResult(t, res, "bookings")
	if tr.Format != "parquet" || tr.Accepted != 2 || tr.Reasons["negative_tcv"] != 1 {
		t.Fatalf("bookings: %+v", tr)
	}
	want, got := readBookings(t, csvRaw), readBookings(t, pqRaw)
	if fmt.Sprintf("%+v", deref(want)) != fmt.Sprintf("%+v", deref(got)) {
		t.Errorf("parquet input gave\n%+v\nCSV gave\n%+v", deref(got), deref(want))
	}
	if got[1].Currency != "EUR" || got[1].TCV != 50000 || got[1].BookedOn != d("2024-02-29") || !slices.Equal(got[0].Tags, []string{"new_logo", "x"}) {
		t.Errorf("bookings %+v", deref(got))
	}
	r := readRejects(t, pqRaw)[0]
	var obj map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &obj); err != nil || obj["tcv"] != "-5.00" || obj["booked_on"] != "2023-03-01" || obj["quantity"] != "0" || obj["currency"] != nil {
		t.Errorf("raw %q (%v): want the row as JSON", r.Raw, err)
	}
}

// deref prints pointer fields by value, for comparing rows.
func deref(bs []extract.Booking) []string {
	var out []string
	for _, b := range bs {
		o, t := "<nil>", "<nil>"
		if b.OpportunityID != nil {
			o = *b.OpportunityID
		}
		if b.TerminatedOn != nil {
			t = date.Date(*b.TerminatedOn).String()
		}
		b.OpportunityID, b.TerminatedOn = nil, nil
		out = append(out, fmt.Sprintf("%+v opp=%s term=%s", b, o, t))
	}
	return out
}

// TestDeterministic: the same input twice gives byte-identical files, also
// when duplicates make the bookings file be rewritten.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	run(t, "../../fixtures/bookings-bad", a)
	run(t, "../../fixtures/bookings-bad", b)
	n := 0
	filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs (%v)", rel, err)
		}
		n++
		return nil
	})
	if n != 10 {
		t.Errorf("compared %d files, want 10", n)
	}
}

// TestManyRows streams more rows than a batch, with duplicates far apart,
// and checks the order and the counts.
func TestManyRows(t *testing.T) {
	dir := writeLanding(t, base(), "csv")
	var b strings.Builder
	b.WriteString("booking_id,partner_id,customer_id,solution,booked_on,tcv,license_type\n")
	const n = 10000
	for i := 1; i <= n; i++ {
		id := i
		if i == n {
			id = 7 // the last row repeats row 7's key
		}
		fmt.Fprintf(&b, "B%d,P%d,C%d,vcf,2023-03-01,%d.25,saas\n", id, 1+i%2, i, i)
	}
	writeFile(t, filepath.Join(dir, "bookings.csv"), b.String())
	raw := t.TempDir()
	tr := tableResult(t, run(t, dir, raw), "bookings")
	if tr.Accepted != n-2 || tr.Reasons["duplicate_key"] != 2 {
		t.Fatalf("bookings: %+v", tr)
	}
	got := readBookings(t, raw)
	for i, r := range got {
		if i > 0 && r.RowNumber <= got[i-1].RowNumber {
			t.Fatalf("rows out of order at %d", i)
		}
		if r.RowNumber == 7 || r.RowNumber == n {
			t.Errorf("duplicate row %d was landed", r.RowNumber)
		}
	}
	rejects := readRejects(t, raw)
	if len(rejects) != 2 || rejects[0].RowNumber != 7 || rejects[1].RowNumber != n || rejects[0].Raw != "B7,P2,C7,vcf,2023-03-01,7.25,saas" {
		t.Errorf("rejects %+v", rejects)
	}
}
