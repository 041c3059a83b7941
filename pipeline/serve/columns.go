package serve

import (
	"math"
	"strconv"
	"strings"

	"tally/pipeline/decimal"
	"tally/pipeline/lake"
)

// table holds the rows of one published table in memory, column by
// column, each column in the narrowest of three forms: a dictionary of
// its values (dates, levels, sources, rule ids: one or two bytes a row),
// fixed-point numbers (DECIMAL columns: eight bytes a row), or its text
// packed in one byte slice (ids: four bytes a row and the bytes of each
// value that differs from the row before). Few pointers, so the garbage
// collector has little to scan, and no per-row allocation.
//
// Each partner's rows are found through first: rows[first[i]:first[i+1]]
// of the partner at index i of the dataset (by way of order, when the
// table did not come grouped by partner).
type table struct {
	names []string
	cols  []*column
	n     int
	first []int32  // by partner index, len(partners)+1
	order []uint32 // row numbers grouped by partner; nil when the rows are
}

// newTable makes a table of the columns cs but skip (-1: none), for about
// rows rows.
func newTable(cs []lake.Column, skip, rows int) *table {
	t := &table{}
	for i, c := range cs {
		if i == skip {
			continue
		}
		t.names = append(t.names, c.Name)
		col := newColumn(c.Type)
		col.hint = rows
		t.cols = append(t.cols, col)
	}
	return t
}

// done drops what only loading needed.
func (t *table) done() {
	for _, c := range t.cols {
		c.done()
	}
}

// add appends a row, without the column skip (-1: none).
func (t *table) add(r []lake.Value, skip int) {
	j := 0
	for i, v := range r {
		if i == skip {
			continue
		}
		t.cols[j].add(v, t.n)
		j++
	}
	t.n++
}

func (t *table) col(name string) int {
	for i, n := range t.names {
		if n == name {
			return i
		}
	}
	return -1
}

// get is row i's value of column j; nil for NULL.
func (t *table) get(i, j int) *string {
	if j < 0 {
		return nil
	}
	return t.cols[j].get(i)
}

// text is row i's value of the named column, "" for NULL.
func (t *table) text(i int, name string) string { return str(t.get(i, t.col(name))) }

// rows lists the row numbers of partner p.
func (t *table) rows(p int) []int {
	if t == nil || t.first == nil {
		return nil
	}
	a, b := int(t.first[p]), int(t.first[p+1])
	out := make([]int, 0, b-a)
	for i := a; i < b; i++ {
		if t.order != nil {
			out = append(out, int(t.order[i]))
		} else {
			out = append(out, i)
		}
	}
	return out
}

// record is row i as a record.
func (t *table) record(i int) record {
	rec := make(record, len(t.names))
	for j, n := range t.names {
		rec[n] = t.get(i, j)
	}
	return rec
}

func (t *table) records(p int) []record {
	var out []record
	for _, i := range t.rows(p) {
		out = append(out, t.record(i))
	}
	return out
}

// group finds each partner's rows from owner, the partner index of each
// row (-1: a partner not shown), in row order.
func (t *table) group(owner []int32, partners int) {
	t.first = make([]int32, partners+1)
	grouped := true
	last := int32(-1)
	for _, p := range owner {
		if p < 0 {
			grouped = false // rows of no partner sit between partners' rows
			continue
		}
		if p < last {
			grouped = false
		}
		last = p
		t.first[p+1]++
	}
	for p := range partners {
		t.first[p+1] += t.first[p]
	}
	if grouped {
		return
	}
	t.order = make([]uint32, t.first[partners])
	next := make([]int32, partners)
	copy(next, t.first[:partners])
	for i, p := range owner {
		if p >= 0 {
			t.order[next[p]] = uint32(i)
			next[p]++
		}
	}
}

// column kinds.
const (
	dict8 = iota
	dict16
	packed
	fixed
)

// column is one column of a table.
type column struct {
	kind  int
	scale int // fixed: the decimal places
	hint  int // rows expected

	u8   []uint8  // dict8: code+1, 0 = NULL
	u16  []uint16 // dict16: code+1, 0 = NULL
	dict []string
	code map[string]int

	entry []uint32 // packed: index into starts, noValue = NULL
	start []uint32 // packed: where each value begins in bytes
	bytes []byte

	num []int64 // fixed; nullNum = NULL
}

const (
	noValue = math.MaxUint32
	nullNum = math.MinInt64
	// maxDict is the most values a dictionary column holds; a column with
	// more (ids, amounts) is packed instead.
	maxDict = 1 << 12
)

// newColumn picks the form from DuckDB's type: fixed-point for a DECIMAL of
// at most 18 digits, else a dictionary to begin with.
func newColumn(typ string) *column {
	if p, s, ok := decimalType(typ); ok && p <= 18 {
		return &column{kind: fixed, scale: s}
	}
	return &column{kind: dict8}
}

func decimalType(typ string) (p, s int, ok bool) {
	rest, ok := strings.CutPrefix(typ, "DECIMAL(")
	if !ok {
		return 0, 0, false
	}
	ps, s2, ok := strings.Cut(strings.TrimSuffix(rest, ")"), ",")
	if !ok {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(ps)
	s, err2 := strconv.Atoi(s2)
	return p, s, err1 == nil && err2 == nil
}

// add appends v as row n.
func (c *column) add(v lake.Value, n int) {
	switch c.kind {
	case fixed:
		if v.Null {
			c.num = append(c.num, nullNum)
			return
		}
		// Kept as a number only if it prints back exactly as DuckDB did.
		if x, err := decimal.Parse(v.Text, c.scale); err == nil && x != nullNum && decimal.Format(x, c.scale) == v.Text {
			if c.num == nil {
				c.num = make([]int64, 0, c.hint)
			}
			c.num = append(c.num, x)
			return
		}
		c.repack(n)
	case dict8, dict16:
		code := 0
		if !v.Null {
			k, ok := c.code[v.Text]
			if !ok {
				if len(c.dict) >= maxDict {
					c.repack(n)
					c.add(v, n)
					return
				}
				if c.code == nil {
					c.code = map[string]int{}
				}
				k = len(c.dict)
				c.dict = append(c.dict, strings.Clone(v.Text))
				c.code[c.dict[k]] = k
			}
			code = k + 1
		}
		if c.kind == dict8 && code > math.MaxUint8 {
			c.u16 = make([]uint16, len(c.u8), max(cap(c.u8), 1))
			for i, x := range c.u8 {
				c.u16[i] = uint16(x)
			}
			c.kind, c.u8 = dict16, nil
		}
		if c.kind == dict8 {
			if c.u8 == nil {
				c.u8 = make([]uint8, 0, c.hint)
			}
			c.u8 = append(c.u8, uint8(code))
		} else {
			c.u16 = append(c.u16, uint16(code))
		}
		return
	}
	c.pack(v)
}

// pack appends v to a packed column, sharing the previous row's value when
// equal.
func (c *column) pack(v lake.Value) {
	if c.entry == nil {
		c.entry = make([]uint32, 0, c.hint)
	}
	if v.Null {
		c.entry = append(c.entry, noValue)
		return
	}
	if k := len(c.start); k > 0 {
		if last := c.entry[len(c.entry)-1]; last == uint32(k-1) && string(c.bytes[c.start[k-1]:]) == v.Text {
			c.entry = append(c.entry, last)
			return
		}
	}
	c.start = append(c.start, uint32(len(c.bytes)))
	c.bytes = append(c.bytes, v.Text...)
	c.entry = append(c.entry, uint32(len(c.start)-1))
}

// repack turns the column's n rows so far into a packed column.
func (c *column) repack(n int) {
	old := *c
	*c = column{kind: packed, hint: c.hint}
	for i := range n {
		if p := old.get(i); p != nil {
			c.pack(lake.Value{Text: *p})
		} else {
			c.pack(lake.Value{Null: true})
		}
	}
}

// get is row i's value; nil for NULL.
func (c *column) get(i int) *string {
	var s string
	switch c.kind {
	case dict8:
		if c.u8[i] == 0 {
			return nil
		}
		return &c.dict[c.u8[i]-1]
	case dict16:
		if c.u16[i] == 0 {
			return nil
		}
		return &c.dict[c.u16[i]-1]
	case fixed:
		if c.num[i] == nullNum {
			return nil
		}
		s = decimal.Format(c.num[i], c.scale)
	default:
		e := c.entry[i]
		if e == noValue {
			return nil
		}
		end := uint32(len(c.bytes))
		if int(e)+1 < len(c.start) {
			end = c.start[e+1]
		}
		s = string(c.bytes[c.start[e]:end])
	}
	return &s
}

// hundredths is row i's value as hundredths, for a number column (0 for
// NULL or text that is not a number).
func (c *column) hundredths(i int) int64 {
	if c.kind == fixed {
		v := c.num[i]
		switch {
		case v == nullNum:
			return 0
		case c.scale == 2:
			return v
		case c.scale < 2:
			return v * int64(math.Pow10(2-c.scale))
		default:
			return v / int64(math.Pow10(c.scale-2))
		}
	}
	return hundredths(str(c.get(i)))
}

// done drops the dictionary's index once the column is complete. The
// slices keep their spare room: copying them to their length would touch
// as much memory again for a moment, and room never written to costs no
// resident memory.
func (c *column) done() {
	c.code = nil
}
