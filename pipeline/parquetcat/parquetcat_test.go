package parquetcat_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"tally/pipeline/parquetcat"
)

type row struct {
	PartnerID string   `parquet:"partner_id,dict"`
	Points    int64    `parquet:"points"`
	Day       int32    `parquet:"day,date"`
	Note      *string  `parquet:"note,optional"`
	Tags      []string `parquet:"tags,list"`
}

// write writes rows as a Parquet file of row groups of at most per rows,
// with parquet-go's page indexes (offset indexes hold absolute offsets).
func write[T any](t *testing.T, dir, name string, rows []T, per int) string {
	t.Helper()
	file := filepath.Join(dir, name)
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.PageBufferSize(256))
	for i := 0; i < len(rows); i += per {
		if _, err := w.Write(rows[i:min(i+per, len(rows))]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

func read(t *testing.T, file string) ([]row, *parquet.File) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[row](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return rows, pf
}

func rows(from, n int) []row {
	var out []row
	for i := from; i < from+n; i++ {
		r := row{PartnerID: fmt.Sprintf("P%03d", i/7), Points: int64(i * 3), Day: int32(19000 + i%400), Tags: []string{}}
		if i%3 == 0 {
			s := strings.Repeat("x", i%11)
			r.Note = &s
		}
		for j := range i % 4 {
			r.Tags = append(r.Tags, fmt.Sprint("t", j))
		}
		out = append(out, r)
	}
	return out
}

// The appended file has every row of the files in their order, every row
// group, and page indexes that still point at their pages (a reader that
// seeks a page by its offset index finds it).
func TestFilesAppendsRowsInOrder(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.parquet", rows(0, 1000), 300)
	b := write(t, dir, "b.parquet", rows(1000, 0), 300)
	c := write(t, dir, "c.parquet", rows(1000, 2500), 1000)
	out := filepath.Join(dir, "out.parquet")
	n, err := parquetcat.Files(out, []string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3500 {
		t.Errorf("%d rows, want 3500", n)
	}
	got, pf := read(t, out)
	want := rows(0, 3500)
	if len(got) != len(want) {
		t.Fatalf("%d rows read, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if g := len(pf.RowGroups()); g != 4+3 {
		t.Errorf("%d row groups, want 7", g)
	}
	var indexed int
	for gi, g := range pf.Metadata().RowGroups {
		if int(g.Ordinal) != gi {
			t.Errorf("row group %d has ordinal %d", gi, g.Ordinal)
		}
		for _, c := range g.Columns {
			if c.OffsetIndexOffset > 0 {
				indexed++
			}
		}
	}
	if indexed == 0 {
		t.Fatal("no offset index was written: the test does not exercise moving them")
	}
	// every page an offset index points at is a page header there, of the
	// size the index gives
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range pf.Metadata().RowGroups {
		for _, c := range g.Columns {
			if c.OffsetIndexOffset == 0 {
				continue
			}
			var oi format.OffsetIndex
			if err := thrift.Unmarshal(new(thrift.CompactProtocol), raw[c.OffsetIndexOffset:c.OffsetIndexOffset+int64(c.OffsetIndexLength)], &oi); err != nil {
				t.Fatal(err)
			}
			for i, loc := range oi.PageLocations {
				var h format.PageHeader
				page := raw[loc.Offset : loc.Offset+int64(loc.CompressedPageSize)]
				if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(bytes.NewReader(page))).Decode(&h); err != nil {
					t.Fatalf("page %d at %d: %v", i, loc.Offset, err)
				}
				if h.Type != format.DataPage && h.Type != format.DataPageV2 || h.CompressedPageSize <= 0 || h.CompressedPageSize >= loc.CompressedPageSize {
					t.Fatalf("page %d at %d: header %+v does not fit the index's %d bytes", i, loc.Offset, h, loc.CompressedPageSize)
				}
			}
		}
	}
}

// Files of different schemas, and a file that is not Parquet, are refused,
// and no output is left behind.
func TestFilesRefusesWhatItCannotAppend(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.parquet", rows(0, 10), 10)
	type other struct {
		PartnerID string `parquet:"partner_id"`
	}
	b := write(t, dir, "b.parquet", []other{{"P1"}}, 10)
	junk := filepath.Join(dir, "junk.parquet")
	if err := os.WriteFile(junk, []byte("partner_id,points\nP1,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.parquet")
	for _, c := range []struct {
		files []string
		want  string
	}{
		{[]string{a, b}, "b.parquet: its schema differs from"},
		{[]string{a, junk}, "junk.parquet: not a plain Parquet file"},
		{nil, "no files"},
	} {
		_, err := parquetcat.Files(out, c.files)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.files, err, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: output left behind", c.files)
		}
	}
}
