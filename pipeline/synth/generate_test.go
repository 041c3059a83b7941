package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	cal "tally/pipeline/date"
	"tally/pipeline/extract"
	"tally/pipeline/rulebook"
)

func exampleRulebook(t testing.TB) *rulebook.Rulebook {
	t.Helper()
	rb, err := rulebook.Load(filepath.Join("..", "..", "fixtures", "rulebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func generate(t testing.TB, opts GenerateOptions) *GenerateResult {
	t.Helper()
	if opts.Out == "" {
		opts.Out = t.TempDir()
	}
	if opts.Rulebook == nil {
		opts.Rulebook = exampleRulebook(t)
	}
	res, err := Generate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// table is a CSV file read whole: its rows as maps from column to value.
type table struct {
	header []string
	rows   [][]string
}

func readTable(t testing.TB, dir, name string) table {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s.csv: %v", name, err)
	}
	return table{header: recs[0], rows: recs[1:]}
}

func (tb table) col(t testing.TB, name string) int {
	t.Helper()
	i := slices.Index(tb.header, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, tb.header)
	}
	return i
}

// values is the set of a column's values.
func (tb table) values(t testing.TB, name string) map[string]int {
	i := tb.col(t, name)
	seen := map[string]int{}
	for _, r := range tb.rows {
		seen[r[i]]++
	}
	return seen
}

// TestGenerateDeterministic: the same options give the same bytes; another
// seed gives other bytes.
func TestGenerateDeterministic(t *testing.T) {
	opts := GenerateOptions{Partners: 200, Bookings: 5000, Seed: 7, BadRows: 0.02}
	a, b := opts, opts
	a.Out, b.Out = t.TempDir(), t.TempDir()
	ra, rb := generate(t, a), generate(t, b)
	if len(ra.Files) != 9 {
		t.Fatalf("files: %v", ra.Files)
	}
	for i, f := range ra.Files {
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(rb.Files[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: two runs differ", filepath.Base(f))
		}
	}
	if !slices.EqualFunc(ra.Tables, rb.Tables, func(x, y TableStats) bool {
		return x.Rows == y.Rows && x.BadRows == y.BadRows && maps.Equal(x.BadReasons, y.BadReasons)
	}) {
		t.Errorf("results differ: %+v vs %+v", ra.Tables, rb.Tables)
	}

	c := opts
	c.Seed = 8
	c.Out = t.TempDir()
	rc := generate(t, c)
	for i, f := range ra.Files {
		x, _ := os.ReadFile(f)
		y, _ := os.ReadFile(rc.Files[i])
		if bytes.Equal(x, y) {
			t.Errorf("%s: seeds 7 and 8 give the same file", filepath.Base(f))
		}
	}
}

// TestGenerateShape: sizes are heavy-tailed and every value of every enum
// shows up.
func TestGenerateShape(t *testing.T) {
	rb := exampleRulebook(t)
	dir := t.TempDir()
	res := generate(t, GenerateOptions{Out: dir, Partners: 1000, Bookings: 20000, Seed: 3, Rulebook: rb})
	if got := res.ProgramYears; !slices.Equal(got, []string{"FY26", "FY27"}) {
		t.Errorf("program years %v, want FY26 FY27 (the two latest started by 2026-11-22)", got)
	}
	if res.From != cal.MustParse("2025-02-01") || res.To != cal.MustParse("2026-11-22") {
		t.Errorf("dates %s..%s, want 2025-02-01..2026-11-22", res.From, res.To)
	}

	partners := readTable(t, dir, "partners")
	bookings := readTable(t, dir, "bookings")
	rates := readFXRates(t, dir)

	// The top fifth of partners hold about 80% of the TCV (in USD).
	byPartner := map[string]float64{}
	pi, ti, ci, bi := bookings.col(t, "partner_id"), bookings.col(t, "tcv"), bookings.col(t, "currency"), bookings.col(t, "booked_on")
	total := 0.0
	for _, r := range bookings.rows {
		tcv, err := strconv.ParseFloat(r[ti], 64)
		if err != nil {
			t.Fatal(err)
		}
		usd := tcv * rates.on(t, r[ci], r[bi])
		byPartner[r[pi]] += usd
		total += usd
	}
	sizes := slices.Sorted(maps.Values(byPartner))
	for len(sizes) < len(partners.rows) {
		sizes = append(sizes, 0)
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	top := 0.0
	for _, s := range sizes[:len(partners.rows)/5] {
		top += s
	}
	if share := top / total; share < 0.70 || share > 0.90 {
		t.Errorf("the top fifth of partners hold %.1f%% of TCV, want 70-90%%", 100*share)
	} else {
		t.Logf("the top fifth of partners hold %.1f%% of TCV", 100*share)
	}

	mustHave := func(tb table, col string, want ...string) {
		t.Helper()
		got := tb.values(t, col)
		for _, w := range want {
			if got[w] == 0 {
				t.Errorf("no %s %q (have %v)", col, w, slices.Sorted(maps.Keys(got)))
			}
		}
	}
	mustHave(bookings, "license_type", rb.LicenseTypes...)
	mustHave(bookings, "currency", "USD", "EUR", "GBP", "JPY", "")
	mustHave(bookings, "status", "booked", "customer_terminated", "vendor_terminated", "")
	mustHave(readTable(t, dir, "oem_credits"), "license_type", "subscription", "term")
	models := readTable(t, dir, "business_models")
	mustHave(models, "business_model", rulebook.BusinessModels...)
	lifecycle := readTable(t, dir, "lifecycle_claims")
	mustHave(lifecycle, "activity", rb.LifecycleActivities()...)
	mustHave(lifecycle, "status", "approved", "submitted", "rejected")
	influence := readTable(t, dir, "influence_claims")
	mustHave(influence, "kind", "poc", "technical_assessment", "sir")
	mustHave(influence, "status", "approved", "pending", "rejected")
	mustHave(readTable(t, dir, "capabilities"), "kind", rulebook.CapabilityKinds...)
	requirements := readTable(t, dir, "requirements")
	mustHave(requirements, "requirement", append(slices.Clone(rb.FoundationalRequirements), rulebook.ReenrollmentFee)...)
	mustHave(partners, "emerging_market", "true", "false")

	// Proportions, loosely.
	n := float64(len(bookings.rows))
	status := bookings.values(t, "status")
	between(t, "customer_terminated bookings", float64(status["customer_terminated"])/n, 0.01, 0.03)
	between(t, "vendor_terminated bookings", float64(status["vendor_terminated"])/n, 0.005, 0.02)
	currency := bookings.values(t, "currency")
	between(t, "USD bookings", float64(currency["USD"]+currency[""])/n, 0.5, 0.8)
	newLogo, contract := 0, 0
	for _, r := range bookings.rows {
		if slices.Contains(strings.Split(r[bookings.col(t, "tags")], ";"), "new_logo") {
			newLogo++
		}
		if r[bookings.col(t, "contract_partner_ids")] != "" {
			contract++
		}
	}
	between(t, "new_logo bookings", float64(newLogo)/n, 0.12, 0.18)
	between(t, "bookings with contract partners", float64(contract)/n, 0.01, 0.06)
	between(t, "lifecycle claims per booking", float64(len(lifecycle.rows))/n, 0.09, 0.11)
	between(t, "influence claims per booking", float64(len(influence.rows))/n, 0.04, 0.06)
	between(t, "OEM credits per booking", float64(res.Table("oem_credits").Rows)/n, 0.004, 0.006)
	between(t, "customers per booking", float64(len(bookings.values(t, "customer_id")))/n, 0.02, 0.06)
	between(t, "solutions", float64(len(bookings.values(t, "solution"))), 12, 12)
	between(t, "capabilities per partner", float64(res.Table("capabilities").Rows)/float64(len(partners.rows)), 2.5, 4)
	services := partnersIn(t, models, "solution_services")
	between(t, "partners in solution_services", float64(len(services))/float64(len(partners.rows)), 0.10, 0.20)
	terminated, legacy := 0, 0
	for _, r := range partners.rows {
		if r[partners.col(t, "terminated_on")] != "" {
			terminated++
		}
		if r[partners.col(t, "legacy_level")] != "" {
			legacy++
		}
	}
	between(t, "terminated partners", float64(terminated)/float64(len(partners.rows)), 0.002, 0.025)
	between(t, "partners with a legacy level", float64(legacy)/float64(len(partners.rows)), 0.5, 0.9)

	// Influence claims are by solution_services partners, on a real
	// customer and solution (and opportunity, when named) of the bookings.
	type deal struct{ customer, solution, opportunity string }
	deals := map[deal]bool{}
	for _, r := range bookings.rows {
		c, s, o := r[bookings.col(t, "customer_id")], r[bookings.col(t, "solution")], r[bookings.col(t, "opportunity_id")]
		deals[deal{c, s, ""}] = true
		deals[deal{c, s, o}] = true
	}
	for _, r := range influence.rows {
		d := deal{r[influence.col(t, "customer_id")], r[influence.col(t, "solution")], r[influence.col(t, "opportunity_id")]}
		if !deals[d] {
			t.Errorf("influence claim %s matches no booking: %+v", r[0], d)
		}
		if !services[r[influence.col(t, "partner_id")]] {
			t.Errorf("influence claim %s is by %s, not in solution_services", r[0], r[1])
		}
	}
}

func between(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %.4g, want %.4g..%.4g", what, got, lo, hi)
	}
}

func partnersIn(t *testing.T, models table, model string) map[string]bool {
	in := map[string]bool{}
	for _, r := range models.rows {
		if r[models.col(t, "business_model")] == model {
			in[r[models.col(t, "partner_id")]] = true
		}
	}
	return in
}

// rates are fx_rates by currency, sorted by valid_from.
type rates map[string][]struct {
	from string
	rate float64
}

func readFXRates(t *testing.T, dir string) rates {
	fx := readTable(t, dir, "fx_rates")
	out := rates{}
	for _, r := range fx.rows {
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		out[r[0]] = append(out[r[0]], struct {
			from string
			rate float64
		}{r[1], v})
	}
	for _, rs := range out {
		if !slices.IsSortedFunc(rs, func(a, b struct {
			from string
			rate float64
		}) int {
			return strings.Compare(a.from, b.from)
		}) {
			t.Fatal("fx_rates not sorted by valid_from")
		}
	}
	return out
}

// on is the rate of currency on day (the latest valid_from on or before it).
func (rs rates) on(t *testing.T, currency, day string) float64 {
	t.Helper()
	if currency == "" || currency == "USD" {
		return 1
	}
	rate := 0.0
	for _, r := range rs[currency] {
		if r.from <= day {
			rate = r.rate
		}
	}
	if rate == 0 {
		t.Fatalf("no %s rate on or before %s", currency, day)
	}
	return rate
}

// tableKeys are the key columns of each table (CONTRACT.md).
var tableKeys = map[string][]string{
	"partners":         {"partner_id"},
	"business_models":  {"partner_id", "business_model", "registered_on"},
	"requirements":     {"partner_id", "requirement", "completed_on"},
	"bookings":         {"booking_id"},
	"oem_credits":      {"credit_id"},
	"lifecycle_claims": {"claim_id"},
	"influence_claims": {"claim_id"},
	"capabilities":     {"partner_id", "capability_id", "achieved_on"},
	"fx_rates":         {"currency", "valid_from"},
}

// TestGenerateReferential: with no bad rows, everything refers to what
// exists: partners, keys, FX rates, dates.
func TestGenerateReferential(t *testing.T) {
	dir := t.TempDir()
	res := generate(t, GenerateOptions{Out: dir, Partners: 300, Bookings: 8000, Seed: 11})
	if n := res.BadRows(); n != 0 {
		t.Fatalf("%d bad rows with BadRows 0", n)
	}
	ref := DefaultReferenceDate.String()
	partners := readTable(t, dir, "partners").values(t, "partner_id")
	rates := readFXRates(t, dir)
	for _, name := range tableNames {
		tb := readTable(t, dir, name)
		if int64(len(tb.rows)) != res.Table(name).Rows {
			t.Errorf("%s: %d rows, the result says %d", name, len(tb.rows), res.Table(name).Rows)
		}
		if name != "fx_rates" && name != "oem_credits" && len(tb.rows) == 0 {
			t.Errorf("%s: no rows", name)
		}
		// Keys are unique.
		keys := map[string]int{}
		var idx []int
		for _, k := range tableKeys[name] {
			idx = append(idx, tb.col(t, k))
		}
		for n, r := range tb.rows {
			var key []string
			for _, i := range idx {
				key = append(key, r[i])
			}
			k := strings.Join(key, "|")
			if first, dup := keys[k]; dup {
				t.Errorf("%s: key %s on rows %d and %d", name, k, first+1, n+1)
			}
			keys[k] = n
		}
		for n, r := range tb.rows {
			row := func(col string) string { return r[tb.col(t, col)] }
			for i, col := range tb.header {
				v := r[i]
				switch {
				case col == "partner_id" || col == "contract_partner_ids":
					for _, p := range strings.Split(v, ";") {
						if (p != "" || col == "partner_id") && partners[p] == 0 {
							t.Errorf("%s row %d: %s %q is not a partner", name, n+1, col, p)
						}
					}
				case strings.HasSuffix(col, "_on") || col == "valid_from":
					if v == "" {
						continue
					}
					if _, err := cal.Parse(v); err != nil {
						t.Errorf("%s row %d: %s: %v", name, n+1, col, err)
					}
					if v > ref && col != "expires_on" {
						t.Errorf("%s row %d: %s %s is after the reference date", name, n+1, col, v)
					}
				case col == "tcv":
					if x, err := strconv.ParseFloat(v, 64); err != nil || x <= 0 {
						t.Errorf("%s row %d: tcv %q", name, n+1, v)
					}
				}
			}
			// End dates are not before start dates; conditional values are there.
			for _, pair := range [][2]string{{"enrolled_on", "terminated_on"}, {"registered_on", "ended_on"},
				{"completed_on", "expires_on"}, {"achieved_on", "expires_on"}, {"booked_on", "terminated_on"},
				{"booked_on", "reported_on"}, {"work_started_on", "work_completed_on"}} {
				if !slices.Contains(tb.header, pair[0]) || !slices.Contains(tb.header, pair[1]) {
					continue
				}
				if a, b := row(pair[0]), row(pair[1]); a != "" && b != "" && b < a {
					t.Errorf("%s row %d: %s %s before %s %s", name, n+1, pair[1], b, pair[0], a)
				}
			}
			if slices.Contains(tb.header, "currency") && slices.Contains(tb.header, "booked_on") {
				rates.on(t, row("currency"), row("booked_on"))
			}
			if slices.Contains(tb.header, "approved_on") && row("status") == "approved" && row("approved_on") == "" {
				t.Errorf("%s row %d: approved without approved_on", name, n+1)
			}
			if name == "bookings" && strings.HasSuffix(row("status"), "_terminated") && row("terminated_on") == "" {
				t.Errorf("bookings row %d: terminated without terminated_on", n+1)
			}
		}
	}
	// Every currency has rates from before the first program year.
	for _, c := range []string{"EUR", "GBP", "JPY"} {
		if rs := rates[c]; len(rs) == 0 || rs[0].from > res.From.String() {
			t.Errorf("%s: rates start after %s", c, res.From)
		}
	}
}

// TestGenerateValidates: the validator (tally/pipeline/extract) rejects
// exactly the rows Generate says it made bad, for the reasons it says, and
// nothing of a run without bad rows.
func TestGenerateValidates(t *testing.T) {
	rb := exampleRulebook(t)
	for _, bad := range []float64{0, 0.03, 0.5} {
		dir := t.TempDir()
		res := generate(t, GenerateOptions{Out: dir, Partners: 400, Bookings: 10000, Seed: 5, BadRows: bad, Rulebook: rb})
		xr, err := extract.Run(context.Background(), extract.Options{Input: dir, Rulebook: rb})
		if err != nil {
			t.Fatal(err)
		}
		if len(xr.Tables) != len(res.Tables) {
			t.Fatalf("bad %v: extract read %d tables, generate wrote %d", bad, len(xr.Tables), len(res.Tables))
		}
		for i, x := range xr.Tables {
			g := res.Tables[i]
			if x.Table != g.Table || x.RowsRead != g.Rows || x.Rejected != g.BadRows || !maps.Equal(x.Reasons, g.BadReasons) {
				t.Errorf("bad %v: %s: extract read %d rows, rejected %d %v; generate wrote %d rows, %d bad %v",
					bad, g.Table, x.RowsRead, x.Rejected, x.Reasons, g.Rows, g.BadRows, g.BadReasons)
			}
		}
		if bad == 0 && xr.Rejects != 0 {
			t.Errorf("no bad rows asked, %d rejected", xr.Rejects)
		}
		if bad > 0 {
			// Bad rows are spread over the tables, near the fraction asked.
			if frac := float64(res.BadRows()) / float64(res.Rows()); frac < bad || frac > 1.5*bad {
				t.Errorf("bad %v: %.4f of the rows are bad", bad, frac)
			}
			for _, name := range []string{"partners", "business_models", "requirements", "bookings", "lifecycle_claims", "influence_claims", "capabilities"} {
				if res.Table(name).BadRows == 0 {
					t.Errorf("bad %v: %s has no bad row", bad, name)
				}
			}
		}
	}
}

// TestGenerateTiny: the smallest sizes and every row bad still agree with
// the validator.
func TestGenerateTiny(t *testing.T) {
	rb := exampleRulebook(t)
	for _, o := range []GenerateOptions{
		{Partners: 1, Bookings: 0},
		{Partners: 1, Bookings: 1, BadRows: 1},
		{Partners: 3, Bookings: 50, BadRows: 1},
		{Partners: 20, Bookings: 400, BadRows: 0.9, Seed: 2},
	} {
		o.Out, o.Rulebook = t.TempDir(), rb
		res := generate(t, o)
		xr, err := extract.Run(context.Background(), extract.Options{Input: o.Out, Rulebook: rb})
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range xr.Tables {
			g := res.Tables[i]
			if x.RowsRead != g.Rows || x.Rejected != g.BadRows || !maps.Equal(x.Reasons, g.BadReasons) {
				t.Errorf("%d partners, %d bookings, bad %v: %s: extract read %d rows, rejected %d %v; generate wrote %d rows, %d bad %v",
					o.Partners, o.Bookings, o.BadRows, g.Table, x.RowsRead, x.Rejected, x.Reasons, g.Rows, g.BadRows, g.BadReasons)
			}
		}
	}
}

// TestBadRowsReplaceRowsInPlace: asking for bad rows changes only those
// rows; every good row is the same as without them.
func TestBadRowsReplaceRowsInPlace(t *testing.T) {
	opts := GenerateOptions{Partners: 300, Bookings: 6000, Seed: 9}
	good := opts
	good.Out = t.TempDir()
	generate(t, good)
	opts.BadRows = 0.05
	opts.Out = t.TempDir()
	res := generate(t, opts)
	for _, name := range []string{"business_models", "requirements", "bookings", "oem_credits", "lifecycle_claims", "influence_claims", "capabilities"} {
		a, b := readLines(t, good.Out, name), readLines(t, opts.Out, name)
		if len(a) != len(b) {
			t.Errorf("%s: %d rows without bad rows, %d with", name, len(a), len(b))
			continue
		}
		differ := 0
		for i := range a {
			if a[i] != b[i] {
				differ++
			}
		}
		// A duplicate replaces one row with a copy of the row before it.
		ts := res.Table(name)
		if want := ts.BadRows - ts.BadReasons["duplicate_key"]/2; int64(differ) != want {
			t.Errorf("%s: %d rows differ, want %d (%d bad)", name, differ, want, ts.BadRows)
		}
	}
}

func readLines(t *testing.T, dir, name string) []string {
	b, err := os.ReadFile(filepath.Join(dir, name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// TestGenerateReferenceDate: the years are the last two started by the
// reference date, and no date is after it.
func TestGenerateReferenceDate(t *testing.T) {
	dir := t.TempDir()
	res := generate(t, GenerateOptions{Out: dir, Partners: 50, Bookings: 2000, ReferenceDate: cal.MustParse("2025-06-15")})
	if !slices.Equal(res.ProgramYears, []string{"FY25", "FY26"}) || res.From.String() != "2024-02-03" || res.To.String() != "2025-06-15" {
		t.Errorf("years %v %s..%s, want FY25 FY26 2024-02-03..2025-06-15", res.ProgramYears, res.From, res.To)
	}
	bookings := readTable(t, dir, "bookings")
	days := bookings.values(t, "booked_on")
	first, last := slices.Min(slices.Collect(maps.Keys(days))), slices.Max(slices.Collect(maps.Keys(days)))
	if first < "2024-02-03" || last > "2025-06-15" {
		t.Errorf("bookings from %s to %s", first, last)
	}
	// Bookings come in booked_on order.
	bi := bookings.col(t, "booked_on")
	if !slices.IsSortedFunc(bookings.rows, func(a, b []string) int { return strings.Compare(a[bi], b[bi]) }) {
		t.Error("bookings are not in booked_on order")
	}
}

func TestGenerateRefuses(t *testing.T) {
	rb := exampleRulebook(t)
	dir := t.TempDir()
	for _, o := range []GenerateOptions{
		{Out: dir, Partners: 10, Bookings: 10},
		{Out: dir, Partners: 0, Bookings: 10, Rulebook: rb},
		{Out: dir, Partners: 10, Bookings: -1, Rulebook: rb},
		{Out: dir, Partners: 10, Bookings: 10, BadRows: 1.5, Rulebook: rb},
		{Out: dir, Partners: 10, Bookings: 10, Rulebook: rb, ReferenceDate: cal.MustParse("2020-01-01")},
	} {
		if _, err := Generate(context.Background(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// A table in another format would make the directory hold it twice.
	if err := os.WriteFile(filepath.Join(dir, "bookings.jsonl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), GenerateOptions{Out: dir, Partners: 10, Bookings: 10, Rulebook: rb}); err == nil {
		t.Error("bookings.jsonl next to bookings.csv: no error")
	}
	// Nothing is left half written.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "bookings.jsonl" {
			t.Errorf("left %s", e.Name())
		}
	}
}

func TestGenerateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, err := Generate(ctx, GenerateOptions{Out: dir, Partners: 100, Bookings: 200000, Rulebook: exampleRulebook(t)}); err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %d files", len(entries))
	}
}

// BenchmarkGenerate writes 1M bookings (and the tables that go with them,
// for 10,000 partners). go test ./pipeline/synth/ -run '^$' -bench Generate -benchtime 3x
func BenchmarkGenerate(b *testing.B) {
	rb := exampleRulebook(b)
	const bookings = 1_000_000
	var res *GenerateResult
	for b.Loop() {
		dir := b.TempDir()
		var err error
		res, err = Generate(context.Background(), GenerateOptions{Out: dir, Partners: 10000, Bookings: bookings, Seed: 1, BadRows: 0.01, Rulebook: rb})
		if err != nil {
			b.Fatal(err)
		}
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(bookings)*float64(b.N)/secs, "bookings/s")
	b.ReportMetric(float64(res.Rows())*float64(b.N)/secs, "rows/s")
	b.Logf("%d bookings, %d rows in all: %.0f bookings/s, %.0f rows/s", bookings, res.Rows(),
		float64(bookings)*float64(b.N)/secs, float64(res.Rows())*float64(b.N)/secs)
}
