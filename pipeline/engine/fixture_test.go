package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

// world is a tiny program: raw rows per table and a rulebook. Tests build
// one per rule, run the models at an as_of and query the tables.
type world struct {
	rulebook     string
	partners     []extract.Partner
	models       []extract.BusinessModel
	requirements []extract.Requirement
	bookings     []extract.Booking
	oem          []extract.OEMCredit
	lifecycle    []extract.LifecycleClaim
	influence    []extract.InfluenceClaim
	capabilities []extract.Capability
	fx           []extract.FXRate
}

// baseRulebook is the CONTRACT example rulebook.
func baseRulebook(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func d(s string) int32   { return int32(date.MustParse(s)) }
func dp(s string) *int32 { v := d(s); return &v }
func sp(s string) *string {
	return &s
}

// usd is a TCV in whole dollars, scaled for the raw tcv column.
func usd(dollars float64) int64 { return int64(dollars*1e6 + 0.5) }

// partner is enrolled long before the example years, in good standing from
// 2020 on, registered as a solution reseller.
func (w *world) partner(id string) *world {
	w.partners = append(w.partners, extract.Partner{PartnerID: id, Name: id, Country: "US", EnrolledOn: d("2020-01-01")})
	w.models = append(w.models, extract.BusinessModel{PartnerID: id, BusinessModel: "solution_reseller", RegisteredOn: d("2020-01-01")})
	for _, r := range []string{"partner_agreement", "integrity_training", "due_diligence", "enrollment_fee"} {
		w.requirements = append(w.requirements, extract.Requirement{PartnerID: id, Requirement: r, CompletedOn: d("2020-01-01")})
	}
	return w
}

// booking adds a USD booking with no tags.
func (w *world) booking(id, partner, on string, dollars float64, license string) *extract.Booking {
	w.bookings = append(w.bookings, extract.Booking{
		BookingID: id, PartnerID: partner, CustomerID: "C-" + id, Solution: "vcf", BookedOn: d(on),
		TCV: usd(dollars), Currency: "USD", LicenseType: license, Status: "booked",
		Tags: []string{}, ContractPartnerIDs: []string{},
	})
	return &w.bookings[len(w.bookings)-1]
}

func writeRaw[T any](t *testing.T, dir, table string, rows []T) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, table), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, table, table+".parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// run lands the world's rows as raw Parquet, loads them with the rulebook and
// runs every model for asOf. The engine is closed when the test ends.
func (w *world) run(t *testing.T, asOf string) *engine.Engine {
	t.Helper()
	return w.runWith(t, asOf, engine.Settings{Threads: 2})
}

// runWith is run with the given engine settings.
func (w *world) runWith(t *testing.T, asOf string, s engine.Settings) *engine.Engine {
	t.Helper()
	e, _ := w.runSteps(t, asOf, s)
	return e
}

// runSteps is runWith, and returns the models' steps too.
func (w *world) runSteps(t *testing.T, asOf string, s engine.Settings) (*engine.Engine, []engine.Step) {
	t.Helper()
	dir := w.land(t)
	rb := w.rules(t)
	ctx := context.Background()
	e, err := engine.Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.LoadRaw(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(ctx, rb.Tables(date.MustParse(asOf))); err != nil {
		t.Fatal(err)
	}
	steps, err := e.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return e, steps
}

// rules is the world's rulebook (the example's unless it has its own).
func (w *world) rules(t *testing.T) *rulebook.Rulebook {
	t.Helper()
	text := w.rulebook
	if text == "" {
		text = baseRulebook(t)
	}
	rb, err := rulebook.Parse("rulebook.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// land writes the world's rows as a raw directory, as extract lands them.
func (w *world) land(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := range w.partners {
		w.partners[i].RowNumber = int64(i + 1)
	}
	for i := range w.bookings {
		w.bookings[i].RowNumber = int64(i + 1)
	}
	writeRaw(t, dir, "partners", w.partners)
	writeRaw(t, dir, "business_models", w.models)
	writeRaw(t, dir, "requirements", w.requirements)
	writeRaw(t, dir, "bookings", w.bookings)
	writeRaw(t, dir, "oem_credits", w.oem)
	writeRaw(t, dir, "lifecycle_claims", w.lifecycle)
	writeRaw(t, dir, "influence_claims", w.influence)
	writeRaw(t, dir, "capabilities", w.capabilities)
	writeRaw(t, dir, "fx_rates", w.fx)
	writeRaw(t, dir, "rejects", []extract.Reject{})
	return dir
}

// rows runs a query and returns its rows as "a|b|c" strings (NULL for nulls).
func rows(t *testing.T, e *engine.Engine, q string, args ...any) []string {
	t.Helper()
	r, err := e.DB().Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out []string
	for r.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ledger lists a partner's ledger rows as "source_id|component|rule_id|points".
func ledger(t *testing.T, e *engine.Engine, partner string) []string {
	t.Helper()
	return rows(t, e, `SELECT source_id, component, coalesce(rule_id, '-'), points::VARCHAR
		FROM points_ledger WHERE partner_id = ? ORDER BY earned_on, source_id, component, rule_id`, partner)
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestChecksPassOnATinyProgram(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-05-01", 1000, "subscription")
	e := w.run(t, "2023-06-30")
	checks, err := e.Checks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) == 0 {
		t.Fatal("no checks ran")
	}
	for _, c := range checks {
		if !c.Passed {
			t.Errorf("check %s failed: %v", c.Name, c.Sample)
		}
	}
	equal(t, "ledger", ledger(t, e, "P1"), []string{"B1|base|-|1.00", "B1|multiplier|saas_subscription|0.50"})
}

// The checks fail on a ledger that loses, doubles or misrounds an event.
func TestChecksCatchTampering(t *testing.T) {
	for _, c := range []struct {
		name, tamper string
		failing      []string
	}{
		{"base row lost", `DELETE FROM booking_events WHERE source_id = 'B2'`,
			[]string{"base_reconciles_to_bookings", "events_accounted_for"}},
		{"base row doubled", `INSERT INTO booking_events SELECT * FROM booking_events WHERE source_id = 'B2'`,
			[]string{"base_reconciles_to_bookings", "events_accounted_for"}},
		{"earning event also denied", `INSERT INTO denials VALUES ('P1', 'booking', 'B1', 'before_enrollment', NULL)`,
			[]string{"base_reconciles_to_bookings", "events_accounted_for"}},
		{"base row a cent off", `UPDATE booking_events SET points = points + 0.01 WHERE source_id = 'B1'`,
			[]string{"base_reconciles_to_bookings"}},
		{"base row's TCV a cent off", `UPDATE booking_events SET tcv_usd = tcv_usd + 0.01 WHERE source_id = 'B1'`,
			[]string{"base_reconciles_to_bookings"}},
		{"cap row lost", `DELETE FROM cap_allocation WHERE source_id = 'P2' AND component = 'perpetual_cap'`,
			[]string{"cap_and_terminations_net"}},
		{"cap row a cent short", `UPDATE cap_allocation SET points = points + 0.01 WHERE source_id = 'P2' AND component = 'perpetual_cap'`,
			[]string{"cap_and_terminations_net"}},
		{"cap release lost", `DELETE FROM cap_allocation WHERE component = 'cap_release'`,
			[]string{"cap_and_terminations_net"}},
		{"cap release doubled", `INSERT INTO cap_allocation SELECT * REPLACE ('P1' AS rule_id) FROM cap_allocation WHERE component = 'cap_release'`,
			[]string{"cap_and_terminations_net"}},
		{"termination row lost", `DELETE FROM vendor_terminations WHERE source_id = 'T1'`,
			[]string{"cap_and_terminations_net"}},
		{"termination row short of the net", `UPDATE vendor_terminations SET points = points + 100 WHERE source_id = 'T1'`,
			[]string{"cap_and_terminations_net"}},
		{"cap row on a booking that is not capped", `INSERT INTO cap_allocation SELECT * REPLACE ('B1' AS source_id, 0.00 AS points) FROM cap_allocation WHERE source_id = 'P2' AND component = 'perpetual_cap'`,
			[]string{"cap_and_terminations_net"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := (&world{}).partner("P1")
			w.booking("B1", "P1", "2023-05-01", 1000, "term")
			w.booking("B2", "P1", "2023-05-02", 2005, "term")
			// T1 holds 300 of the cap until its termination gives it to P2
			t1 := w.booking("T1", "P1", "2023-05-03", 300_000, "perpetual")
			t1.Status, t1.TerminatedOn = "vendor_terminated", dp("2023-06-01")
			w.booking("P2", "P1", "2023-05-04", 400_000, "perpetual")
			e := w.run(t, "2023-06-30")
			if _, err := e.DB().Exec(c.tamper); err != nil {
				t.Fatal(err)
			}
			checks, err := e.Checks(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var failing []string
			for _, ch := range checks {
				if !ch.Passed {
					failing = append(failing, ch.Name)
				}
			}
			equal(t, "failing checks", failing, c.failing)
		})
	}
}

// Each model's step says how much memory DuckDB holds after it and how much
// it has spilled (the nightly job logs both): the booking events are held
// after 040_booking_events, and a run this small spills nothing.
func TestStepsReportMemory(t *testing.T) {
	w := (&world{}).partner("P1")
	for i := range 3000 {
		w.booking(fmt.Sprintf("B%d", i), "P1", "2023-05-01", 1000, "term")
	}
	_, steps := w.runSteps(t, "2023-06-30", engine.Settings{Threads: 2})
	held := map[string]int64{}
	for _, s := range steps {
		held[s.Name] = s.MemoryBytes
		if s.SpilledBytes != 0 {
			t.Errorf("%s: %d bytes spilled", s.Name, s.SpilledBytes)
		}
	}
	if held["010_program_days"] <= 0 || held["040_booking_events"] <= held["010_program_days"] {
		t.Errorf("memory held after the program days %d bytes, after the booking events %d", held["010_program_days"], held["040_booking_events"])
	}
}

// Settings.OnModel is given each model's step as the model completes, the
// steps Run returns, one by one: the first before the last model has begun
// (the nightly job logs them as a long compute's progress).
func TestOnModelSeesEachStepAsItRuns(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-05-01", 1000, "term")
	var seen []engine.Step
	var at []time.Time
	_, steps := w.runSteps(t, "2023-06-30", engine.Settings{Threads: 2, OnModel: func(s engine.Step) {
		seen, at = append(seen, s), append(at, time.Now())
	}})
	if len(steps) < 2 || !slices.Equal(seen, steps) {
		t.Fatalf("OnModel saw %d steps, Run returned %d (or others)", len(seen), len(steps))
	}
	lastBegan := at[len(at)-1].Add(-time.Duration(steps[len(steps)-1].Seconds * float64(time.Second)))
	if at[0].After(lastBegan) {
		t.Errorf("the first step came at %v, after the last model (%s) began at %v", at[0], steps[len(steps)-1].Name, lastBegan)
	}
}

// Once the checks ran, the database holds only the inputs, the published
// tables and what the published ledger view reads: every other model was
// dropped once read. Once the export wrote them, it holds only the inputs.
func TestIntermediatesDropped(t *testing.T) {
	w := (&world{}).partner("P1")
	w.booking("B1", "P1", "2023-05-01", 1000, "subscription")
	e := w.run(t, "2023-06-30")
	if _, err := e.Checks(context.Background()); err != nil {
		t.Fatal(err)
	}
	rels, err := e.Relations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ledgerReads := []string{"earning_rows", "booking_events", "booking_multipliers", "cap_allocation",
		"vendor_terminations", "lifecycle_events", "influence_awards"}
	var left []string
	for _, r := range rels {
		if strings.HasPrefix(r, "raw_") || strings.HasPrefix(r, "rule_") || r == "run_params" ||
			slices.Contains(engine.OutputTables, r) || slices.Contains(ledgerReads, r) {
			continue
		}
		left = append(left, r)
	}
	if len(left) > 0 {
		t.Errorf("intermediates left after the checks: %v", left)
	}
	for _, want := range append(slices.Clone(engine.OutputTables), ledgerReads...) {
		if !slices.Contains(rels, want) {
			t.Errorf("%s is gone before the export", want)
		}
	}

	out, err := e.Export(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.Table != engine.OutputTables[i] {
			t.Errorf("output %d is %s, want %s", i, o.Table, engine.OutputTables[i])
		}
	}
	for _, o := range out {
		var n int64
		if err := e.DB().QueryRow("SELECT count(*) FROM read_parquet(?)", o.File).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != o.Rows {
			t.Errorf("%s: %d rows reported, %d in the file", o.Table, o.Rows, n)
		}
	}
	if ledger := out[slices.Index(engine.OutputTables, "points_ledger")]; ledger.Rows == 0 {
		t.Error("points_ledger: no row written for the booking")
	}
	if rels, err = e.Relations(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if !strings.HasPrefix(r, "raw_") && !strings.HasPrefix(r, "rule_") && r != "run_params" {
			t.Errorf("%s is still in the database after the export", r)
		}
	}
}

// When a table's one-piece sort runs out of memory, the export sorts and
// writes it in ranges of partners: the same rows in the same order, read
// whole by DuckDB and parquet-go, and no part file left behind. A table of
// one range, or any other failure of the sort, fails the export.
func TestExportInRanges(t *testing.T) {
	w := &world{}
	for p := range 5 {
		id := fmt.Sprintf("P%d", 5-p) // partners landed out of order
		w.partner(id)
		for b := range 4 {
			w.booking(fmt.Sprintf("B%d-%d", p, b), id, fmt.Sprintf("2023-0%d-0%d", 5+b%3, 1+b), float64(1000*(b+1)), "subscription")
		}
	}
	files := func(s engine.Settings) (string, []engine.Output) {
		e := w.runWith(t, "2023-09-30", s)
		dir := t.TempDir()
		out, err := e.Export(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(engine.OutputTables) {
			var names []string
			for _, d := range entries {
				names = append(names, d.Name())
			}
			t.Errorf("files left in the snapshot: %v", names)
		}
		return dir, out
	}
	oneDir, one := files(engine.Settings{Threads: 2})
	oom := &duckdb.Error{Type: duckdb.ErrorTypeOutOfMemory, Msg: "Out of Memory Error: failed to pin block"}
	restore := engine.FailSortOf(oom, "points_ledger", "partner_levels")
	defer restore()
	rangedDir, ranged := files(engine.Settings{Threads: 2, ExportRangeRows: 3})
	if _, err := w.runWith(t, "2023-09-30", engine.Settings{Threads: 2}).Export(context.Background(), t.TempDir()); !errors.Is(err, oom) {
		t.Errorf("out of memory with ranges of the default size (one range here): %v, want the sort's error", err)
	}
	restore()
	disk := errors.New("disk full")
	restore = engine.FailSortOf(disk, "points_ledger")
	if _, err := w.runWith(t, "2023-09-30", engine.Settings{Threads: 2, ExportRangeRows: 3}).Export(context.Background(), t.TempDir()); !errors.Is(err, disk) {
		t.Errorf("a failure other than memory: %v, want it returned", err)
	}
	restore()
	e := w.run(t, "2023-09-30")
	rowsOf := func(file string) []string {
		return rows(t, e, "SELECT CAST(COLUMNS(* EXCLUDE (file_row_number)) AS VARCHAR) FROM read_parquet(?, file_row_number = true) ORDER BY file_row_number", file)
	}
	for i, o := range one {
		file := filepath.Join(rangedDir, o.Table+".parquet")
		// the joined file reads whole with parquet-go too, and DuckDB's
		// filtered reads (row group statistics) find every partner's rows
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		read := int64(0)
		for _, rg := range pf.RowGroups() {
			rows := rg.Rows()
			buf := make([]parquet.Row, 64)
			for {
				n, err := rows.ReadRows(buf)
				read += int64(n)
				if err != nil {
					break
				}
			}
			rows.Close()
		}
		f.Close()
		if read != o.Rows {
			t.Errorf("%s: parquet-go reads %d rows, want %d", o.Table, read, o.Rows)
		}
		if slices.Contains([]string{"points_ledger", "partner_levels", "denials"}, o.Table) {
			for _, id := range []string{"P1", "P3", "P5"} {
				var a, b int64
				q := "SELECT count(*) FROM read_parquet(?) WHERE partner_id = ?"
				if err := e.DB().QueryRow(q, filepath.Join(oneDir, o.Table+".parquet"), id).Scan(&a); err != nil {
					t.Fatal(err)
				}
				if err := e.DB().QueryRow(q, file, id).Scan(&b); err != nil {
					t.Fatal(err)
				}
				if a != b {
					t.Errorf("%s: %d rows of %s in ranges, %d in one piece", o.Table, b, id, a)
				}
			}
		}
		if want := slices.Contains([]string{"points_ledger", "partner_levels"}, o.Table); (ranged[i].Ranges > 1) != want || one[i].Ranges != 0 {
			t.Errorf("%s: sorted in %d ranges (in one piece: %d), want ranges %v", o.Table, ranged[i].Ranges, one[i].Ranges, want)
		}
		if ranged[i].Rows != o.Rows {
			t.Errorf("%s: %d rows in ranges, %d in one piece", o.Table, ranged[i].Rows, o.Rows)
		}
		a, b := rowsOf(filepath.Join(oneDir, o.Table+".parquet")), rowsOf(filepath.Join(rangedDir, o.Table+".parquet"))
		if !slices.Equal(a, b) {
			t.Errorf("%s: rows in ranges differ from one piece:\n%v\n%v", o.Table, b, a)
		}
	}
	if ledger := one[slices.Index(engine.OutputTables, "points_ledger")]; ledger.Rows <= 3*5 {
		t.Fatalf("the ledger has %d rows: too few to need ranges of 3", ledger.Rows)
	}
}
