package extract

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// column is one column of a landing table as CONTRACT.md lists it.
type column struct {
	name     string
	required bool      // starred: the column must be in the file and the value present
	list     bool      // a list: ';'-separated in CSV, an array in JSONL and Parquet
	upper    bool      // compared in upper case, also in keys (currency, country)
	typ      valueType // what the text must parse as; a typed source (PostgreSQL) is checked against it
}

// valueType is what a column's text stands for. Files carry text and the
// checks parse it; a database column has a type of its own, which must be
// one that can hold such values.
type valueType uint8

const (
	textType    valueType = iota // ids, names, enum values
	dateType                     // YYYY-MM-DD
	decimalType                  // a plain decimal
	booleanType                  // true or false
)

// columns reads a CONTRACT.md column list: "partner_id*" is required,
// "tags[]" is a list, and a ":date", ":decimal" or ":boolean" suffix says
// what the values are (text when there is none).
func columns(names ...string) []column {
	cols := make([]column, len(names))
	for i, n := range names {
		c := column{name: n}
		if s, t, ok := strings.Cut(c.name, ":"); ok {
			c.name = s
			switch t {
			case "date":
				c.typ = dateType
			case "decimal":
				c.typ = decimalType
			case "boolean":
				c.typ = booleanType
			default:
				panic("extract: unknown column type " + t + " of " + s)
			}
		}
		if s, ok := strings.CutSuffix(c.name, "[]"); ok {
			c.name, c.list = s, true
		}
		if s, ok := strings.CutSuffix(c.name, "*"); ok {
			c.name, c.required = s, true
		}
		c.upper = upperCased(c.name)
		cols[i] = c
	}
	return cols
}

type valueKind uint8

const (
	null    valueKind = iota
	text              // a scalar, as text (CSV cells, JSON strings/numbers/booleans, Parquet scalars)
	list              // a JSON array or Parquet LIST, elements as text
	badType           // a value no column can take (a JSON object); text names its type
)

// value is one cell of an input row, whatever the format: text or null, or
// a list of texts.
type value struct {
	kind valueKind
	text string
	list []string
}

// record is one input row, projected onto its table's columns. A reader
// fills it; only the reader that filled it knows how to keep raw text, so it
// keeps what raw needs.
type record struct {
	row       int64   // 1 for the first data row (CSV, Parquet); the line number (JSONL)
	vals      []value // one per table column, in the table's order
	malformed string  // why the row is not a record (vals then hold what could be read, for the key)

	line   string   // JSONL: the line; CSV: the bytes of an unparseable record
	fields []string // CSV: every field of the record, as read
	names  []string // Parquet: the file's column names, for cells
	cells  []value  // Parquet: every column of the row
}

// raw is the row as it came: the CSV record re-encoded as CSV, the JSONL
// line, or the Parquet row as a JSON object.
func (r *record) raw() string {
	// a reject with bytes that are not UTF-8 would make rejects.parquet unreadable
	return strings.ToValidUTF8(r.rawText(), "\uFFFD")
}

func (r *record) rawText() string {
	switch {
	case r.line != "":
		return r.line
	case r.names == nil:
		return string(appendCSV(nil, r.fields))
	default:
		var b bytes.Buffer
		b.WriteByte('{')
		for i, c := range r.cells {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, r.names[i])
			b.WriteByte(':')
			switch c.kind {
			case text:
				writeJSONString(&b, c.text)
			case list:
				b.WriteByte('[')
				for j, s := range c.list {
					if j > 0 {
						b.WriteByte(',')
					}
					writeJSONString(&b, s)
				}
				b.WriteByte(']')
			default:
				b.WriteString("null")
			}
		}
		b.WriteByte('}')
		return b.String()
	}
}

// appendCSV writes a record as encoding/csv's Writer does (without the line
// ending), but without a Writer and its buffer for every reject.
func appendCSV(b []byte, fields []string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		if !csvNeedsQuotes(f) {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
		b = append(b, '"')
	}
	return b
}

// csvNeedsQuotes is encoding/csv's rule for quoting a field.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// reset readies the record to be filled again, keeping its slices.
func (r *record) reset(ncols int) {
	if cap(r.vals) < ncols {
		r.vals = make([]value, ncols)
	}
	r.vals = r.vals[:ncols]
	clear(r.vals)
	r.row, r.malformed, r.line = 0, "", ""
	r.fields, r.cells = r.fields[:0], r.cells[:0]
}

// reader yields the rows of one input file. Whoever opened it closes it.
type reader interface {
	// read fills rec with the next row; it returns io.EOF after the last. An
	// error other than io.EOF is fatal (an *InputError): the file is unusable.
	read(rec *record) error
	// sha256 is the hex SHA-256 of the whole file; valid after read returned io.EOF.
	sha256() string
	// rows estimates how many rows the file holds, to size the key set.
	rows() int64
	close() error
}

// trimSpace trims the ASCII blanks a hand-edited file leaves around values.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// textValue is a scalar cell: empty text is null.
func textValue(s string) value {
	s = trimSpace(s)
	if s == "" {
		return value{}
	}
	return value{kind: text, text: s}
}
