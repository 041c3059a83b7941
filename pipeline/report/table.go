package report

import (
	"slices"
	"strings"

	"tally/pipeline/lake"
)

// Kind is how a column's values are shown on the page; the CSV holds the
// value as the lake prints it (money rounded to cents by the query).
type Kind uint8

const (
	Text    Kind = iota
	Count        // an integer: 1,234
	Points       // DECIMAL(18,2): 1,234.56
	Money        // US dollars: $1,234,567 (whole dollars on the page)
	Percent      // a percentage with one decimal and its sign: +12.5%
	ByRow        // a number of the kind its row says (Table.RowKinds)
)

// Numeric tells whether the kind is a number, right-aligned on the page
// and never neutralised in a CSV.
func (k Kind) Numeric() bool { return k != Text }

// Table is rows of text as the lake prints them ("" for null).
type Table struct {
	Columns  []string
	Kinds    []Kind
	Rows     [][]string
	RowKinds []Kind // the kind of each row's ByRow cells
}

// cellKind is the kind of row r's column i.
func (t *Table) cellKind(r, i int) Kind {
	k := t.kind(i)
	if k == ByRow {
		if r < len(t.RowKinds) {
			return t.RowKinds[r]
		}
		return Points
	}
	return k
}

// kind is column i's kind (Text past the end).
func (t *Table) kind(i int) Kind {
	if i < len(t.Kinds) {
		return t.Kinds[i]
	}
	return Text
}

// setKind sets the kind of the named columns.
func (t *Table) setKind(k Kind, names ...string) {
	for len(t.Kinds) < len(t.Columns) {
		t.Kinds = append(t.Kinds, Text)
	}
	for _, n := range names {
		if i := slices.Index(t.Columns, n); i >= 0 {
			t.Kinds[i] = k
		}
	}
}

// fromResult makes a table of a query's result: integers are counts,
// decimals points (setKind marks the money columns).
func fromResult(r *lake.Result) Table {
	t := Table{Columns: r.Names(), Kinds: make([]Kind, len(r.Columns))}
	for i, c := range r.Columns {
		switch typ, _, _ := strings.Cut(c.Type, "("); {
		case typ == "DECIMAL" || typ == "DOUBLE" || typ == "FLOAT":
			t.Kinds[i] = Points
		case lake.IsNumber(c.Type):
			t.Kinds[i] = Count
		}
	}
	for _, row := range r.Rows {
		out := make([]string, len(row))
		for i, v := range row {
			out[i] = v.Text
		}
		t.Rows = append(t.Rows, out)
	}
	return t
}

// withNames puts a partner_name column after partner_id, from the
// snapshot's partners input; a table without partner_id is unchanged.
func (t *Table) withNames(names map[string]string) {
	at := slices.Index(t.Columns, "partner_id")
	if at < 0 || names == nil {
		return
	}
	for len(t.Kinds) < len(t.Columns) {
		t.Kinds = append(t.Kinds, Text)
	}
	t.Columns = slices.Insert(t.Columns, at+1, "partner_name")
	t.Kinds = slices.Insert(t.Kinds, at+1, Text)
	for i, row := range t.Rows {
		t.Rows[i] = slices.Insert(row, at+1, names[row[at]])
	}
}

// formulaStart is what makes a spreadsheet read a cell as a formula (or,
// for tab and carriage return, what some read before one).
const formulaStart = "=+-@\t\r"

// csvCell neutralises a text cell that a spreadsheet would run as a
// formula by putting an apostrophe before it (OWASP's advice for CSV
// injection); numbers, negative ones included, are written as they are.
func csvCell(v string, k Kind) string {
	if k.Numeric() || v == "" || !strings.ContainsRune(formulaStart, rune(v[0])) {
		return v
	}
	return "'" + v
}
