package extract

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"slices"
)

// jsonlReader reads a JSONL landing file: one JSON object per line. Blank
// lines are skipped; a line that is not a JSON object is a malformed row.
// Numbers are kept as their text, never as float64.
//
// JSONL has no header, so the columns a file has are the keys of its first
// object: a required column missing there is an error; missing from a later
// line it is a missing value.
type jsonlReader struct {
	path  string
	f     *os.File
	sum   hash.Hash
	br    *bufio.Reader
	cols  []column
	line  int64
	buf   []byte
	size  int64
	scan  jsonScanner
	index map[string]int // column name -> table column
}

func openJSONL(path string, cols []column) (*jsonlReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open", Err: err}
	}
	r := &jsonlReader{path: path, f: f, sum: sha256.New(), cols: cols, index: map[string]int{}}
	for i, c := range cols {
		r.index[c.name] = i
	}
	if fi, err := f.Stat(); err == nil {
		r.size = fi.Size()
	}
	if err := r.checkColumns(); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, &InputError{File: path, Msg: "cannot read", Err: err}
	}
	r.br = bufio.NewReaderSize(io.TeeReader(f, r.sum), 1<<20)
	return r, nil
}

// checkColumns reads up to the first JSON object and checks that its keys
// name every required column.
func (r *jsonlReader) checkColumns() error {
	br := bufio.NewReaderSize(r.f, 64<<10)
	var buf []byte
	for n := int64(1); ; n++ {
		line, err := readLine(br, &buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return &InputError{File: r.path, Row: n, Msg: "cannot read", Err: err}
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		var names []string
		if r.scan.object(string(line), func(key string, _ jsonField) { names = append(names, key) }) == nil {
			slices.Sort(names)
			if _, err := project(r.path, slices.Compact(names), r.cols); err != nil {
				err.(*InputError).Row = n
				return err
			}
			return nil
		}
		if errors.Is(err, io.EOF) {
			return nil // no object at all: every line is a reject, or there are none
		}
	}
}

// readLine reads one line without its line ending, however long; it
// returns io.EOF with the last line if the file does not end in a newline.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	*buf = (*buf)[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		*buf = append(*buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := bytes.TrimRight(*buf, "\r\n")
		if err == nil && len(*buf) == 0 {
			err = io.EOF
		}
		return line, err
	}
}

func (r *jsonlReader) read(rec *record) error {
	for {
		line, err := readLine(r.br, &r.buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return &InputError{File: r.path, Row: r.line + 1, Msg: "cannot read", Err: err}
		}
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return io.EOF
		}
		r.line++
		if r.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec.row = r.line
		rec.line = string(line)
		err = r.scan.object(rec.line, func(key string, v jsonField) {
			if i, ok := r.index[key]; ok {
				rec.vals[i] = cell(v, r.cols[i].list)
			}
		})
		if err != nil {
			rec.malformed = "not a JSON object: " + err.Error()
		}
		return nil
	}
}

// cell is a JSON value as a cell: strings, numbers and booleans are text;
// an array is a list for a list column.
func cell(v jsonField, isList bool) value {
	switch v.kind {
	case jsonNull:
		return value{}
	case jsonNested:
		return value{kind: badType, text: v.what}
	case jsonArray:
		if !isList {
			return value{kind: badType, text: "a JSON array"}
		}
		l := make([]string, 0, len(v.list))
		for _, e := range v.list {
			if e = trimSpace(e); e != "" {
				l = append(l, e)
			}
		}
		return value{kind: list, list: l}
	}
	if isList {
		return value{kind: badType, text: jsonKindNames[v.kind] + " (want an array)"}
	}
	return textValue(v.text)
}

var jsonKindNames = map[jsonKind]string{jsonString: "a JSON string", jsonNumber: "a JSON number", jsonBool: "a JSON boolean"}

func (r *jsonlReader) sha256() string { return hex.EncodeToString(r.sum.Sum(nil)) }

// rows guesses from the file size; a booking object is about 250 bytes.
func (r *jsonlReader) rows() int64 { return r.size / 250 }

func (r *jsonlReader) close() error { return r.f.Close() }
