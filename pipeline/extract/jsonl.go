package extract

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// A JSONL landing file holds one JSON object per line. Its lines are
// decoded by encoding/json, not by DuckDB's read_json: DuckDB's JSON reader
// parses every number as a double, so 1e2 would become the amount 100 and
// 1234567890123.456789 a rounded one, and it accepts NaN and trailing
// commas. encoding/json is strict RFC 8259 and keeps a number's text
// (json.Number), which the checks then parse as a plain decimal. The
// values go to DuckDB through the Appender as text, and the same SQL
// checks them as CSV cells.
//
// JSONL has no header, so the columns a file has are the keys of its first
// object: a required column missing there is an error; missing from a later
// line it is a missing value. Blank lines are skipped; a row's number is
// its line number.

type jsonlFile struct {
	in *inputFile
}

func openJSONL(in *inputFile, t *table) (*jsonlFile, error) {
	br := bufio.NewReaderSize(in.section(), 64<<10)
	for n := int64(1); ; n++ {
		line, err := readLine(br, maxRowBytes)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errLongLine) {
			return nil, &InputError{File: in.path, Row: n, Msg: "cannot read", Err: err}
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if o, derr := decodeObject(line, nil); derr == nil {
			names := slices.Compact(slices.Sorted(func(yield func(string) bool) {
				for _, f := range o.fields {
					if !yield(f.key) {
						return
					}
				}
			}))
			if _, err := project(in.path, names, t.cols); err != nil {
				err.(*InputError).Row = n
				return nil, err
			}
			return &jsonlFile{in: in}, nil
		}
		if errors.Is(err, io.EOF) {
			return &jsonlFile{in: in}, nil // no object at all: every line is a reject, or there are none
		}
	}
}

var errLongLine = errors.New("line too long")

// readLine reads one line without its line ending, at most limit bytes of
// it (the rest is skipped, and errLongLine returned with what was kept);
// io.EOF comes with the last line if the file does not end in a newline.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var buf []byte
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			buf = append(buf, chunk...)
			if len(buf) > limit {
				buf, long = buf[:limit], true
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil && len(buf) == 0 && len(chunk) == 0 {
			err = io.EOF
		}
		line := bytes.TrimRight(buf, "\r\n")
		if long && err == nil {
			err = errLongLine
		}
		return line, err
	}
}

// jsonField is one key of an object and its value as a cell.
type jsonField struct {
	key  string
	text *string  // a scalar: a string, a number's text, true or false; nil for null
	list []string // an array of scalars
	kind string   // "list" for an array of scalars; else what the value is when no cell can take it ("a JSON object")
	what string   // a scalar: what it is ("a JSON string")
}

type jsonObject struct {
	fields []jsonField
	twice  string // a key named twice, if any
}

// decodeObject decodes one line as a JSON object whose values are scalars
// or arrays of scalars; deeper values are noted by what they are. It fails
// unless the line is exactly one object; the fields read before the
// failure are kept in partial (when not nil), for the row's key.
func decodeObject(line []byte, partial *jsonObject) (*jsonObject, error) {
	o := partial
	if o == nil {
		o = &jsonObject{}
	}
	if !utf8.Valid(line) {
		return nil, errors.New("not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := object(dec, o); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("the line ends inside the object")
		}
		return nil, err
	}
	return o, nil
}

// object reads the tokens of one object into o.
func object(dec *json.Decoder, o *jsonObject) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("want an object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // an object's tokens alternate key, value
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if seen[key] && o.twice == "" {
			o.twice = key
		}
		seen[key] = true
		o.fields = append(o.fields, cellOf(key, raw))
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more after the object")
	}
	return nil
}

// cellOf is a value as a cell: scalars as their text, arrays of scalars
// as lists.
func cellOf(key string, raw json.RawMessage) jsonField {
	f := jsonField{key: key}
	switch raw[0] {
	case 'n':
		return f
	case '{':
		f.kind = "a JSON object"
		return f
	case '[':
		var elems []json.RawMessage
		_ = json.Unmarshal(raw, &elems) // the decoder has checked its syntax
		f.kind = "list"
		f.list = []string{}
		for _, e := range elems {
			switch e[0] {
			case 'n':
				f.kind = "a JSON array holding null"
			case '[', '{':
				f.kind = "a JSON array holding arrays or objects"
			default:
				f.list = append(f.list, scalarText(e))
			}
			if f.kind != "list" {
				f.list = nil
				return f
			}
		}
		return f
	}
	s := scalarText(raw)
	f.text = &s
	switch raw[0] {
	case '"':
		f.what = "a JSON string"
	case 't', 'f':
		f.what = "a JSON boolean"
	default:
		f.what = "a JSON number"
	}
	return f
}

// scalarText is a JSON scalar's text: a string unescaped, a number or a
// boolean as written.
func scalarText(raw json.RawMessage) string {
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	return string(raw)
}

// stage decodes every line into land_<table>, through the Appender: per
// table column its text (a list column: its list) and what makes it
// unusable (b:), NULL when nothing does.
func (j *jsonlFile) stage(ctx context.Context, s *session, t *table) (*staged, error) {
	land := "land_" + t.name
	defs := []string{"_n BIGINT", "_raw VARCHAR", "_malformed VARCHAR", "_malformed_reason VARCHAR"}
	st := &staged{rel: ident(land), numbered: true, keep: []string{"_raw"}, raw: "_raw", cols: map[string]stagedCol{}, input: j.in}
	index := map[string]int{}
	for i, c := range t.cols {
		typ := "VARCHAR"
		if c.list {
			typ = "VARCHAR[]"
		}
		defs = append(defs, ident(c.name)+" "+typ, ident(c.name+"__bad")+" STRUCT(reason VARCHAR, detail VARCHAR)")
		st.cols[c.name] = stagedCol{expr: ident(c.name), array: c.list, bad: ident(c.name + "__bad")}
		index[c.name] = i
	}
	if err := s.exec(ctx, "CREATE OR REPLACE TABLE "+ident(land)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(j.in.section(), 1<<20)
	err := s.appendRows(ctx, land, func(add func(...driver.Value) error) error {
		vals := make([]driver.Value, 4+2*len(t.cols))
		for n := int64(1); ; n++ {
			line, err := readLine(br, maxRowBytes)
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errLongLine) {
				return &InputError{File: j.in.path, Row: n, Msg: "cannot read", Err: err}
			}
			if n == 1 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			if len(bytes.TrimSpace(line)) == 0 {
				if errors.Is(err, io.EOF) {
					return nil
				}
				continue
			}
			clear(vals)
			vals[0], vals[1] = n, strings.ToValidUTF8(string(line), "\uFFFD")
			var o jsonObject
			_, derr := decodeObject(line, &o)
			switch {
			case errors.Is(err, errLongLine):
				vals[2], vals[3] = fmt.Sprintf("the line is longer than %d bytes", maxRowBytes), ReasonMalformedRow
			case derr != nil:
				vals[2], vals[3] = "not a JSON object: "+derr.Error(), ReasonMalformedRow
			case o.twice != "":
				vals[2], vals[3] = fmt.Sprintf("the object names %q twice", o.twice), ReasonDuplicateField
			}
			for _, f := range o.fields {
				i, ok := index[f.key]
				if !ok || vals[4+2*i] != nil || vals[5+2*i] != nil {
					continue // not a table column, or named twice: the first counts
				}
				col := t.cols[i]
				switch {
				case f.kind == "list" && col.list:
					vals[4+2*i] = f.list
				case f.kind == "list":
					vals[5+2*i] = badType("a JSON array where one value belongs")
				case f.kind != "" && col.list:
					vals[5+2*i] = badType(f.kind + " where a list belongs")
				case f.kind != "":
					vals[5+2*i] = badType(f.kind + " where one value belongs")
				case f.text != nil && col.list:
					vals[5+2*i] = badType(f.what + " (want an array) where a list belongs")
				case f.text != nil:
					vals[4+2*i] = *f.text
				}
			}
			if err := add(vals...); err != nil {
				return err
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
		}
	})
	if err != nil {
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return nil, err
		}
		return nil, &InputError{File: j.in.path, Msg: "cannot read", Err: err}
	}
	if st.rows, err = s.count(ctx, "SELECT count(*) FROM "+ident(land)); err != nil {
		return nil, err
	}
	return st, nil
}

func badType(detail string) map[string]any {
	return map[string]any{"reason": ReasonBadType, "detail": detail}
}
