package extract_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"tally/pipeline/extract"
)

// Bookings landed in partner buckets (Options.BucketAbove) are the bookings
// landed in one file, row for row, with the same results and rejects
// (a duplicate key whose first copy was already written, an unknown
// partner); each bucket holds the partners from the first partner_id its
// footer names up to the next bucket's. A landing in the other layout
// removes the files of the one before it, which readers of
// bookings/*.parquet would read too.
func TestBookingsInPartnerBuckets(t *testing.T) {
	tables := base()
	var partners []string
	for i := 1; i <= 20; i++ {
		partners = append(partners, fmt.Sprintf("P%d,Partner %d,US,false,2020-01-01,,", i, i))
	}
	tables["partners"] = tbl("partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level", partners...)
	r := rand.New(rand.NewPCG(3, 4))
	var bookings []string
	for i := 1; i <= 3000; i++ {
		id, partner := i, fmt.Sprintf("P%d", 1+r.IntN(20))
		switch i {
		case 2900:
			id = 10 // row 10's key again: row 10 is in a bucket already written
		case 2950:
			partner = "P99" // not a partner
		}
		bookings = append(bookings, fmt.Sprintf("B%d,%s,C%d,,vcf,2023-03-01,%d.25,USD,saas,,,booked,", id, partner, i%50, i))
	}
	tables["bookings"] = tbl("booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on", bookings...)
	in := writeLanding(t, tables, "csv")

	land := func(raw string, above, rows int64) *extract.Result {
		t.Helper()
		res, err := extract.Run(context.Background(), extract.Options{Input: in, RawDir: raw, Rulebook: loadRulebook(t), BucketAbove: above, BucketRows: rows})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	oneDir, bucketDir := t.TempDir(), t.TempDir()
	one := land(oneDir, 0, 0)
	land(bucketDir, 0, 0) // then buckets over it
	bucketed := land(bucketDir, 1, 500)

	files, _ := filepath.Glob(filepath.Join(bucketDir, "bookings", "*.parquet"))
	if len(files) < 4 || files[0] != filepath.Join(bucketDir, "bookings", extract.BucketFile("bookings", 0)) {
		t.Fatalf("bookings files %v, want buckets (bookings.parquet removed)", files)
	}
	if !reflect.DeepEqual(outputsIn(one.Tables, oneDir), outputsIn(bucketed.Tables, bucketDir)) {
		t.Errorf("results differ:\none file %+v\nbuckets  %+v", one.Tables, bucketed.Tables)
	}
	if got, want := readRejects(t, bucketDir), readRejects(t, oneDir); !reflect.DeepEqual(got, want) || len(got) != 3 {
		t.Errorf("rejects in buckets %+v, in one file %+v (want 3: the unknown partner and both copies of B10)", got, want)
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list := "['" + strings.Join(files, "', '") + "']"
	rowsOf := func(src string) []string {
		t.Helper()
		rs, err := db.Query("SELECT COLUMNS(*)::VARCHAR FROM " + src + " ORDER BY row_number")
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		cols, _ := rs.Columns()
		var out []string
		for rs.Next() {
			v := make([]sql.NullString, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rs.Scan(p...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	want := rowsOf("read_parquet('" + filepath.Join(oneDir, "bookings", "bookings.parquet") + "')")
	if got := rowsOf("read_parquet(" + list + ")"); !slices.Equal(got, want) || len(want) != 2997 {
		t.Errorf("buckets hold %d rows, one file %d (want 2997), or other rows", len(got), len(want))
	}

	// Each bucket: its first partner in the footer, above the bucket's
	// before it, and every row at or above it and below the next one's.
	var bad int
	q := `WITH f AS (SELECT file_name, decode(value) AS first,
	                        lead(decode(value)) OVER (ORDER BY file_name) AS next
	                 FROM parquet_kv_metadata(` + list + `) WHERE decode(key) = '` + extract.FirstPartnerKey + `')
	      SELECT count(*) FROM read_parquet(` + list + `, filename = true) b JOIN f ON f.file_name = b.filename
	      WHERE b.partner_id < f.first OR b.partner_id >= coalesce(f.next, chr(1114111))`
	if err := db.QueryRow(q).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	var firsts int
	if err := db.QueryRow(`SELECT count(DISTINCT decode(value)) FROM parquet_kv_metadata(` + list + `) WHERE decode(key) = '` + extract.FirstPartnerKey + `'`).Scan(&firsts); err != nil {
		t.Fatal(err)
	}
	if bad > 0 || firsts != len(files) {
		t.Errorf("%d rows outside their bucket; %d distinct first partners for %d buckets", bad, firsts, len(files))
	}

	// One file again over the buckets: they are removed.
	land(bucketDir, 0, 0)
	if files, _ := filepath.Glob(filepath.Join(bucketDir, "bookings", "*.parquet")); len(files) != 1 {
		t.Errorf("after a landing in one file: %v", files)
	}
	if _, err := os.Stat(filepath.Join(bucketDir, "bookings", "bookings.parquet")); err != nil {
		t.Error(err)
	}
}

// outputsIn is the tables' results with each output relative to raw, and
// the bookings' output as a landing in one file names it: the one thing
// that differs.
func outputsIn(tables []extract.TableResult, raw string) []extract.TableResult {
	out := slices.Clone(tables)
	for i := range out {
		out[i].Output = strings.TrimPrefix(out[i].Output, raw)
		if out[i].Table == "bookings" {
			out[i].Output = strings.Replace(out[i].Output, "bookings-*.parquet", "bookings.parquet", 1)
		}
	}
	return out
}
