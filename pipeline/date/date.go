// Package date is the calendar date of the program: a day with no time of
// day and no zone, stored as days since 1970-01-01 (the Parquet DATE form).
package date

import (
	"errors"
	"fmt"
	"time"
)

// Date is a calendar day counted from 1970-01-01 (day 0).
type Date int32

// ErrFormat is returned for text that is not a YYYY-MM-DD calendar date.
var ErrFormat = errors.New("not a YYYY-MM-DD date")

// Min and Max bound the dates tally accepts: years 1 to 9999.
const (
	Min Date = -719162 // 0001-01-01
	Max Date = 2932896 // 9999-12-31
)

// Parse reads exactly YYYY-MM-DD and refuses impossible days (2023-02-30).
func Parse(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("%q: %w", s, ErrFormat)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%q: %w", s, ErrFormat)
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, fmt.Errorf("%q: no such day: %w", s, ErrFormat)
	}
	return Of(y, time.Month(m), d), nil
}

// MustParse is Parse for literals in tests and examples; it panics on bad text.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Of is the date of a year, month and day; out-of-range days normalise the
// way time.Date does.
func Of(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(t.Unix() / 86400)
}

// FromTime is the calendar date of t in t's own location.
func FromTime(t time.Time) Date {
	return Of(t.Year(), t.Month(), t.Day())
}

// Time is midnight UTC of the day.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String is YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

// AddDays moves n days on (or back when n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths moves n calendar months on; a day past the end of the target
// month is clamped to its last day (2024-02-29 + 12 months = 2025-02-28).
func (d Date) AddMonths(n int) Date {
	t := d.Time()
	y, m := t.Year(), int(t.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	day := t.Day()
	if last := daysIn(y, m+1); day > last {
		day = last
	}
	return Of(y, time.Month(m+1), day)
}

// AddYears moves n calendar years on, clamping 29 February.
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// MarshalText writes YYYY-MM-DD, so dates read well in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
