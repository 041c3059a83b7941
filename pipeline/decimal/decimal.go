// Package decimal reads plain decimal text ("1234.56", "-0.5") into a
// scaled integer, exactly: no binary floating point ever touches money.
package decimal

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Sentinel errors, refined with the offending text by Parse.
var (
	ErrSyntax    = errors.New("not a plain decimal number")
	ErrPrecision = errors.New("too many decimal places")
	ErrRange     = errors.New("out of range")
)

// Parse reads s as a decimal with at most scale fractional digits and
// returns it multiplied by 10^scale. It accepts an optional sign, digits, an
// optional point and fraction. It refuses exponents, thousands separators,
// NaN, infinities and surrounding spaces, so a value never changes meaning.
func Parse(s string, scale int) (int64, error) {
	if scale < 0 || scale > 18 {
		return 0, fmt.Errorf("decimal: scale %d: %w", scale, ErrRange)
	}
	body := s
	neg := false
	if body != "" && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	intPart, frac, _ := strings.Cut(body, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	// Trailing zeros past the scale change nothing: 1.500000000 is 1.5.
	frac = strings.TrimRight(frac, "0")
	if len(frac) > scale {
		return 0, fmt.Errorf("%q: more than %d decimal places: %w", s, scale, ErrPrecision)
	}
	var v uint64
	limit := uint64(math.MaxInt64)
	for _, part := range []string{intPart, frac + strings.Repeat("0", scale-len(frac))} {
		for i := 0; i < len(part); i++ {
			d := uint64(part[i] - '0')
			if v > (limit-d)/10 {
				return 0, fmt.Errorf("%q: %w", s, ErrRange)
			}
			v = v*10 + d
		}
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// Format writes a scaled integer back as decimal text with exactly scale
// fractional digits.
func Format(v int64, scale int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := fmt.Sprintf("%0*d", scale+1, u)
	out := s
	if scale > 0 {
		out = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		return "-" + out
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
