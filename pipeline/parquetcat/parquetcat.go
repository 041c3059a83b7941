// Package parquetcat appends Parquet files of one schema into a single
// file without decoding them: each file's row groups (their pages, and the
// dictionaries, bloom filters and indexes between them) are copied byte
// for byte, and one footer lists all of them with their offsets moved to
// where they now lie. Rows keep their order: the first file's, then the
// second's, and so on.
//
// The engine writes each range of partners' outputs as its own files
// (pipeline/engine/ranges.go); appending them this way costs a copy of the
// bytes, where reading and writing them again through DuckDB re-encodes
// every value (BENCHMARKS.md). The footers are read and written with
// parquet-go's Thrift types (format, encoding/thrift).
package parquetcat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

var magic = []byte("PAR1")

// footer reads the metadata of a Parquet file of the given size.
func footer(f io.ReaderAt, size int64, name string) (*format.FileMetaData, int64, error) {
	if size < 12 {
		return nil, 0, fmt.Errorf("%s: %d bytes is too short for a Parquet file", name, size)
	}
	var head, tail [8]byte
	if _, err := f.ReadAt(head[:4], 0); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	if !bytes.Equal(head[:4], magic) || !bytes.Equal(tail[4:], magic) {
		return nil, 0, fmt.Errorf("%s: not a plain Parquet file (no PAR1 at both ends; encrypted files are not appended)", name)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	start := size - 8 - n
	if start < 4 {
		return nil, 0, fmt.Errorf("%s: footer length %d is beyond the file", name, n)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, start); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	md := new(format.FileMetaData)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), buf, md); err != nil {
		return nil, 0, fmt.Errorf("%s: footer: %w", name, err)
	}
	return md, start, nil
}

// Files writes the rows of files, in order, into out (created or
// truncated) and returns how many rows it holds. Every file must have the
// same schema. On error out is removed.
func Files(out string, files []string) (rows int64, err error) {
	if len(files) == 0 {
		return 0, errors.New("parquetcat: no files")
	}
	w, err := os.Create(out)
	if err != nil {
		return 0, fmt.Errorf("parquetcat: %w", err)
	}
	defer func() {
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("parquetcat: %s: %w", out, cerr)
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	if _, err := w.Write(magic); err != nil {
		return 0, fmt.Errorf("parquetcat: %s: %w", out, err)
	}
	pos := int64(len(magic))
	var (
		meta    *format.FileMetaData
		groups  []format.RowGroup
		indexes []pendingIndex
	)
	for _, name := range files {
		md, end, err := appendFile(w, name, pos, len(groups), &indexes)
		if err != nil {
			return 0, fmt.Errorf("parquetcat: %w", err)
		}
		if meta == nil {
			meta = md
		} else if !reflect.DeepEqual(meta.Schema, md.Schema) {
			return 0, fmt.Errorf("parquetcat: %s: its schema differs from %s's", name, files[0])
		}
		for _, g := range md.RowGroups {
			g.Ordinal = int16(len(groups))
			groups = append(groups, g)
		}
		rows += md.NumRows
		pos = end
	}
	// The page indexes are written again after every row group, as writers
	// lay them out and as some readers (parquet-go) expect: every column
	// index in row group and column order, then every offset index, moved
	// (they hold the absolute offsets of their pages).
	for _, ix := range indexes {
		if ix.column == nil {
			continue
		}
		if _, err := w.Write(ix.column); err != nil {
			return 0, fmt.Errorf("parquetcat: %s: %w", out, err)
		}
		c := &groups[ix.group].Columns[ix.chunk]
		c.ColumnIndexOffset, c.ColumnIndexLength = pos, int32(len(ix.column))
		pos += int64(len(ix.column))
	}
	for _, ix := range indexes {
		if ix.offset == nil {
			continue
		}
		b, err := thrift.Marshal(new(thrift.CompactProtocol), ix.offset)
		if err != nil {
			return 0, fmt.Errorf("parquetcat: offset index: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return 0, fmt.Errorf("parquetcat: %s: %w", out, err)
		}
		c := &groups[ix.group].Columns[ix.chunk]
		c.OffsetIndexOffset, c.OffsetIndexLength = pos, int32(len(b))
		pos += int64(len(b))
	}
	meta.RowGroups = groups
	meta.NumRows = rows
	b, err := thrift.Marshal(new(thrift.CompactProtocol), meta)
	if err != nil {
		return 0, fmt.Errorf("parquetcat: footer: %w", err)
	}
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(b)))
	for _, part := range [][]byte{b, n[:], magic} {
		if _, err := w.Write(part); err != nil {
			return 0, fmt.Errorf("parquetcat: %s: %w", out, err)
		}
	}
	return rows, nil
}

// pendingIndex is the page index of one column chunk of the new file (row
// group group, column chunk), written after the row groups: the column
// index as it was, the offset index moved.
type pendingIndex struct {
	group, chunk int
	column       []byte
	offset       *format.OffsetIndex
}

// appendFile copies the bytes of name between its magic and its footer to
// w at pos, moves the offsets of its metadata by the same distance, and
// returns the metadata and the position after the copy. Its row groups
// follow the base row groups already appended.
func appendFile(w io.Writer, name string, pos int64, base int, indexes *[]pendingIndex) (*format.FileMetaData, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	md, start, err := footer(f, st.Size(), name)
	if err != nil {
		return nil, 0, err
	}
	if md.EncryptionAlgorithm.Value != nil || len(md.FooterSigningKeyMetadata) > 0 {
		return nil, 0, fmt.Errorf("%s: encrypted files are not appended", name)
	}
	body := start - int64(len(magic))
	if _, err := io.Copy(w, io.NewSectionReader(f, int64(len(magic)), body)); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	delta := pos - int64(len(magic))
	move := func(off *int64) {
		if *off > 0 {
			*off += delta
		}
	}
	for gi := range md.RowGroups {
		g := &md.RowGroups[gi]
		move(&g.FileOffset)
		for ci := range g.Columns {
			c := &g.Columns[ci]
			if c.FilePath != "" {
				return nil, 0, fmt.Errorf("%s: column chunk in another file (%s) is not appended", name, c.FilePath)
			}
			move(&c.FileOffset)
			move(&c.MetaData.DataPageOffset)
			move(&c.MetaData.IndexPageOffset)
			move(&c.MetaData.DictionaryPageOffset)
			move(&c.MetaData.BloomFilterOffset)
			var ix pendingIndex
			if c.ColumnIndexOffset > 0 {
				ix.column = make([]byte, c.ColumnIndexLength)
				if _, err := f.ReadAt(ix.column, c.ColumnIndexOffset); err != nil {
					return nil, 0, fmt.Errorf("%s: column index: %w", name, err)
				}
			}
			if c.OffsetIndexOffset > 0 {
				buf := make([]byte, c.OffsetIndexLength)
				if _, err := f.ReadAt(buf, c.OffsetIndexOffset); err != nil {
					return nil, 0, fmt.Errorf("%s: offset index: %w", name, err)
				}
				ix.offset = new(format.OffsetIndex)
				if err := thrift.Unmarshal(new(thrift.CompactProtocol), buf, ix.offset); err != nil {
					return nil, 0, fmt.Errorf("%s: offset index: %w", name, err)
				}
				for i := range ix.offset.PageLocations {
					ix.offset.PageLocations[i].Offset += delta
				}
			}
			// until they are written again, the chunk has no page index
			c.ColumnIndexOffset, c.ColumnIndexLength, c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0, 0, 0
			if ix.column != nil || ix.offset != nil {
				ix.group, ix.chunk = base+gi, ci
				*indexes = append(*indexes, ix)
			}
		}
	}
	return md, pos + body, nil
}
