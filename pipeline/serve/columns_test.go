package serve

import (
	"fmt"
	"slices"
	"testing"

	"tally/pipeline/lake"
)

// roundTrip adds values (nil = NULL) to a column of type typ and checks that
// each reads back as it went in; it returns the column.
func roundTrip(t *testing.T, typ string, values []*string) *column {
	t.Helper()
	c := newColumn(typ)
	for i, v := range values {
		if v == nil {
			c.add(lake.Value{Null: true}, i)
		} else {
			c.add(lake.Value{Text: *v}, i)
		}
	}
	c.done()
	for i, want := range values {
		got := c.get(i)
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Fatalf("%s row %d: %v, want %v", typ, i, strp(got), strp(want))
		}
	}
	return c
}

func strp(p *string) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *p)
}

func sp(s string) *string { return &s }

// TestColumnForms: a column keeps every value and NULL as it came, in each
// of its forms, and changes form as its values require.
func TestColumnForms(t *testing.T) {
	// A few distinct values: a one-byte dictionary.
	few := []*string{sp("booking"), nil, sp("lifecycle"), sp("booking"), sp("")}
	if c := roundTrip(t, "VARCHAR", few); c.kind != dict8 {
		t.Errorf("few values: kind %d, want dict8", c.kind)
	}
	// More than 255: two bytes.
	var dates []*string
	for i := range 400 {
		dates = append(dates, sp(fmt.Sprintf("2026-%02d-%02d", i%12+1, i%28+1)+fmt.Sprint(i)))
		if i%50 == 0 {
			dates = append(dates, nil)
		}
	}
	if c := roundTrip(t, "DATE", dates); c.kind != dict16 {
		t.Errorf("400 values: kind %d, want dict16", c.kind)
	}
	// More than maxDict: packed text, a repeated neighbour shared.
	var ids []*string
	for i := range maxDict + 100 {
		ids = append(ids, sp(fmt.Sprintf("B%08d", i)), sp(fmt.Sprintf("B%08d", i)))
		if i%1000 == 0 {
			ids = append(ids, nil)
		}
	}
	c := roundTrip(t, "VARCHAR", ids)
	if c.kind != packed || len(c.start) != maxDict+100 {
		t.Errorf("ids: kind %d, %d values held, want packed and %d", c.kind, len(c.start), maxDict+100)
	}
	// DECIMAL: fixed-point numbers, printed back with the type's scale.
	dec := []*string{sp("46.23"), nil, sp("-0.50"), sp("0.00"), sp("123456789012.99")}
	if c := roundTrip(t, "DECIMAL(18,2)", dec); c.kind != fixed {
		t.Errorf("DECIMAL(18,2): kind %d, want fixed", c.kind)
	}
	// A value that would not print back as it came: the column turns to
	// text, earlier values kept.
	odd := []*string{sp("46.23"), sp("1.5"), nil, sp("7.00")}
	if c := roundTrip(t, "DECIMAL(18,2)", odd); c.kind != packed {
		t.Errorf("odd decimal text: kind %d, want packed", c.kind)
	}
	// Wider than 18 digits: not fixed-point.
	if c := roundTrip(t, "DECIMAL(38,2)", dec); c.kind == fixed {
		t.Error("DECIMAL(38,2) held as 64-bit numbers")
	}
}

// TestColumnHundredths: a number column's values as hundredths, whatever
// its scale.
func TestColumnHundredths(t *testing.T) {
	for _, tc := range []struct {
		typ, v string
		want   int64
	}{
		{"DECIMAL(18,2)", "46.23", 4623},
		{"DECIMAL(18,6)", "46231.190000", 4623119},
		{"DECIMAL(18,0)", "-12", -1200},
		{"VARCHAR", "3.5", 350},
	} {
		c := newColumn(tc.typ)
		c.add(lake.Value{Text: tc.v}, 0)
		c.add(lake.Value{Null: true}, 1)
		if got := c.hundredths(0); got != tc.want {
			t.Errorf("%s %s: %d hundredths, want %d", tc.typ, tc.v, got, tc.want)
		}
		if got := c.hundredths(1); got != 0 {
			t.Errorf("%s NULL: %d", tc.typ, got)
		}
	}
}

// TestTableGroup: each partner's rows, whether they came grouped by
// partner or not; rows of no partner are left out.
func TestTableGroup(t *testing.T) {
	cols := []lake.Column{{Name: "partner_id", Type: "VARCHAR"}, {Name: "v", Type: "VARCHAR"}}
	for _, tc := range []struct {
		name    string
		owner   []int32
		ordered bool
	}{
		{"grouped", []int32{0, 0, 1, 3, 3, 3}, true},
		{"interleaved", []int32{1, 0, 3, 0, 3, 1}, false},
		{"with a stranger", []int32{0, -1, 1, 1}, false},
	} {
		tb := newTable(cols, 0, len(tc.owner))
		for i, p := range tc.owner {
			tb.add([]lake.Value{{Text: fmt.Sprint(p)}, {Text: fmt.Sprint(i)}}, 0)
		}
		tb.done()
		tb.group(tc.owner, 4)
		if (tb.order == nil) != tc.ordered {
			t.Errorf("%s: order %v", tc.name, tb.order)
		}
		for p := range 4 {
			var want []int
			for i, o := range tc.owner {
				if int(o) == p {
					want = append(want, i)
				}
			}
			got := tb.rows(p)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: partner %d rows %v, want %v", tc.name, p, got, want)
			}
			for _, i := range got {
				if r := tb.record(i); str(r["v"]) != fmt.Sprint(i) || len(r) != 1 {
					t.Errorf("%s: row %d is %v", tc.name, i, r)
				}
			}
		}
	}
}
