package extract_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

// The other tables of a fuzzed landing directory: two partners, an EUR rate.
var fuzzBase = map[string]string{
	"partners.csv":        "partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level\nP1,One,US,false,2016-03-01,,\nP2,Two,GB,true,2019-05-14,,\n",
	"business_models.csv": "partner_id,business_model,registered_on,ended_on\nP1,solution_reseller,2016-03-01,\n",
	"requirements.csv":    "partner_id,requirement,completed_on,expires_on\nP1,partner_agreement,2020-01-01,\n",
	"fx_rates.csv":        "currency,valid_from,usd_per_unit\nEUR,2021-01-01,1.22\n",
}

// fuzzSeeds adds the bookings files of the repository's fixtures that have
// the extension ext, and the given texts.
func fuzzSeeds(f *testing.F, ext string, texts ...string) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "*", "bookings"+ext))
	more, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "bad", "*", "bookings"+ext))
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	for _, s := range texts {
		f.Add([]byte(s))
	}
}

// FuzzCSVRows lands a fuzzed bookings.csv: extract never panics, fails only
// with ErrInput, and otherwise reads every record of the file (as
// encoding/csv counts them) and accepts or rejects each one, the accepted
// ones in bookings.parquet and the rejected ones in rejects.parquet.
// `go test` runs the seeds; `make fuzz` looks for more.
func FuzzCSVRows(f *testing.F) {
	const h = "booking_id,partner_id,customer_id,solution,booked_on,tcv,license_type,currency,tags,status,terminated_on\n"
	fuzzSeeds(f, ".csv",
		h, h+"B1,P1,C1,vcf,2023-03-01,10,saas,,,,\n", h+"B1,P1,C1,vcf,2023-03-01,10,saas,,,,\nB1,P1,C1,vcf,2023-03-01,10,saas,,,,\n",
		h+"B1,P1,C1,vcf,2023-03-01,10,saas,EUR,a;b,vendor_terminated,2023-04-01\r\n", h+"\"B1\nx\",P1,C1,vcf,2023-03-01,10,saas\n",
		h+"B1,P1,\"C1,vcf,2023-03-01,10,saas\n", h+"B1,P1,C1\n\n\nB2,P2,C2,vcf,2023-03-01,1e3,term,,,,\n", "\xef\xbb\xbf"+h+"B1,P9,C1,vcf,2023-03-01,-1,x,,,,\n",
		"a,b\n1,2\n", "", "\"", h+"B1,P1,C1,vcf,2023-03-01,10,saas,,,booked,\xff\n")
	input, raw := fuzzLanding(f)
	rb := loadRulebook(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		landRows(t, rb, input, raw, "bookings.csv", data, csvRecords)
	})
}

// FuzzJSONLRows is FuzzCSVRows for a bookings.jsonl: every line that is
// not blank is a row, accepted or rejected.
func FuzzJSONLRows(f *testing.F) {
	const ok = `{"booking_id":"B1","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":"2023-03-01","tcv":"10.5","license_type":"saas"}`
	fuzzSeeds(f, ".jsonl",
		ok+"\n", ok+"\n"+ok+"\n", ok+"\r\n\r\n  \n"+`{"booking_id":2}`, "\xef\xbb\xbf"+ok, ok+"\n[1,2]\n{\n", `{"booking_id":"B1"}`,
		ok+"\n"+`{"booking_id":"B2","partner_id":"P2","customer_id":"C","solution":"s","booked_on":20230301,"tcv":1e2,"license_type":"saas","tags":"x"}`,
		ok+"\n"+`{"booking_id":"B3","partner_id":"P1","customer_id":{"a":[1]},"solution":"s","booked_on":"2023-03-01","tcv":"1","license_type":"saas","tags":[1,null,"y"]}`,
		"", "\n", "null\n", ok[:40])
	input, raw := fuzzLanding(f)
	rb := loadRulebook(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		landRows(t, rb, input, raw, "bookings.jsonl", data, jsonlRows)
	})
}

// fuzzLanding writes fuzzBase into a landing directory that the inputs of
// one fuzz target share (they run one at a time), so an input costs one
// file written rather than a directory tree.
func fuzzLanding(f *testing.F) (input, raw string) {
	dir := f.TempDir()
	input = filepath.Join(dir, "landing")
	if err := os.Mkdir(input, 0o755); err != nil {
		f.Fatal(err)
	}
	for n, content := range fuzzBase {
		if err := os.WriteFile(filepath.Join(input, n), []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	return input, filepath.Join(dir, "raw")
}

// landRows lands the fuzzed file next to fuzzBase and checks that every
// row is accounted for.
func landRows(t *testing.T, rb *rulebook.Rulebook, input, raw, name string, data []byte, count func([]byte) int64) {
	if err := os.WriteFile(filepath.Join(input, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := extract.Run(context.Background(), extract.Options{Input: input, RawDir: raw, Rulebook: rb})
	if err != nil {
		if !errors.Is(err, extract.ErrInput) {
			t.Fatalf("an error that is not ErrInput: %v", err)
		}
		return
	}
	var rejected int64
	for _, tr := range res.Tables {
		var reasons int64
		for _, n := range tr.Reasons {
			reasons += n
		}
		if tr.RowsRead != tr.Accepted+tr.Rejected || reasons != tr.Rejected {
			t.Fatalf("%s: read %d, accepted %d, rejected %d, reasons %v", tr.Table, tr.RowsRead, tr.Accepted, tr.Rejected, tr.Reasons)
		}
		rejected += tr.Rejected
		if tr.Table == "bookings" {
			if want := count(data); tr.RowsRead != want {
				t.Fatalf("bookings: %d rows read, the file holds %d", tr.RowsRead, want)
			}
			rows, err := parquet.ReadFile[extract.Booking](tr.Output)
			if err != nil || int64(len(rows)) != tr.Accepted {
				t.Fatalf("bookings.parquet: %d rows (%v), %d accepted", len(rows), err, tr.Accepted)
			}
		}
	}
	rejects, err := parquet.ReadFile[extract.Reject](res.RejectsFile)
	if err != nil || int64(len(rejects)) != rejected {
		t.Fatalf("rejects.parquet: %d rows (%v), %d rejected", len(rejects), err, rejected)
	}
}

// csvRecords counts the records after the header as encoding/csv reads
// them, a record it cannot parse included.
func csvRecords(data []byte) int64 {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	var n int64
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return max(n-1, 0)
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return -1
		}
		n++
	}
}

// jsonlRows counts the lines that are not blank.
func jsonlRows(data []byte) int64 {
	s := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	s.Buffer(nil, len(data)+1)
	var n int64
	for s.Scan() {
		if len(bytes.TrimSpace(s.Bytes())) > 0 {
			n++
		}
	}
	return n
}
