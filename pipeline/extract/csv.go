package extract

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A CSV landing file is read by DuckDB's read_csv, in parallel, with the
// dialect of CONTRACT.md fixed (a header row, comma, '"' quoting and
// escaping, RFC 4180) and every column as text. Go reads only the header
// row, to check the columns before anything is landed, and the few records
// read_csv refuses (wrong field count, broken quoting, bytes that are not
// UTF-8, a record longer than maxRowBytes): those are malformed rows, not
// errors, and encoding/csv parses them for their key and raw text.

// maxRowBytes bounds one record of a CSV file (DuckDB's max_line_size):
// a longer record is a malformed row, never a run out of memory.
const maxRowBytes = 32 << 20

// maxHeaderBytes bounds the header row.
const maxHeaderBytes = 1 << 20

// maxRefusedInline is the most refused records whose row numbers are
// counted inline (see csvFile.stage).
const maxRefusedInline = 256

// maxRawBytes bounds the raw text kept for a record that could not be
// parsed (an unclosed quote can swallow the rest of the file).
const maxRawBytes = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvFile is a CSV landing file whose header has been read.
type csvFile struct {
	in     *inputFile
	header []string // the columns, as named
	idx    []int    // table column -> field, -1 when the file lacks it
}

func openCSV(in *inputFile, t *table) (*csvFile, error) {
	head := make([]byte, min(in.size, maxHeaderBytes))
	if _, err := io.ReadFull(in.section(), head); err != nil {
		return nil, &InputError{File: in.path, Msg: "cannot read", Err: err}
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	if len(head) == 0 {
		return nil, &InputError{File: in.path, Msg: "empty file: want a header row naming the columns"}
	}
	lf, cr := bytes.IndexByte(head, '\n'), bytes.IndexByte(head, '\r')
	if cr >= 0 && (lf < 0 || cr < lf-1) {
		return nil, &InputError{File: in.path, Row: 0, Msg: "lines end in a bare carriage return (CR): want LF or CRLF line ends (RFC 4180)"}
	}
	if lf < 0 && int64(len(head)) == maxHeaderBytes {
		return nil, &InputError{File: in.path, Msg: fmt.Sprintf("the header row is longer than %d bytes", maxHeaderBytes)}
	}
	r := csv.NewReader(bytes.NewReader(head))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, &InputError{File: in.path, Msg: "cannot read the header row", Err: err}
	}
	for i, h := range header {
		header[i] = trimSpace(h)
	}
	idx, err := project(in.path, header, t.cols)
	if err != nil {
		return nil, err
	}
	return &csvFile{in: in, header: header, idx: idx}, nil
}

// project maps each table column to its position among names, refusing a
// header that lacks a required column or names one twice.
func project(path string, names []string, cols []column) ([]int, error) {
	at := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := at[n]; dup && n != "" {
			return nil, &InputError{File: path, Column: n, Msg: "the column is named twice"}
		}
		at[n] = i
	}
	idx := make([]int, len(cols))
	var missing []string
	for i, c := range cols {
		j, ok := at[c.name]
		if !ok {
			j = -1
			if c.required {
				missing = append(missing, c.name)
			}
		}
		idx[i] = j
	}
	if len(missing) > 0 {
		msg := "required column is missing"
		if len(missing) > 1 {
			msg += " (so are " + strings.Join(missing[1:], ", ") + ")"
		}
		return nil, &InputError{File: path, Column: missing[0], Msg: msg}
	}
	return idx, nil
}

func field(i int) string { return "c" + strconv.Itoa(i) }

// stage makes read_csv the staged relation: one VARCHAR column per field
// of the header (c0, c1, ...), read in the file's row order into
// values_<table>, and the records read_csv refused into rejects of their
// own.
func (c *csvFile) stage(ctx context.Context, s *session, t *table) (*staged, error) {
	rej, scan := "rej_"+t.name, "rejscan_"+t.name
	var cols []string
	for i := range c.header {
		cols = append(cols, lit(field(i))+": 'VARCHAR'")
	}
	path := c.in.duckPath()
	s.rename[path] = c.in.path
	st := &staged{input: c.in, cols: map[string]stagedCol{}, rel: fmt.Sprintf(`read_csv(%s,
		auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', columns = {%s},
		strict_mode = true, compression = 'none', max_line_size = %d, buffer_size = %d,
		store_rejects = true, rejects_table = %s, rejects_scan = %s)`,
		lit(path), strings.Join(cols, ", "), maxRowBytes, 2*maxRowBytes, lit(rej), lit(scan))}
	var raw []string
	for i := range c.header {
		k := slices.Index(c.idx, i)
		if k < 0 {
			st.keep = append(st.keep, ident(field(i))+" AS "+ident("e"+strconv.Itoa(i)))
			raw = append(raw, "tally_csv_field("+ident("e"+strconv.Itoa(i))+")")
			continue
		}
		raw = append(raw, "tally_csv_field("+v(t.cols[k].name)+")")
		st.cols[t.cols[k].name] = stagedCol{expr: ident(field(i))}
	}
	st.raw = "concat_ws(',', " + strings.Join(raw, ", ") + ")"
	st.number = func(ctx context.Context) error {
		values, rows := ident("values_"+t.name), ident("rows_"+t.name)
		var err error
		if st.rows, err = s.count(ctx, "SELECT count(*) FROM "+values); err != nil {
			return err
		}
		if st.refused, err = c.refused(ctx, s, t, rej); err != nil {
			return err
		}
		for _, q := range []string{"DROP TABLE IF EXISTS " + ident(rej), "DROP TABLE IF EXISTS " + ident(scan)} {
			if err := s.exec(ctx, q); err != nil {
				return err
			}
		}
		// A record's row number is its place among the records; rowid is
		// its place among those read_csv kept, so each refused record
		// before it adds one. Few refused records are counted in the
		// projection, which keeps the row order; many by a join.
		var before []string
		for j, r := range st.refused {
			before = append(before, strconv.FormatInt(r.RowNumber-int64(j+1), 10))
		}
		number := "rowid + 1"
		if len(before) > 0 {
			number = fmt.Sprintf("rowid + 1 + len(list_filter([%s], k -> k < rowid + 1))", strings.Join(before, ", "))
		}
		view := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT rowid AS _rowid, %s AS _n, NULL::VARCHAR AS _malformed, NULL::VARCHAR AS _malformed_reason, * FROM %s",
			rows, number, values)
		if len(st.refused) > maxRefusedInline {
			if err := c.gaps(ctx, s, t, st.refused); err != nil {
				return err
			}
			st.sorted = true
			view = fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS
				SELECT l._rowid, l._rowid + 1 + coalesce(g.before, 0) AS _n, NULL::VARCHAR AS _malformed, NULL::VARCHAR AS _malformed_reason, l.*  EXCLUDE (_rowid)
				FROM (SELECT rowid AS _rowid, * FROM %s) l ASOF LEFT JOIN %s g ON l._rowid + 1 > g.kept`, rows, values, ident("gaps_"+t.name))
		}
		return s.exec(ctx, view)
	}
	return st, nil
}

// gaps records, for each refused record, how many records read_csv kept
// before it (kept) and how many were refused up to it (before), so the
// kept records' row numbers can be counted.
func (c *csvFile) gaps(ctx context.Context, s *session, t *table, refused []Reject) error {
	g, each := ident("gaps_"+t.name), "refused_"+t.name
	if err := s.exec(ctx, "CREATE OR REPLACE TABLE "+ident(each)+" (kept BIGINT, before BIGINT)"); err != nil {
		return err
	}
	err := s.appendRows(ctx, each, func(add func(...driver.Value) error) error {
		for j, r := range refused {
			if err := add(r.RowNumber-int64(j+1), int64(j+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// consecutive refused records share kept: the last of them counts
	return s.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT kept, max(before) AS before FROM %s GROUP BY kept", g, ident(each)))
}

var foundFields = regexp.MustCompile(`Found: (\d+)`)

// refused reads the records read_csv could not read, one reject each, in
// row order.
func (c *csvFile) refused(ctx context.Context, s *session, t *table, rej string) ([]Reject, error) {
	rows, err := s.conn.QueryContext(ctx, fmt.Sprintf(`SELECT line - 1, arg_min(error_type, column_idx), arg_min(error_message, column_idx),
		min(line_byte_position) FROM %s GROUP BY line ORDER BY line`, ident(rej)))
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []Reject
	for rows.Next() {
		var (
			row       int64
			kind, msg string
			lineAt    int64
			fields    []string
			parseErr  error
			text      string
		)
		if err := rows.Scan(&row, &kind, &msg, &lineAt); err != nil {
			return nil, s.wrap(err)
		}
		text, fields, parseErr = c.record(lineAt)
		detail := "unreadable CSV: " + strings.ToLower(kind) + ": " + msg
		switch {
		case kind == "LINE SIZE OVER MAXIMUM":
			detail = fmt.Sprintf("the record is longer than %d bytes", maxRowBytes)
			fields = nil
		case parseErr != nil:
			detail = "unreadable CSV: " + parseErr.Error()
		case kind == "INVALID ENCODING" || kind == "INVALID UNICODE":
			for i, f := range fields {
				if !utf8.ValidString(f) {
					detail = fmt.Sprintf("field %d is not UTF-8 text", i+1)
					break
				}
			}
		case kind == "TOO MANY COLUMNS" || kind == "MISSING COLUMNS":
			n := len(fields)
			if m := foundFields.FindStringSubmatch(msg); fields == nil && m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			detail = fmt.Sprintf("the record has %d fields, the header %d", n, len(c.header))
		}
		r := Reject{Table: t.name, RowNumber: row, Reason: ReasonMalformedRow, Detail: detail}
		if fields != nil {
			r.Key = csvKey(t, c.idx, fields)
			r.Raw = string(appendCSV(nil, fields))
		} else {
			r.Raw = text
		}
		r.Raw = strings.ToValidUTF8(r.Raw, "\uFFFD")
		out = append(out, r)
	}
	return out, rows.Err()
}

// record reads the record that starts at byte at of the file and parses
// it with encoding/csv: its text (up to maxRawBytes) and its fields, or
// why it does not parse.
func (c *csvFile) record(at int64) (string, []string, error) {
	// DuckDB's line_byte_position is one past the start of the line
	if at > 0 {
		at--
	}
	buf := make([]byte, maxRawBytes)
	n, err := c.in.f.ReadAt(buf, at)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", nil, err
	}
	buf = buf[:n]
	if at == 0 {
		buf = bytes.TrimPrefix(buf, utf8BOM)
	}
	text := string(buf)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimRight(text, "\r\n")
	r := csv.NewReader(bytes.NewReader(buf))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return strings.TrimRight(string(buf), "\r\n"), nil, err
	}
	return text, fields, nil
}

// csvKey is the key text of a record's fields.
func csvKey(t *table, idx []int, fields []string) string {
	var parts []string
	empty := true
	for _, k := range t.key {
		i := slicesIndex(t.cols, k)
		s := ""
		if j := idx[i]; j >= 0 && j < len(fields) {
			s = trimSpace(fields[j])
			if t.cols[i].upper {
				s = strings.ToUpper(s)
			}
		}
		if s != "" {
			empty = false
		}
		parts = append(parts, s)
	}
	if empty {
		return ""
	}
	return strings.ToValidUTF8(strings.Join(parts, "|"), "\uFFFD")
}

func slicesIndex(cols []column, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// trimSpace trims the ASCII blanks a hand-edited file leaves around values.
func trimSpace(s string) string { return strings.Trim(s, " \t") }

// appendCSV writes a record as encoding/csv's Writer does (without the line
// ending).
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
	if f == `\.` || strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
