package report

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

func TestFormatMoney(t *testing.T) {
	for in, want := range map[string]string{
		"53348980.254150": "$53,348,980",
		"1234567.5":       "$1,234,568",
		"999.5":           "$1,000",
		"0.4":             "$0",
		"0":               "$0",
		"-1234.99":        "-$1,235",
		"12":              "$12",
		"abc":             "abc",
	} {
		if got := formatMoney(in); got != want {
			t.Errorf("formatMoney(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct {
		v    string
		k    Kind
		want string
	}{
		{"1234.50", Points, "1,234.50"},
		{"-13601.73", Points, "-13,601.73"},
		{"139", Count, "139"},
		{"12.5", Percent, "+12.5%"},
		{"-3.0", Percent, "-3.0%"},
		{"", Money, "–"},
		{"P001", Text, "P001"},
	} {
		if got := cellText(c.v, c.k); got != c.want {
			t.Errorf("cellText(%q, %d) = %q, want %q", c.v, c.k, got, c.want)
		}
	}
}

// TestCSVCellNeutralisesFormulas: a text cell a spreadsheet would run as a
// formula starts with an apostrophe; numbers, negative ones included, and
// other text are unchanged.
func TestCSVCellNeutralisesFormulas(t *testing.T) {
	for _, c := range []struct {
		v    string
		k    Kind
		want string
	}{
		{"=HYPERLINK(\"http://x\")", Text, "'=HYPERLINK(\"http://x\")"},
		{"+1+1", Text, "'+1+1"},
		{"-2+3", Text, "'-2+3"},
		{"@SUM(A1)", Text, "'@SUM(A1)"},
		{"\tx", Text, "'\tx"},
		{"-13601.73", Points, "-13601.73"},
		{"-5", Count, "-5"},
		{"-1234.50", Money, "-1234.50"},
		{"P001", Text, "P001"},
		{"", Text, ""},
	} {
		if got := csvCell(c.v, c.k); got != c.want {
			t.Errorf("csvCell(%q, %d) = %q, want %q", c.v, c.k, got, c.want)
		}
	}
}

// TestSectionCSVNeutralisesTextCells: a section's CSV file prefixes the
// text cells a spreadsheet would run (a partner named "=cmd|...") and
// keeps negative points and money as numbers.
func TestSectionCSVNeutralisesTextCells(t *testing.T) {
	s := &Section{ID: "x", Table: Table{
		Columns: []string{"partner_id", "partner_name", "points", "tcv_usd"},
		Kinds:   []Kind{Text, Text, Points, Money},
		Rows: [][]string{
			{"P1", "=cmd|' /C calc'!A0", "-200.00", "-1234.50"},
			{"@P2", "-x", "5.00", ""},
			{"P3", "Plain Name", "0.00", "10.00"},
		},
	}}
	var b strings.Builder
	if err := s.CSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"partner_id", "partner_name", "points", "tcv_usd"},
		{"P1", "'=cmd|' /C calc'!A0", "-200.00", "-1234.50"},
		{"'@P2", "'-x", "5.00", ""},
		{"P3", "Plain Name", "0.00", "10.00"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("CSV rows\n%q\nwant\n%q", rows, want)
	}
}

func TestRoundCents(t *testing.T) {
	for in, want := range map[string]string{
		"538169.870000": "538169.87",
		"538169.875000": "538169.88",
		"99.995":        "100.00",
		"12":            "12.00",
		"-1.005":        "-1.01",
		"x":             "x",
		"0.5":           "0.50",
	} {
		if got := roundCents(in); got != want {
			t.Errorf("roundCents(%q) = %q, want %q", in, got, want)
		}
	}
}
