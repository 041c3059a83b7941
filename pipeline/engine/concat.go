package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// parquetMagic opens and closes every Parquet file.
var parquetMagic = []byte("PAR1")

// concatParquet writes the row groups of parts, in order, to out as one
// Parquet file, without decoding a value: each part's bytes between its
// magic and its footer (column chunks, page indexes, bloom filters) are
// copied as they are, and one footer lists every part's row groups, their
// offsets moved to where the bytes now lie. The parts must share a schema
// (they are ranges of one query). It returns the rows written.
func concatParquet(out string, parts []string) (int64, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := f.Write(parquetMagic); err != nil {
		return 0, err
	}
	var meta format.FileMetaData
	pos := int64(len(parquetMagic))
	for i, part := range parts {
		data, err := os.ReadFile(part)
		if err != nil {
			return 0, err
		}
		body, fm, err := splitParquet(data)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", part, err)
		}
		shiftOffsets(fm.RowGroups, pos-int64(len(parquetMagic)))
		if i == 0 {
			meta = fm
			meta.RowGroups, meta.NumRows = nil, 0
		} else if !slices.EqualFunc(meta.Schema, fm.Schema, func(a, b format.SchemaElement) bool {
			return a.Name == b.Name && a.Type == b.Type && a.NumChildren == b.NumChildren
		}) {
			return 0, fmt.Errorf("%s: its schema differs from %s's", part, parts[0])
		}
		meta.RowGroups = append(meta.RowGroups, fm.RowGroups...)
		meta.NumRows += fm.NumRows
		if _, err := f.Write(body); err != nil {
			return 0, err
		}
		pos += int64(len(body))
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &meta)
	if err != nil {
		return 0, err
	}
	tail := binary.LittleEndian.AppendUint32(footer, uint32(len(footer)))
	if _, err := f.Write(append(tail, parquetMagic...)); err != nil {
		return 0, err
	}
	return meta.NumRows, f.Close()
}

// splitParquet returns a Parquet file's bytes between its leading magic
// and its footer, and its footer decoded.
func splitParquet(data []byte) ([]byte, format.FileMetaData, error) {
	var fm format.FileMetaData
	n := len(data)
	if n < 12 || !bytes.Equal(data[:4], parquetMagic) || !bytes.Equal(data[n-4:], parquetMagic) {
		return nil, fm, errors.New("not a Parquet file")
	}
	size := int(binary.LittleEndian.Uint32(data[n-8 : n-4]))
	if size > n-12 {
		return nil, fm, errors.New("footer longer than the file")
	}
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[n-8-size:n-8], &fm); err != nil {
		return nil, fm, fmt.Errorf("footer: %w", err)
	}
	return data[4 : n-8-size], fm, nil
}

// shiftOffsets moves every file offset a footer's row groups hold by d
// bytes (an offset of 0 is one the writer did not set).
func shiftOffsets(groups []format.RowGroup, d int64) {
	move := func(off *int64) {
		if *off > 0 {
			*off += d
		}
	}
	for g := range groups {
		rg := &groups[g]
		move(&rg.FileOffset)
		for c := range rg.Columns {
			cc := &rg.Columns[c]
			move(&cc.FileOffset)
			move(&cc.OffsetIndexOffset)
			move(&cc.ColumnIndexOffset)
			move(&cc.MetaData.DataPageOffset)
			move(&cc.MetaData.IndexPageOffset)
			move(&cc.MetaData.DictionaryPageOffset)
			move(&cc.MetaData.BloomFilterOffset)
		}
	}
}
