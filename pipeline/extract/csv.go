package extract

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// csvReader reads a CSV landing file: a header row, then RFC 4180 records.
// A record with the wrong number of fields or broken quoting is a
// malformed row, not an error.
type csvReader struct {
	path   string
	f      *os.File
	sum    hash.Hash
	cr     *csv.Reader
	offset int64 // bytes the csv.Reader has consumed, after the BOM
	bom    int64
	width  int   // fields in the header
	idx    []int // table column -> field, -1 when the file lacks it
	n      int64 // records read
	size   int64
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func openCSV(path string, cols []column) (*csvReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open", Err: err}
	}
	r := &csvReader{path: path, f: f, sum: sha256.New()}
	if fi, err := f.Stat(); err == nil {
		r.size = fi.Size()
	}
	br := bufio.NewReaderSize(io.TeeReader(f, r.sum), 1<<20)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		r.bom = int64(len(utf8BOM))
	}
	r.cr = csv.NewReader(br)
	r.cr.FieldsPerRecord = -1 // a short or long row is a reject, not the end of the file
	r.cr.ReuseRecord = true
	header, err := r.cr.Read()
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, &InputError{File: path, Msg: "empty file: want a header row naming the columns"}
		}
		return nil, &InputError{File: path, Msg: "cannot read the header row", Err: err}
	}
	r.offset = r.cr.InputOffset()
	r.width = len(header)
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = trimSpace(h)
	}
	if r.idx, err = project(path, names, cols); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
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

func (r *csvReader) read(rec *record) error {
	fields, err := r.cr.Read()
	start := r.offset
	r.offset = r.cr.InputOffset()
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	r.n++
	rec.row = r.n
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return &InputError{File: r.path, Row: r.n, Msg: "cannot read", Err: err}
		}
		rec.malformed = "unreadable CSV: " + pe.Err.Error()
		rec.line = r.bytes(start, r.offset)
		return nil
	}
	rec.fields = append(rec.fields[:0], fields...)
	for i, j := range r.idx {
		if j >= 0 && j < len(fields) {
			rec.vals[i] = textValue(fields[j])
		}
	}
	if len(fields) != r.width {
		rec.malformed = fmt.Sprintf("the record has %d fields, the header %d", len(fields), r.width)
	}
	for i, f := range fields {
		if !utf8.ValidString(f) {
			rec.malformed = fmt.Sprintf("field %d is not UTF-8 text", i+1)
			break
		}
	}
	return nil
}

// maxRawBytes bounds the raw text kept for a record that could not be
// parsed (an unclosed quote can swallow the rest of the file).
const maxRawBytes = 64 << 10

// bytes re-reads the text of an unparseable record from the file.
func (r *csvReader) bytes(from, to int64) string {
	n := min(to-from, maxRawBytes)
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	m, _ := r.f.ReadAt(b, r.bom+from)
	return strings.TrimRight(string(b[:m]), "\r\n")
}

func (r *csvReader) sha256() string { return hex.EncodeToString(r.sum.Sum(nil)) }

// rows guesses from the file size; a booking line is about 90 bytes.
func (r *csvReader) rows() int64 { return r.size / 100 }

func (r *csvReader) close() error { return r.f.Close() }
