package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// batchSize is the number of records read, checked and written at a time.
const batchSize = 2048

// prefetchAhead is how many rows ahead of its probe a row's key slot is
// prefetched (keySet.prefetch).
const prefetchAhead = 16

// progressEvery is how often a long table logs its progress.
const progressEvery = 5 * time.Second

// spec is one landing table: its columns, its key and how a record becomes
// a typed row.
type spec[T any] struct {
	name      string
	cols      []column
	key       []int // the key's columns (CONTRACT.md brackets)
	convert   func(c *rowCheck, e *env, row *T)
	rowNumber func(*T) *int64

	// collect sees every row accepted so far, in order; settle is called
	// once the table is done with the rows that were then rejected as
	// duplicates after all (row number -> another row with the key).
	// Together they build what later tables check against.
	collect func(e *env, row *T)
	settle  func(e *env, excluded map[int64]int64)
}

// job is one table to extract.
type job struct {
	in     landing
	src    reader // nil when an optional table is absent; the caller closes it
	rawDir string // "" = write nothing
	env    *env
	log    *slog.Logger
}

// outcome is what extracting one table leaves for Run.
type outcome struct {
	result  TableResult
	rejects string   // a temporary Parquet file of the table's rejects, in row order; "" when none
	late    []Reject // the first copies of duplicate keys, found at the end, in row order
}

// extract reads, checks and lands one table.
//
// Duplicate keys: a key on more than one row rejects every row that has it
// (a copy with a problem of its own is rejected for that problem). Every
// row with a complete key puts its key's 128-bit hash in a key set with its
// row number. A later copy is rejected at once; the first copy was usually
// accepted and written already, so it is remembered, and at the end the
// written file is rewritten without those rows (streaming) and the input is
// read once more for their raw text. Memory is the key set, 24 bytes a slot;
// the rewrite only happens when there were duplicates.
func (s *spec[T]) extract(ctx context.Context, j *job) (_ *outcome, err error) {
	start := time.Now()
	o := &outcome{result: TableResult{Table: s.name, File: j.in.path, Format: j.in.format, Source: j.in.source, Reasons: map[string]int64{}}}
	var out *parquetFile[T]
	var rej *parquetFile[Reject]
	defer func() {
		if err != nil {
			out.abort()
			rej.abort()
		}
	}()
	if j.rawDir != "" {
		o.result.Output = filepath.Join(j.rawDir, s.name, s.name+".parquet")
		if out, err = createParquet[T](o.result.Output); err != nil {
			return nil, err
		}
	}

	excluded := map[int64]int64{}
	if j.src != nil {
		var (
			keys     keySet // key hash -> first row; negative when that row was rejected
			hashes   = make([]hashed, 0, batchSize)
			hasher   = newKeyHasher()
			chk      = rowCheck{cols: s.cols}
			res      = &o.result
			progress = time.Now()
			snk      = newSink(out, filepath.Join(j.rawDir, "rejects", "."+s.name+".rejects.parquet"))
		)
		keys.reserve(j.src.rows())
		defer keys.release()
		err := stream(ctx, j.src, len(s.cols), func(batch []record) error {
			c := snk.next()
			chk.mem = &c.mem
			hashes = hashes[:0]
			for i := range batch {
				h, ok := hasher.sum(&batch[i], s)
				hashes = append(hashes, hashed{h, ok && batch[i].malformed == ""})
			}
			for i := range min(prefetchAhead, len(hashes)) {
				keys.prefetch(hashes[i].key)
			}
			for i := range batch {
				if i+prefetchAhead < len(hashes) {
					keys.prefetch(hashes[i+prefetchAhead].key)
				}
				rec := &batch[i]
				res.RowsRead++
				f := fault{reason: ReasonMalformedRow, detail: rec.malformed}
				if rec.malformed == "" {
					c.rows = append(c.rows, *new(T))
					row := &c.rows[len(c.rows)-1]
					chk.rec, chk.fault = rec, fault{}
					s.convert(&chk, j.env, row)
					*s.rowNumber(row) = rec.row
					f = chk.fault
					if h := hashes[i]; h.ok {
						mark := rec.row
						if f.reason != "" {
							mark = -rec.row
						}
						if first, seen := keys.putIfAbsent(h.key, mark); seen {
							if f.reason == "" {
								f = fault{reason: ReasonDuplicateKey, detail: duplicateDetail(rec, s, abs(first))}
							}
							if _, done := excluded[first]; first > 0 && !done {
								excluded[first] = rec.row
							}
						}
					}
					if f.reason != "" {
						c.rows = c.rows[:len(c.rows)-1]
					} else if s.collect != nil {
						s.collect(j.env, row)
					}
				}
				if f.reason == "" {
					res.Accepted++
					continue
				}
				res.Rejected++
				res.Reasons[f.reason]++
				if out != nil {
					c.rejects = append(c.rejects, Reject{Table: s.name, RowNumber: rec.row, Key: keyText(rec, s), Reason: f.reason, Detail: f.detail, Raw: rec.raw()})
				}
			}
			if time.Since(progress) >= progressEvery {
				progress = time.Now()
				j.log.Info("extracting", "table", s.name, "rows", res.RowsRead, "rejected", res.Rejected)
			}
			return snk.put(c)
		})
		r, werr := snk.close()
		rej = r
		if werr != nil {
			err = werr
		}
		if err != nil {
			return nil, err
		}
		o.result.SHA256 = j.src.sha256()
	}

	if n := int64(len(excluded)); n > 0 {
		o.result.Accepted -= n
		o.result.Rejected += n
		o.result.Reasons[ReasonDuplicateKey] += n
		if out != nil {
			if err := out.drop(func(r *T) bool { _, x := excluded[*s.rowNumber(r)]; return x }); err != nil {
				return nil, err
			}
			if o.late, err = s.firstCopies(ctx, j, excluded); err != nil {
				return nil, err
			}
		}
	}
	if s.settle != nil {
		s.settle(j.env, excluded)
	}
	if err := out.commit(); err != nil {
		return nil, err
	}
	if err := rej.finish(); err != nil {
		return nil, err
	}
	if rej != nil {
		o.rejects = rej.tmp
	}
	if len(o.result.Reasons) == 0 {
		o.result.Reasons = nil
	}
	r := o.result
	args := []any{"table", s.name, "file", r.File}
	if r.Source != nil {
		rel := "(absent)"
		if r.Source.Table != "" {
			rel = r.Source.Schema + "." + r.Source.Table
		}
		args = []any{"table", s.name, "relation", rel}
	}
	j.log.Info("extracted", append(args, "format", r.Format, "rows", r.RowsRead,
		"accepted", r.Accepted, "rejected", r.Rejected, "seconds", time.Since(start).Round(time.Millisecond).Seconds())...)
	return o, nil
}

// firstCopies reads the input again for the rows that were accepted before
// a later copy of their key showed up, and rejects them.
func (s *spec[T]) firstCopies(ctx context.Context, j *job, excluded map[int64]int64) ([]Reject, error) {
	src, err := j.in.open(s.cols, s.key)
	if err != nil {
		return nil, err
	}
	defer src.close()
	var last int64
	for row := range excluded {
		last = max(last, row)
	}
	var late []Reject
	err = stream(ctx, src, len(s.cols), func(batch []record) error {
		for i := range batch {
			rec := &batch[i]
			if other, ok := excluded[rec.row]; ok {
				late = append(late, Reject{Table: s.name, RowNumber: rec.row, Key: keyText(rec, s), Reason: ReasonDuplicateKey,
					Detail: duplicateDetail(rec, s, other), Raw: rec.raw()})
			}
			if rec.row >= last {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	if len(late) != len(excluded) {
		return nil, &InputError{File: j.in.where(), Msg: fmt.Sprintf("the input changed while it was read: %d of %d rows found again", len(late), len(excluded))}
	}
	return late, nil
}

var errEnough = errors.New("enough rows read")

// stream reads src on its own goroutine, in batches, and hands each batch
// to use on the calling goroutine, in order, so parsing overlaps checking
// and writing. A batch's records are reused once use returns. It returns
// the first error of either side.
func stream(ctx context.Context, src reader, ncols int, use func([]record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const inFlight = 3
	free := make(chan []record, inFlight)
	for range inFlight {
		free <- make([]record, batchSize)
	}
	full := make(chan []record, inFlight)
	var readErr error
	go func() {
		defer close(full)
		for {
			var b []record
			select {
			case b = <-free:
			case <-ctx.Done():
				readErr = ctx.Err()
				return
			}
			n, eof := 0, false
			for ; n < len(b); n++ {
				b[n].reset(ncols)
				err := src.read(&b[n])
				if err == io.EOF {
					eof = true
					break
				}
				if err != nil {
					readErr = err
					return
				}
			}
			if n > 0 {
				select {
				case full <- b[:n]:
				case <-ctx.Done():
					readErr = ctx.Err()
					return
				}
			}
			if eof {
				return
			}
		}
	}()
	var useErr error
	for b := range full {
		if useErr == nil {
			if useErr = ctx.Err(); useErr == nil {
				useErr = use(b)
			}
			if useErr != nil {
				cancel()
			}
		}
		free <- b[:cap(b)]
	}
	if useErr != nil {
		return useErr
	}
	return readErr
}

// hashed is a record's key hash; ok is false when the record has no
// complete key (a null key value, a malformed row).
type hashed struct {
	key keyHash
	ok  bool
}

// keyed is what key functions need of a spec.
type keyed interface {
	columns() []column
	keyColumns() []int
}

func (s *spec[T]) columns() []column { return s.cols }
func (s *spec[T]) keyColumns() []int { return s.key }

// keyText is the row's key values joined with "|" ("" when all are null).
func keyText(rec *record, s keyed) string {
	cols := s.columns()
	var b strings.Builder
	empty := true
	for n, i := range s.keyColumns() {
		if n > 0 {
			b.WriteByte('|')
		}
		if i < len(rec.vals) && rec.vals[i].kind == text {
			t := rec.vals[i].text
			if cols[i].upper {
				t = strings.ToUpper(t)
			}
			b.WriteString(t)
			empty = false
		}
	}
	if empty {
		return ""
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// duplicateDetail says which other row has the same key.
func duplicateDetail(rec *record, s keyed, other int64) string {
	var names []string
	for _, i := range s.keyColumns() {
		names = append(names, s.columns()[i].name)
	}
	label := "column "
	if len(names) > 1 {
		label = "columns "
	}
	return fmt.Sprintf("%s%s: key %q is also on row %d", label, strings.Join(names, "|"), keyText(rec, s), other)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
