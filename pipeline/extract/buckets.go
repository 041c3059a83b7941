package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Partner buckets: a table too big to compute in one piece is computed in
// ranges of partners (engine.PlanRanges), and splitting its bookings into
// those ranges after landing them cost a second pass over every booking
// (94 s of a 100M-booking run, BENCHMARKS.md). So when the bookings are
// estimated at more than Options.BucketAbove rows, they land instead in
// buckets of about Options.BucketRows bookings: bookings-00000.parquet,
// bookings-00001.parquet, ..., each holding the bookings of the partners
// from its first partner_id up to the next bucket's, which its footer names
// (key-value metadata FirstPartnerKey). The cuts are accepted partner_ids,
// as many partners to a bucket, so a bucket's size is only as even as the
// partners' bookings; engine.PlanRanges puts whole buckets in a range.

// FirstPartnerKey is the key of a bucket file's footer metadata whose value
// is the first partner_id the bucket holds (the first bucket also holds
// every partner_id below it).
const FirstPartnerKey = "tally.first_partner_id"

// maxBuckets bounds the bucket files of one table (their names have five
// digits).
const maxBuckets = 99_999

// BucketFile is the name of bucket i of table.
func BucketFile(table string, i int) string { return fmt.Sprintf("%s-%05d.parquet", table, i) }

// partnerCuts cuts the accepted partner_ids, in order, into at most n
// buckets of as many partners each and returns each bucket's first
// partner_id; nil when there are not two buckets.
func partnerCuts(partners map[string]bool, n int64) []string {
	n = min(n, int64(len(partners)), maxBuckets)
	if n < 2 {
		return nil
	}
	ids := make([]string, 0, len(partners))
	for id := range partners {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cuts := make([]string, n)
	for k := range cuts {
		cuts[k] = ids[int64(k)*int64(len(ids))/n]
	}
	return cuts
}

// bucketOf is the bucket of partner id: the last whose cut is at or below
// it (the first for an id below every cut).
func bucketOf(cuts []string, id string) int {
	return max(0, sort.Search(len(cuts), func(k int) bool { return cuts[k] > id })-1)
}

// rowFiles is where a table's accepted rows land: one Parquet file, or its
// partner buckets. Methods as parquetFile's.
type rowFiles[T any] interface {
	write(batches ...[]T) error
	hold() int // how many chunks of rows the sink hands write at once
	commit() error
	abort()
	drop(skip func(*T) bool) error
}

// bucketHold is how many chunks buckets takes at once: each bucket's share
// of one chunk (2,048 rows over a hundred buckets at 100M bookings) was
// too few rows for parquet-go's per-call cost, which took extraction a
// quarter longer (BENCHMARKS.md).
const bucketHold = 16

// bucketRowGroupRows bounds a bucket's row groups: parquet-go holds the
// values of a file's current row group in memory, so 143 buckets (100M
// bookings) of rowGroupRows each could hold 1.8 GB of them, of the Go heap
// keyMemory bounds. With this, 143 buckets took extraction's peak RSS at
// 10M bookings from 0.93 to 1.38 GB (BENCHMARKS.md).
const bucketRowGroupRows = 32768

// buckets is a table landed in partner buckets (the Partner buckets above).
type buckets[T any] struct {
	dir     string
	table   string
	cuts    []string
	partner func(*T) string
	files   []*parquetFile[T]
	parts   [][]T // a batch's rows of each bucket, reused
}

func createBuckets[T any](dir, table string, cuts []string, partner func(*T) string) (*buckets[T], error) {
	b := &buckets[T]{dir: dir, table: table, cuts: cuts, partner: partner, parts: make([][]T, len(cuts))}
	for k, cut := range cuts {
		path := filepath.Join(dir, BucketFile(table, k))
		f, err := createParquetAt[T](path, filepath.Join(dir, "."+BucketFile(table, k)+".tmp"), codec,
			parquet.KeyValueMetadata(FirstPartnerKey, cut), parquet.MaxRowsPerRowGroup(bucketRowGroupRows))
		if err != nil {
			b.abort()
			return nil, err
		}
		b.files = append(b.files, f)
	}
	return b, nil
}

// write hands each row to its bucket's file. The rows may point into their
// chunks' memory, so each bucket's share is written before write returns.
func (b *buckets[T]) write(batches ...[]T) error {
	for _, rows := range batches {
		for i := range rows {
			k := bucketOf(b.cuts, b.partner(&rows[i]))
			b.parts[k] = append(b.parts[k], rows[i])
		}
	}
	var err error
	for k, p := range b.parts {
		if len(p) > 0 && err == nil {
			err = b.files[k].write(p)
		}
		clear(p) // drop references to the batch's strings
		b.parts[k] = p[:0]
	}
	return err
}

func (b *buckets[T]) hold() int { return bucketHold }

// commit renames every bucket into place and removes the table's files of
// an earlier landing that are not among them (a <table>.parquet, or more
// buckets), which readers of <table>/*.parquet would otherwise read too.
func (b *buckets[T]) commit() error {
	for _, f := range b.files {
		if err := f.commit(); err != nil {
			return err
		}
	}
	return removeStale(b.dir, b.table, len(b.files))
}

func (b *buckets[T]) abort() {
	for _, f := range b.files {
		f.abort()
	}
}

func (b *buckets[T]) drop(skip func(*T) bool) error {
	for _, f := range b.files {
		if err := f.drop(skip); err != nil {
			return err
		}
	}
	return nil
}

// single is a table landed in one file, <table>.parquet.
type single[T any] struct {
	*parquetFile[T]
	dir, table string
}

func (s single[T]) write(batches ...[]T) error {
	for _, rows := range batches {
		if err := s.parquetFile.write(rows); err != nil {
			return err
		}
	}
	return nil
}

func (s single[T]) hold() int { return 1 }

func (s single[T]) commit() error {
	if err := s.parquetFile.commit(); err != nil {
		return err
	}
	return removeStale(s.dir, s.table, 0)
}

// removeStale removes the Parquet files of table in dir other than its
// first n buckets (n 0: other than <table>.parquet).
func removeStale(dir, table string, n int) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	keep := map[string]bool{}
	if n == 0 {
		keep[table+".parquet"] = true
	}
	for k := range n {
		keep[BucketFile(table, k)] = true
	}
	for _, f := range files {
		if name := filepath.Base(f); !keep[name] && (name == table+".parquet" || strings.HasPrefix(name, table+"-")) {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("extract: %w", err)
			}
		}
	}
	return nil
}
