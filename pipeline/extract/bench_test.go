package extract_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"tally/pipeline/extract"
)

// BenchmarkExtractBookings lands a synthetic landing directory with 200,000
// bookings (about 17 MB of CSV):
//
//	go test -run '^$' -bench ExtractBookings -benchtime 5x ./pipeline/extract/
func BenchmarkExtractBookings(b *testing.B) {
	const partners, bookings = 2000, 200_000
	dir := b.TempDir()
	write := func(name string, fill func(w *bufio.Writer)) int64 {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fill(w)
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		f.Close()
		return fi.Size()
	}
	write("partners.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level")
		for i := range partners {
			fmt.Fprintf(w, "P%05d,Partner %d,US,false,2020-01-01,,\n", i, i)
		}
	})
	write("business_models.csv", func(w *bufio.Writer) { fmt.Fprintln(w, "partner_id,business_model,registered_on,ended_on") })
	write("requirements.csv", func(w *bufio.Writer) { fmt.Fprintln(w, "partner_id,requirement,completed_on,expires_on") })
	write("fx_rates.csv", func(w *bufio.Writer) {
		fmt.Fprint(w, "currency,valid_from,usd_per_unit\nEUR,2020-01-01,1.08\nGBP,2020-01-01,1.25\n")
	})
	r := rand.New(rand.NewPCG(1, 2))
	licenses := []string{"subscription", "saas", "term", "perpetual"}
	currencies := []string{"USD", "USD", "EUR", "GBP"}
	size := write("bookings.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on")
		for i := range bookings {
			tags := ""
			if i%7 == 0 {
				tags = "new_logo"
			}
			fmt.Fprintf(w, "B%08d,P%05d,C%06d,OPP-%d,vcf,2023-%02d-%02d,%d.%02d,%s,%s,%s,,booked,\n",
				i, r.IntN(partners), r.IntN(100000), i, 1+r.IntN(12), 1+r.IntN(28), 100+r.IntN(1000000), r.IntN(100),
				currencies[i%4], licenses[i%4], tags)
		}
	})
	rb := loadRulebook(b)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		res, err := extract.Run(context.Background(), extract.Options{Input: dir, RawDir: b.TempDir(), Rulebook: rb})
		if err != nil {
			b.Fatal(err)
		}
		if res.Tables[3].Accepted != bookings {
			b.Fatalf("bookings: %+v", res.Tables[3])
		}
	}
	b.ReportMetric(float64(bookings*b.N)/b.Elapsed().Seconds(), "rows/s")
}
