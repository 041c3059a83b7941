package decimal_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"tally/pipeline/decimal"
)

// FuzzParse: Parse never panics; what it accepts Format writes back as the
// same number (same sign, digits and value, to the scale's places) and
// that text parses to the same value; what it refuses wraps one of its
// sentinel errors. `go test` runs the seeds; `make fuzz` looks for more.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0", "1", "-1", "+1", "1234.56", "-0.5", ".5", "5.", "-.5", "0.000001", "1.0000001", "1.500000000",
		"00012.3400", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "922337203685.4775807",
		"", "-", "+", ".", "-.", "1,234.50", "1 234.50", "1.234,50", "1e3", "1E3", "0x10", "NaN", "nan", "Inf",
		"+Inf", "-Infinity", "Infinity", " 1", "1 ", "١٢٣", "1..2", "1.2.3", "--1", "+-1", "99999999999999999999",
	} {
		for _, scale := range []int{0, 2, 6, 9, 10, 18} {
			f.Add(s, scale)
		}
	}
	f.Add("1", -1)
	f.Add("1", 19)
	f.Fuzz(func(t *testing.T, s string, scale int) {
		v, err := decimal.Parse(s, scale)
		if err != nil {
			if !errors.Is(err, decimal.ErrSyntax) && !errors.Is(err, decimal.ErrPrecision) && !errors.Is(err, decimal.ErrRange) {
				t.Fatalf("Parse(%q, %d): %v wraps no sentinel", s, scale, err)
			}
			return
		}
		text := decimal.Format(v, scale)
		if canonical(text) != canonical(s) {
			t.Fatalf("Parse(%q, %d) = %d, written back as %q", s, scale, v, text)
		}
		if back, err := decimal.Parse(text, scale); err != nil || back != v {
			t.Fatalf("Format(%d, %d) = %q reads back as %d (%v)", v, scale, text, back, err)
		}
	})
}

// FuzzFormat: every scaled value but the one without a positive twin
// (math.MinInt64) is written as text that parses back to it.
func FuzzFormat(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 5, -5, 123456, math.MaxInt64, math.MinInt64 + 1, math.MinInt64} {
		for _, scale := range []int{0, 2, 6, 18} {
			f.Add(v, scale)
		}
	}
	f.Fuzz(func(t *testing.T, v int64, scale int) {
		if scale < 0 || scale > 18 || v == math.MinInt64 {
			return
		}
		text := decimal.Format(v, scale)
		back, err := decimal.Parse(text, scale)
		if err != nil || back != v {
			t.Fatalf("Format(%d, %d) = %q reads back as %d (%v)", v, scale, text, back, err)
		}
	})
}

// canonical is a plain decimal's text without a plus sign, leading zeros
// of the integer part or trailing zeros of the fraction ("-0" is "0").
func canonical(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	i, frac, _ := strings.Cut(s, ".")
	i = strings.TrimLeft(i, "0")
	frac = strings.TrimRight(frac, "0")
	if i == "" {
		i = "0"
	}
	out := i
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}
