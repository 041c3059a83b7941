package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"tally/pipeline/date"
	"tally/pipeline/decimal"
)

// parquetReader reads a Parquet landing file of any reasonable schema:
// top-level columns of strings, integers, booleans, floats, dates,
// timestamps and decimals, and lists of them. Every value is turned into
// the same text a CSV file would hold (a DATE is YYYY-MM-DD, a DECIMAL its
// plain decimal text), so the rows are checked exactly like CSV rows.
type parquetReader struct {
	path  string
	f     *os.File
	sum   string
	r     *parquet.Reader
	names []string // the readable top-level columns, in file order
	leaf  []leafColumn
	proj  []int // table column -> cell, -1 when the file lacks it
	buf   []parquet.Row
	n     int
	next  int
	row   int64
	total int64
}

// leafColumn says where a Parquet leaf column's values go.
type leafColumn struct {
	cell int // index into names; -1 for a column that is not read
	list bool
	text func(parquet.Value) string
}

func openParquet(path string, cols []column) (r *parquetReader, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open", Err: err}
	}
	defer func() {
		if p := recover(); p != nil {
			err = &InputError{File: path, Msg: "not a readable Parquet file", Err: fmt.Errorf("%v", p)}
		}
		if err != nil {
			f.Close()
			r = nil
		}
	}()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot read", Err: err}
	}
	pf, err := parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &InputError{File: path, Msg: "not a readable Parquet file", Err: err}
	}
	r = &parquetReader{path: path, f: f, sum: hex.EncodeToString(h.Sum(nil)), buf: make([]parquet.Row, 256), total: pf.NumRows()}
	wanted := map[string]bool{}
	for _, c := range cols {
		wanted[c.name] = true
	}
	for _, field := range pf.Schema().Fields() {
		l, ok := readable(field)
		if !ok {
			if wanted[field.Name()] {
				return nil, &InputError{File: path, Column: field.Name(), Msg: "unsupported Parquet type " + field.Type().String() + " (want a scalar or a list of scalars)"}
			}
			for range leaves(field) {
				r.leaf = append(r.leaf, leafColumn{cell: -1})
			}
			continue
		}
		l.cell = len(r.names)
		r.names = append(r.names, field.Name())
		r.leaf = append(r.leaf, l)
	}
	if r.proj, err = project(path, r.names, cols); err != nil {
		return nil, err
	}
	r.r = parquet.NewReader(pf)
	return r, nil
}

// readable says how to read a top-level field: a scalar leaf, or a list
// (a LIST group or a bare repeated leaf) of scalars.
func readable(field parquet.Field) (leafColumn, bool) {
	var node parquet.Node = field
	isList := false
	switch {
	case node.Leaf() && node.Repeated():
		isList = true
	case node.Leaf():
	default:
		// LIST: <name> (LIST) { repeated group list { element } }, or the
		// legacy two-level form with a repeated leaf inside.
		if lt := node.Type().LogicalType(); lt == nil || !isListType(lt) {
			return leafColumn{}, false
		}
		for !node.Leaf() {
			f := node.Fields()
			if len(f) != 1 {
				return leafColumn{}, false
			}
			node = f[0]
		}
		isList = true
	}
	text, ok := textOf(node.Type())
	return leafColumn{list: isList, text: text}, ok
}

func isListType(lt *format.LogicalType) bool {
	_, ok := lt.Value.(*format.ListType)
	return ok
}

// leaves counts the leaf columns under a node, so unread columns keep the
// leaf numbering right.
func leaves(n parquet.Node) []struct{} {
	if n.Leaf() {
		return make([]struct{}, 1)
	}
	var out []struct{}
	for _, f := range n.Fields() {
		out = append(out, leaves(f)...)
	}
	return out
}

// textOf gives the function that writes a leaf's values as text.
func textOf(t parquet.Type) (func(parquet.Value) string, bool) {
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch l := lt.Value.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			return func(v parquet.Value) string { return string(v.ByteArray()) }, true
		case *format.DateType:
			return func(v parquet.Value) string { return date.Date(v.Int32()).String() }, true
		case *format.DecimalType:
			scale := int(l.Scale)
			return func(v parquet.Value) string { return decimalText(v, scale) }, true
		case *format.TimestampType:
			unit := time.Nanosecond
			if l.Unit.Value != nil {
				unit = l.Unit.Value.Duration()
			}
			return func(v parquet.Value) string { return timestampText(v.Int64(), unit) }, true
		case *format.IntType:
			if l.IsSigned {
				return intText, true
			}
			return func(v parquet.Value) string {
				if v.Kind() == parquet.Int32 {
					return strconv.FormatUint(uint64(v.Uint32()), 10)
				}
				return strconv.FormatUint(v.Uint64(), 10)
			}, true
		case *format.UUIDType:
			return func(v parquet.Value) string {
				b := v.ByteArray()
				return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
			}, true
		default:
			return nil, false
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return func(v parquet.Value) string { return strconv.FormatBool(v.Boolean()) }, true
	case parquet.Int32, parquet.Int64:
		return intText, true
	case parquet.Float:
		return func(v parquet.Value) string { return strconv.FormatFloat(float64(v.Float()), 'f', -1, 32) }, true
	case parquet.Double:
		return func(v parquet.Value) string { return strconv.FormatFloat(v.Double(), 'f', -1, 64) }, true
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return func(v parquet.Value) string { return string(v.ByteArray()) }, true
	case parquet.Int96:
		return func(v parquet.Value) string { return v.Int96().String() }, true
	}
	return nil, false
}

func intText(v parquet.Value) string {
	if v.Kind() == parquet.Int32 {
		return strconv.FormatInt(int64(v.Int32()), 10)
	}
	return strconv.FormatInt(v.Int64(), 10)
}

// decimalText writes a Parquet DECIMAL (an INT32, INT64 or big-endian two's
// complement bytes holding value*10^scale) as plain decimal text.
func decimalText(v parquet.Value, scale int) string {
	switch v.Kind() {
	case parquet.Int32:
		return decimal.Format(int64(v.Int32()), scale)
	case parquet.Int64:
		return decimal.Format(v.Int64(), scale)
	}
	b := v.ByteArray()
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return decimal.Format(n.Int64(), scale)
	}
	s := n.String() // too large for tally anyway; keep the digits so the reject shows them
	return s + "e-" + strconv.Itoa(scale)
}

// timestampText writes a timestamp at midnight UTC as its date, anything
// else in full (which the date checks then refuse).
func timestampText(n int64, unit time.Duration) string {
	t := time.Unix(0, 0).UTC().Add(time.Duration(n) * unit)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

func (r *parquetReader) read(rec *record) (err error) {
	if r.next >= r.n {
		if err := r.fill(); err != nil {
			return err
		}
	}
	row := r.buf[r.next]
	r.next++
	r.row++
	rec.row = r.row
	rec.names = r.names
	if cap(rec.cells) < len(r.names) {
		rec.cells = make([]value, len(r.names))
	}
	rec.cells = rec.cells[:len(r.names)]
	clear(rec.cells)
	for _, v := range row {
		l := &r.leaf[v.Column()]
		if l.cell < 0 || v.IsNull() {
			continue
		}
		c := &rec.cells[l.cell]
		s := l.text(v)
		if !utf8.ValidString(s) {
			rec.malformed = fmt.Sprintf("column %s is not UTF-8 text", r.names[l.cell])
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		if !l.list {
			*c = textValue(s)
			continue
		}
		c.kind = list
		if s = trimSpace(s); s != "" {
			c.list = append(c.list, s)
		}
	}
	for i, j := range r.proj {
		if j >= 0 {
			rec.vals[i] = rec.cells[j]
		}
	}
	return nil
}

// fill reads the next rows; parquet-go panics on some corrupt files, which
// is an unreadable file here.
func (r *parquetReader) fill() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &InputError{File: r.path, Row: r.row + 1, Msg: "not a readable Parquet file", Err: fmt.Errorf("%v", p)}
		}
	}()
	n, err := r.r.ReadRows(r.buf)
	r.n, r.next = n, 0
	if n > 0 {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return io.EOF
	}
	return &InputError{File: r.path, Row: r.row + 1, Msg: "not a readable Parquet file", Err: err}
}

func (r *parquetReader) sha256() string { return r.sum }

func (r *parquetReader) rows() int64 { return r.total }

func (r *parquetReader) close() error {
	var err error
	if r.r != nil {
		err = r.r.Close()
	}
	return errors.Join(err, r.f.Close())
}
