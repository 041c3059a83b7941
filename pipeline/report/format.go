package report

import (
	"strings"

	"tally/pipeline/chart"
	"tally/pipeline/decimal"
)

// groupDigits puts thousands separators into plain decimal text, as the
// charts' axes do.
func groupDigits(s string) string { return chart.GroupDigits(s) }

// points reads a DECIMAL(18,2) value as printed by DuckDB into hundredths.
// Text with more places (a rulebook threshold) is rounded toward zero,
// which never happens for the values tally writes.
func points(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		frac = frac[:2]
	}
	v, err := decimal.Parse(whole+"."+frac+strings.Repeat("0", 2-len(frac)), 2)
	if err != nil {
		return 0, false
	}
	return v, true
}

// formatPoints prints hundredths as decimal text with two places.
func formatPoints(v int64) string { return decimal.Format(v, 2) }

// float reads decimal text for charts only; every figure printed comes from
// the text itself.
func float(s string) float64 {
	v, ok := points(s)
	if !ok {
		return 0
	}
	return float64(v) / 100
}

// formatMoney prints a dollar amount as decimal text rounded half away
// from zero to whole dollars, grouped: "$1,234,567", "-$1,235". Text that
// is not a number is returned as it is.
func formatMoney(s string) string {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return s
	}
	if frac != "" && frac[0] >= '5' {
		whole = increment(whole)
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return "$0"
	}
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + "$" + groupDigits(whole)
}

// increment adds one to a string of decimal digits.
func increment(digits string) string {
	b := []byte(digits)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// formatPercent prints a percentage with its sign: "+12.5%", "-3.0%".
func formatPercent(s string) string {
	if s == "" || strings.HasPrefix(s, "-") {
		return s + "%"
	}
	return "+" + s + "%"
}

// cellText is how a cell of a kind shows on the page; "–" for null.
func cellText(v string, k Kind) string {
	switch {
	case v == "":
		return "–"
	case k == Money:
		return formatMoney(v)
	case k == Percent:
		return formatPercent(v)
	case k.Numeric():
		return groupDigits(v)
	}
	return v
}

// roundCents rounds decimal text half away from zero to two places
// ("538169.875000" -> "538169.88"); other text is returned as it is.
func roundCents(s string) string {
	sign, digits := "", s
	if strings.HasPrefix(s, "-") {
		sign, digits = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return s
	}
	frac += "00"
	cents := whole + frac[:2]
	if len(frac) > 2 && frac[2] >= '5' {
		cents = increment(cents)
	}
	w := strings.TrimLeft(cents[:len(cents)-2], "0")
	if w == "" {
		w = "0"
	}
	return sign + w + "." + cents[len(cents)-2:]
}
