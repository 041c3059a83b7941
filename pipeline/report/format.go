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
