package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tally/pipeline/parquetcat"
)

// Partner ranges: every rule but influence is a rule about one partner's own
// rows, so a big run is computed one range of partners (in partner_id order)
// at a time, each small enough for memory, and the ranges' outputs, each
// sorted, are appended in range order: the files are sorted by partner_id
// with no global sort, and memory stays flat however many partners there
// are (BENCHMARKS.md). Influence is earned on other partners' bookings: the
// one model that reads them (matchModel, sql/035_influence_matches.sql) runs
// once over every partner before the ranges, and each range reads the
// matches of its own claims.
//
// The flow: PlanRanges and SplitRaw once; for each range LoadRange, Run,
// Checks, Release and Export to a directory of its own; then Concat.

// DefaultRangeBookings is how many bookings a range holds at most (a partner
// with more is a range of its own) when Settings.RangeBookings is 0.
// DefaultSplitAbove is the most bookings a run computes in one piece when
// Settings.SplitAbove is 0. Measured at 10M bookings (BENCHMARKS.md): in one
// piece 152-154 s, in four ranges 170-185 s (splitting the raw tables and
// appending the ranges' files cost more than the ranges saved), and a run
// in one piece stays within the default memory_limit up to there.
const (
	DefaultRangeBookings = 2_500_000
	DefaultSplitAbove    = 10_000_000
)

// Split says whether a run of this many bookings is computed in ranges.
func Split(bookings int64, s Settings) bool {
	above := s.SplitAbove
	if above == 0 {
		above = DefaultSplitAbove
	}
	return above > 0 && bookings > above
}

// partnerTables are the input tables split by partner; the others
// (fx_rates, rejects) are the same for every range.
var partnerTables = []string{
	"partners", "business_models", "requirements", "bookings", "oem_credits",
	"lifecycle_claims", "influence_claims", "capabilities",
}

// rangeColumns are the columns of a partner table that the models read in
// a range, for the tables that have more: the split writes only these.
// The bookings' customer, opportunity and contract partners are read only
// by the influence match, which runs before the ranges over every partner
// (splitMatches); without them, the split of 100M bookings took 66 s
// against 89 s (BENCHMARKS.md). A lifecycle claim's customer and
// opportunity are read by no model. A model that reads another column in a
// range fails there, naming it (TestRangesPublishTheSameTables runs every
// model in ranges).
var rangeColumns = map[string]string{
	"bookings":         "booking_id, partner_id, solution, booked_on, tcv, currency, license_type, tags, status, terminated_on",
	"lifecycle_claims": "claim_id, partner_id, activity, status, approved_on",
}

// columnsOf is what a range reads of table, as a select list on the
// table's alias t.
func columnsOf(table string) string {
	if c, ok := rangeColumns[table]; ok {
		return c
	}
	return "t.*"
}

// Range is one range of partners, run on its own.
type Range struct {
	Index        int    `json:"index"`
	FirstPartner string `json:"first_partner"`
	LastPartner  string `json:"last_partner"`
	Partners     int64  `json:"partners"`
	Bookings     int64  `json:"bookings"`
}

func rawFile(rawDir, table string) string {
	return filepath.Join(rawDir, table, table+".parquet")
}

// PlanRanges cuts the partners of rawDir, in partner_id order, into ranges
// of at most perRange bookings (0: DefaultRangeBookings; below 0: one range;
// a partner with more is a range of its own), and keeps each partner's
// range in the temporary table range_of for SplitRaw.
func (e *Engine) PlanRanges(ctx context.Context, rawDir string, perRange int64) ([]Range, error) {
	if perRange == 0 {
		perRange = DefaultRangeBookings
	}
	if perRange < 0 {
		perRange = 1 << 62
	}
	stmt := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE partner_bookings AS
		WITH n AS (SELECT partner_id, count(*) AS bookings FROM read_parquet(%s) GROUP BY partner_id)
		SELECT p.partner_id, coalesce(n.bookings, 0) AS bookings
		FROM read_parquet(%s) p LEFT JOIN n USING (partner_id)`,
		literal(rawFile(rawDir, "bookings")), literal(rawFile(rawDir, "partners")))
	if _, err := e.db.ExecContext(ctx, stmt); err != nil {
		return nil, fmt.Errorf("engine: plan partner ranges: %w", err)
	}
	// Greedy, in partner_id order: a partner with bookings starts a new
	// range when they would take the current one, which has some, over
	// perRange (a partner with none joins the current range).
	rows, err := e.db.QueryContext(ctx, "SELECT partner_id, bookings FROM partner_bookings ORDER BY partner_id")
	if err != nil {
		return nil, fmt.Errorf("engine: plan partner ranges: %w", err)
	}
	var out []Range
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("engine: plan partner ranges: %w", err)
		}
		if cur := len(out) - 1; cur < 0 || n > 0 && out[cur].Bookings > 0 && out[cur].Bookings+n > perRange {
			out = append(out, Range{Index: len(out), FirstPartner: id})
		}
		r := &out[len(out)-1]
		r.LastPartner, r.Partners, r.Bookings = id, r.Partners+1, r.Bookings+n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: plan partner ranges: %w", err)
	}
	if len(out) == 0 { // no partners: one empty range
		return []Range{{}}, nil
	}
	firsts := make([]string, len(out))
	for i, r := range out {
		firsts[i] = literal(r.FirstPartner)
	}
	// Each partner's range: the last range that starts at or before it.
	stmt = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE range_of AS
		WITH b AS (SELECT (generate_subscripts(f, 1) - 1)::INTEGER AS range_index, unnest(f) AS first_partner
		           FROM (SELECT [%s]::VARCHAR[] AS f))
		SELECT p.partner_id, b.range_index
		FROM partner_bookings p ASOF JOIN b ON p.partner_id >= b.first_partner`, strings.Join(firsts, ", "))
	if _, err := e.db.ExecContext(ctx, stmt); err != nil {
		return nil, fmt.Errorf("engine: plan partner ranges: %w", err)
	}
	return out, nil
}

// SplitRaw writes the partner tables of rawDir (the columns a range reads,
// rangeColumns) under splitDir, one directory per range
// (splitDir/<table>/range_index=<i>/), in one pass over each table: reading a range's rows from the whole file instead costs a scan of
// it per range. Every row lands in exactly one range: a row whose partner
// is not in partners (extract rejects those) stops the run rather than
// vanish. It then computes the influence matches of every claim over every
// partner's bookings (matchModel, with the rule tables, which the caller has
// loaded) and writes them in the range of the claim's partner.
func (e *Engine) SplitRaw(ctx context.Context, rawDir, splitDir string) error {
	// Uncompressed: read once, removed after the ranges; a fifth faster to
	// write than zstd level 1 (10M bookings: 9.9 s against 11.9 s), for
	// three times the disk.
	opts := "(FORMAT parquet, PARTITION_BY (range_index), COMPRESSION uncompressed)"
	if err := os.MkdirAll(splitDir, 0o755); err != nil {
		return fmt.Errorf("engine: split: %w", err)
	}
	for _, t := range partnerTables {
		src := literal(rawFile(rawDir, t))
		res, err := e.db.ExecContext(ctx, fmt.Sprintf(
			"COPY (SELECT %s, r.range_index FROM read_parquet(%s) t JOIN range_of r USING (partner_id)) TO %s %s",
			columnsOf(t), src, literal(filepath.Join(splitDir, t)), opts))
		if err != nil {
			return fmt.Errorf("engine: split %s: %w", t, err)
		}
		written, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("engine: split %s: %w", t, err)
		}
		var n int64
		if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet("+src+")").Scan(&n); err != nil {
			return fmt.Errorf("engine: split %s: %w", t, err)
		}
		if written != n {
			return fmt.Errorf("engine: split %s: %d of %d rows have a partner_id that is not in partners", t, n-written, n)
		}
	}
	if err := e.splitMatches(ctx, rawDir, splitDir, opts); err != nil {
		return fmt.Errorf("engine: split influence matches: %w", err)
	}
	return nil
}

// splitMatches runs matchModel (and the models it reads: the macros, the
// program years and the day rates) over every partner's claims and
// bookings, read where they lie, and writes the matches by the range of the
// claim's partner, with an empty file of their columns for a range that has
// none. It drops what the models made: the ranges make their own.
func (e *Engine) splitMatches(ctx context.Context, rawDir, splitDir, opts string) error {
	for _, t := range []string{"bookings", "oem_credits", "influence_claims", "fx_rates"} {
		if _, err := e.db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s)",
			ident("raw_"+t), literal(rawFile(rawDir, t)))); err != nil {
			return err
		}
	}
	if _, err := e.runModels(ctx, []string{"000_macros.sql", "010_years.sql", "012_day_rates.sql", matchModel}); err != nil {
		return err
	}
	for _, stmt := range []string{
		fmt.Sprintf("COPY (SELECT m.*, r.range_index FROM influence_match_rows m JOIN range_of r USING (partner_id)) TO %s %s",
			literal(filepath.Join(splitDir, "influence_matches")), opts),
		fmt.Sprintf("COPY (SELECT * FROM influence_match_rows LIMIT 0) TO %s (FORMAT parquet)", literal(emptyMatches(splitDir))),
		"DROP VIEW influence_match_rows",
		"DROP TABLE deal_transactors",
		"DROP TABLE influence_match_params",
		"DROP TABLE day_rates",
		"DROP VIEW raw_bookings",
		"DROP VIEW raw_oem_credits",
		"DROP VIEW raw_influence_claims",
		"DROP VIEW raw_fx_rates",
	} {
		if _, err := e.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// emptyMatches holds the matches' columns, for a range with none.
func emptyMatches(splitDir string) string {
	return filepath.Join(splitDir, "influence_matches_columns.parquet")
}

// LoadRange creates the raw tables of range i (in place of LoadRaw, which a
// run in ranges does not call): its partners' rows of every partner table
// and the influence matches of its claims, from splitDir; fx_rates; and the
// rejects in range 0 only (they are exported once).
func (e *Engine) LoadRange(ctx context.Context, rawDir, splitDir string, i int) error {
	load := func(name, table, columns, list string) error {
		dir := filepath.Join(splitDir, table, fmt.Sprintf("range_index=%d", i))
		files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
		if err != nil {
			return err
		}
		// A range with no rows of the table: its columns, no rows.
		src := fmt.Sprintf("(SELECT %s FROM read_parquet(%s) t LIMIT 0)", list, literal(columns))
		if len(files) > 0 {
			src = fmt.Sprintf("read_parquet(%s, hive_partitioning = false)", literal(filepath.Join(dir, "*.parquet")))
		}
		kind := "TABLE"
		if streamed[table] || table == "influence_matches" {
			kind = "VIEW" // read where it lies, as LoadRaw does
		}
		_, err = e.db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE %s %s AS SELECT * FROM %s", kind, ident(name), src))
		return err
	}
	for _, t := range partnerTables {
		if err := load("raw_"+t, t, rawFile(rawDir, t), columnsOf(t)); err != nil {
			return fmt.Errorf("engine: load range %d of %s: %w", i, t, err)
		}
	}
	if err := load("influence_match_rows", "influence_matches", emptyMatches(splitDir), "t.*"); err != nil {
		return fmt.Errorf("engine: load range %d influence matches: %w", i, err)
	}
	e.matched = true
	for _, t := range []string{"fx_rates", "rejects"} {
		q := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_parquet(%s)", ident("raw_"+t), literal(rawFile(rawDir, t)))
		if t == "rejects" && i > 0 {
			q += " LIMIT 0"
		}
		if _, err := e.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("engine: load range %d of %s: %w", i, t, err)
		}
	}
	return nil
}

// MergeChecks adds one range's check results to those of the ranges before
// it: failing rows are summed, and the samples are the first failing rows
// of the first ranges that have any, up to sampleRows.
func MergeChecks(all, r []Check) []Check {
	if all == nil {
		return r
	}
	for i := range all {
		for _, c := range r {
			if c.Name != all[i].Name {
				continue
			}
			all[i].FailingRows += c.FailingRows
			all[i].Passed = all[i].Passed && c.Passed
			if all[i].Columns == nil {
				all[i].Columns = c.Columns
			}
			for _, row := range c.Sample {
				if len(all[i].Sample) < sampleRows {
					all[i].Sample = append(all[i].Sample, row)
				}
			}
		}
	}
	return all
}

// Concat writes each output table into dir as one file: the rows of
// parts[0]/<table>.parquet, then parts[1]'s, and so on, in order (each part
// sorted, the ranges in partner_id order, so the file is sorted too). The
// parts' row groups are copied as they are (pipeline/parquetcat): at 10M
// bookings, reading and writing them again through DuckDB took about 19 s.
func (e *Engine) Concat(ctx context.Context, parts []string, dir string, outputs [][]Output) ([]Output, error) {
	var out []Output
	for ti, t := range OutputTables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		files := make([]string, len(parts))
		var n int64
		for i, p := range parts {
			files[i] = filepath.Join(p, t+".parquet")
			if len(outputs[i]) <= ti || outputs[i][ti].Table != t {
				return nil, errors.New("engine: concat: outputs do not match the tables")
			}
			n += outputs[i][ti].Rows
		}
		file := filepath.Join(dir, t+".parquet")
		written, err := parquetcat.Files(file, files)
		if err != nil {
			return nil, fmt.Errorf("engine: concat %s: %w", t, err)
		}
		if written != n {
			return nil, fmt.Errorf("engine: concat %s: wrote %d rows of %d", t, written, n)
		}
		out = append(out, Output{Table: t, File: file, Rows: n})
	}
	return out, nil
}
