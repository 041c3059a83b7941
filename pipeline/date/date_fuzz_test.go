package date_test

import (
	"errors"
	"testing"
	"time"

	"tally/pipeline/date"
)

// FuzzParse: Parse never panics; what it accepts is a real day between
// Min and Max that prints back as the very text it was read from (so no
// two texts mean the same day); what it refuses wraps ErrFormat. `go test`
// runs the seeds; `make fuzz` looks for more.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2024-02-29", "2023-02-29", "2023-02-01", "0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01",
		"2023/02/01", "01-02-2023", "2023-2-1", "2023-02-1", " 2023-02-01", "2023-02-01 ", "2023-02-01T00:00:00Z",
		"20230201", "2023-13-01", "2023-00-10", "2023-04-31", "1900-02-29", "2000-02-29", "+023-02-01", "-023-02-01",
		"2023-0a-01", "２０２３-02-01", "", "2023-02-", "1970-01-01", "1969-12-31",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := date.Parse(s)
		if err != nil {
			if !errors.Is(err, date.ErrFormat) {
				t.Fatalf("Parse(%q): %v does not wrap ErrFormat", s, err)
			}
			return
		}
		if d < date.Min || d > date.Max {
			t.Fatalf("Parse(%q) = %d, outside Min..Max", s, d)
		}
		if got := d.String(); got != s {
			t.Fatalf("Parse(%q) prints back as %q", s, got)
		}
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil || date.FromTime(tm) != d {
			t.Fatalf("Parse(%q) = %s; time.Parse says %v, %v", s, d, tm, err)
		}
	})
}

// FuzzString: every day from Min to Max prints as YYYY-MM-DD and reads
// back as itself.
func FuzzString(f *testing.F) {
	for _, d := range []int32{0, -1, 1, int32(date.Min), int32(date.Max), 19417, 11016, -719162 + 59} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, n int32) {
		d := date.Date(n)
		if d < date.Min || d > date.Max {
			return
		}
		back, err := date.Parse(d.String())
		if err != nil || back != d {
			t.Fatalf("%d prints as %q, which reads back as %d (%v)", n, d.String(), back, err)
		}
	})
}
