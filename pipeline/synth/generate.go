package synth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	cal "tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// DefaultReferenceDate is the reference date when GenerateOptions leaves it
// zero: the dates of a landing directory are spread over the last two
// program years that have started by it, and none is after it.
var DefaultReferenceDate = cal.MustParse("2026-11-22")

// GenerateOptions say what Generate writes.
type GenerateOptions struct {
	Out      string // the landing directory, created if needed
	Partners int    // valid partners (>= 1); bad partner rows come on top
	Bookings int64  // booking rows, bad ones included
	Seed     uint64
	// BadRows is the fraction (0..1) of each table's rows made bad, spread
	// over the tables and over the ways a row can break the contract. A
	// duplicated key makes two bad rows (both copies are rejected). In
	// partners and fx_rates the bad rows are extra rows (a rejected partner
	// or rate would take good rows of other tables down with it).
	BadRows float64
	// Rulebook names the license types, lifecycle activities, foundational
	// requirements and program years. Required.
	Rulebook *rulebook.Rulebook
	// ProgramYears, when set, are used instead of the rulebook's.
	ProgramYears []rulebook.ProgramYear
	// ReferenceDate picks the program years (the last two that started on or
	// before it) and bounds every date written; zero = DefaultReferenceDate.
	// The output never depends on the clock.
	ReferenceDate cal.Date
	Logger        *slog.Logger  // progress; nil = none
	ProgressEvery time.Duration // how often big tables log progress; 0 = 5s
}

// TableStats is what Generate wrote for one table.
type TableStats struct {
	Table      string           `json:"table"`
	File       string           `json:"file"`
	Rows       int64            `json:"rows"`
	BadRows    int64            `json:"bad_rows"`              // rows the validator must reject
	BadReasons map[string]int64 `json:"bad_reasons,omitempty"` // bad rows per the validator's reason code
}

// GenerateResult is what Generate wrote.
type GenerateResult struct {
	Out          string       `json:"out"`
	Tables       []TableStats `json:"tables"` // in the order of CONTRACT.md
	Files        []string     `json:"files"`
	ProgramYears []string     `json:"program_years"` // the years the dates are spread over
	From         cal.Date     `json:"from"`          // first and last date of that spread
	To           cal.Date     `json:"to"`
}

// Table returns the stats of the named table (zero when unknown).
func (r *GenerateResult) Table(name string) TableStats {
	for _, t := range r.Tables {
		if t.Table == name {
			return t
		}
	}
	return TableStats{}
}

// Rows is the number of rows written, over every table.
func (r *GenerateResult) Rows() (n int64) {
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// BadRows is the number of bad rows written, over every table.
func (r *GenerateResult) BadRows() (n int64) {
	for _, t := range r.Tables {
		n += t.BadRows
	}
	return n
}

// The tables, in the order of CONTRACT.md.
const (
	tPartners = iota
	tBusinessModels
	tRequirements
	tBookings
	tOEMCredits
	tLifecycleClaims
	tInfluenceClaims
	tCapabilities
	tFXRates
	numTables
)

var tableNames = [numTables]string{"partners", "business_models", "requirements", "bookings", "oem_credits",
	"lifecycle_claims", "influence_claims", "capabilities", "fx_rates"}

var headers = [numTables][]string{
	{"partner_id", "name", "country", "emerging_market", "enrolled_on", "terminated_on", "legacy_level"},
	{"partner_id", "business_model", "registered_on", "ended_on"},
	{"partner_id", "requirement", "completed_on", "expires_on"},
	{"booking_id", "partner_id", "customer_id", "opportunity_id", "solution", "booked_on", "tcv", "currency",
		"license_type", "tags", "contract_partner_ids", "status", "terminated_on"},
	{"credit_id", "oem_partner_id", "partner_id", "customer_id", "opportunity_id", "solution", "booked_on",
		"reported_on", "tcv", "currency", "license_type", "tags"},
	{"claim_id", "partner_id", "activity", "customer_id", "opportunity_id", "status", "approved_on"},
	{"claim_id", "partner_id", "kind", "customer_id", "opportunity_id", "solution", "status", "approved_on",
		"work_started_on", "work_completed_on", "completion_submitted_on"},
	{"partner_id", "capability_id", "kind", "achieved_on", "expires_on"},
	{"currency", "valid_from", "usd_per_unit"},
}

// Generate writes a synthetic landing directory in the format of
// spec/CONTRACT.md: the nine tables as CSV, deterministic for the options
// (the same options give the same bytes), of any size. Rows are streamed to
// disk as they are made; memory is O(partners) whatever the number of
// bookings. Bookings and influence claims are written on one goroutine, the
// other tables on another, each table from its own random streams. Files
// are written aside and renamed into place when all are complete.
//
// The shape: dates over the last two program years started by the
// reference date (never after it); partner sizes Zipf-distributed so the
// top fifth book about 80% of the TCV; a dozen countries (four emerging
// markets), all four business models (about 13% of partners in
// solution_services), 15% of partners enrolled during the years, 1%
// terminated, most of the older ones with a legacy_level; the foundational
// requirements with yearly and two-yearly renewals; bookings in booked_on
// order with log-normal TCV in USD, EUR, GBP and JPY (monthly fx_rates from
// before the first year), every license type, tags, contract partners,
// 2% customer- and 1% vendor-terminated; about M/200 OEM credits, M/10
// lifecycle claims and M/20 influence claims on real bookings' customer,
// solution and opportunity; about three capabilities per partner.
func Generate(ctx context.Context, opts GenerateOptions) (*GenerateResult, error) {
	w, err := newWorld(opts)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	for _, name := range tableNames {
		for _, ext := range []string{".jsonl", ".parquet"} {
			if _, err := os.Stat(filepath.Join(opts.Out, name+ext)); err == nil {
				return nil, fmt.Errorf("synth: %s already has %s%s: the landing directory would hold the table twice", opts.Out, name, ext)
			}
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	log.Info("generating", "out", opts.Out, "partners", opts.Partners, "bookings", opts.Bookings, "seed", opts.Seed,
		"bad_rows", opts.BadRows, "program_years", w.yearIDs, "from", w.from.String(), "to", w.to.String())

	g := &gen{w: w, opts: opts, log: log, every: cmp.Or(opts.ProgressEvery, 5*time.Second)}
	defer func() {
		for _, t := range g.files {
			if t != nil {
				t.close()
				os.Remove(t.tmp)
			}
		}
	}()
	for i, name := range tableNames {
		t, err := createTable(opts.Out, name, headers[i])
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		g.files[i] = t
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i, run := range []func(context.Context) error{g.bookingsAndInfluence, g.otherTables} {
		wg.Go(func() {
			if errs[i] = run(ctx); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := cmp.Or(errs[0], errs[1]); err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("synth: %w", err)
	}

	res := &GenerateResult{Out: opts.Out, ProgramYears: w.yearIDs, From: w.from, To: w.to}
	for _, t := range g.files {
		if err := t.close(); err != nil {
			return nil, fmt.Errorf("synth: %s: %w", t.path, err)
		}
	}
	for _, t := range g.files {
		if err := os.Rename(t.tmp, t.path); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		res.Tables = append(res.Tables, t.stats())
		res.Files = append(res.Files, t.path)
	}
	g.files = [numTables]*tableFile{}
	secs := time.Since(start).Seconds()
	log.Info("generated", "out", opts.Out, "rows", res.Rows(), "bad_rows", res.BadRows(),
		"seconds", math.Round(secs*1000)/1000, "booking_rows_per_second", math.Round(float64(opts.Bookings)/max(secs, 1e-9)))
	return res, nil
}

// gen is one run of Generate.
type gen struct {
	w     *world
	opts  GenerateOptions
	log   *slog.Logger
	every time.Duration
	files [numTables]*tableFile
}

// ---------------------------------------------------------------------------
// The world: what every table draws from, built once. O(partners).

var (
	countries       = []string{"US", "CA", "GB", "DE", "FR", "NL", "JP", "AU", "IN", "BR", "MX", "ZA"}
	countryWeights  = []int{34, 5, 9, 8, 6, 3, 7, 5, 8, 6, 5, 4}
	emergingCountry = []bool{false, false, false, false, false, false, false, false, true, true, true, true}
	// countryCurrency indexes currencies: 0 USD, 1 EUR, 2 GBP, 3 JPY.
	countryCurrency = []uint8{0, 0, 2, 1, 1, 1, 3, 0, 0, 0, 0, 0}
	currencies      = []string{"USD", "EUR", "GBP", "JPY"}
	fxStartRate     = []float64{1, 1.085, 1.27, 0.0067}
	fxDecimals      = []int{0, 4, 4, 6}

	genSolutions = []string{"compute", "storage", "network", "security", "desktop", "cloud_foundation",
		"app_platform", "data_protection", "observability", "edge", "ai_platform", "kubernetes"}

	// modelWeights: a partner's first business model, in the order of
	// rulebook.BusinessModels (reseller, cloud services, solution services, builder).
	modelWeights = []int{56, 15, 9, 20}

	licenseWeight = map[string]int{"subscription": 30, "saas": 20, "term": 20, "perpetual": 15, "perpetual_hardware": 5, "sns_renewal": 10}
)

// noEnd is the terminated date of a partner that is not terminated.
const noEnd = cal.Date(math.MaxInt32)

type world struct {
	seed     uint64
	bad      float64
	ref      cal.Date
	from, to cal.Date // every event date is in [from, to]
	legacyTo cal.Date // partners enrolled before it may have a legacy_level
	yearIDs  []string
	years    []rulebook.ProgramYear

	licenses     []string
	licenseW     []int
	activities   []string
	requirements []string
	models       []string

	// Partners, by index (partner_id P<index+1>).
	n          int
	pw         int // digits of a partner id
	weight     []float64
	pick       aliasTable
	rank       []int32 // 0 = biggest
	anchor     int32   // the biggest partner: enrolled before from, never terminated
	enrolled   []cal.Date
	terminated []cal.Date // noEnd when not terminated
	country    []uint8
	modelMask  []uint8 // bit i = models[i]
	primary    []uint8 // the first model
	services   []int32 // partners in solution_services

	customers int64
	cw, ow    int // digits of customer and opportunity ids

	// Days from..to: the booking-date distribution and the FX month.
	cdf      []float64
	dayText  [][10]byte
	dayMonth []int32

	fxStart cal.Date    // first valid_from
	fxMonth []cal.Date  // valid_from of each month
	rates   [][]float64 // [currency][month], USD per unit (currency 0, USD, is empty)
}

func newWorld(opts GenerateOptions) (*world, error) {
	rb := opts.Rulebook
	switch {
	case rb == nil:
		return nil, errors.New("no rulebook")
	case opts.Out == "":
		return nil, errors.New("no output directory")
	case opts.Partners < 1:
		return nil, fmt.Errorf("partners = %d: want at least 1", opts.Partners)
	case opts.Bookings < 0:
		return nil, fmt.Errorf("bookings = %d: want 0 or more", opts.Bookings)
	case !(opts.BadRows >= 0 && opts.BadRows <= 1):
		return nil, fmt.Errorf("bad rows = %v: want a fraction from 0 to 1", opts.BadRows)
	case len(rb.LicenseTypes) == 0:
		return nil, errors.New("the rulebook names no license types")
	}
	w := &world{seed: opts.Seed, bad: opts.BadRows, ref: cmp.Or(opts.ReferenceDate, DefaultReferenceDate)}

	years := opts.ProgramYears
	if len(years) == 0 {
		years = rb.ProgramYears
	}
	var started []rulebook.ProgramYear
	for _, y := range years {
		if y.StartsOn <= w.ref {
			started = append(started, y)
		}
	}
	if len(started) == 0 {
		return nil, fmt.Errorf("no program year starts on or before %s", w.ref)
	}
	slices.SortFunc(started, func(a, b rulebook.ProgramYear) int { return cmp.Compare(a.StartsOn, b.StartsOn) })
	w.years = started[max(0, len(started)-2):]
	for _, y := range w.years {
		w.yearIDs = append(w.yearIDs, y.ID)
	}
	w.from = w.years[0].StartsOn
	w.to = min(w.years[len(w.years)-1].EndsOn, w.ref)
	if w.to < w.from {
		return nil, fmt.Errorf("program year %s ends before it starts", w.years[0].ID)
	}

	w.licenses = rb.LicenseTypes
	for _, l := range w.licenses {
		w.licenseW = append(w.licenseW, cmp.Or(licenseWeight[l], 10))
	}
	w.activities = rb.LifecycleActivities()
	w.requirements = rb.FoundationalRequirements
	w.models = rulebook.BusinessModels
	w.legacyTo = w.from
	if rb.Migration != nil {
		w.legacyTo = rb.Migration.On
	}

	w.days()
	w.fx()
	w.partners(opts.Partners)
	w.customers = max(1, opts.Bookings/20)
	w.cw = max(6, digits(w.customers))
	w.ow = max(7, digits(w.customers*4))
	return w, nil
}

// days builds the distribution of booking dates over from..to: weekdays
// more than weekends, and the last two weeks of each fiscal quarter (three
// months from a program year's start) most, as sales teams close deals.
func (w *world) days() {
	n := int(w.to-w.from) + 1
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1
		if dow := (int(w.from) + i + 4) % 7; dow == 0 || dow == 6 { // 1970-01-01 was a Thursday
			weights[i] = 0.3
		}
	}
	for _, y := range w.years {
		for q := 1; q <= 4; q++ {
			end := y.StartsOn.AddMonths(3*q) - 1
			for back := range 14 {
				if i := int(end - cal.Date(back) - w.from); i >= 0 && i < n {
					weights[i] *= 2.5
					if back < 3 {
						weights[i] *= 1.6
					}
				}
			}
		}
	}
	w.cdf = make([]float64, n)
	sum := 0.0
	for _, x := range weights {
		sum += x
	}
	acc := 0.0
	for i, x := range weights {
		acc += x
		w.cdf[i] = acc / sum
	}
	w.cdf[n-1] = 1
	w.dayText = make([][10]byte, n)
	for i := range w.dayText {
		copy(w.dayText[i][:], appendDate(nil, w.from+cal.Date(i)))
	}
}

// fx draws monthly rates for EUR, GBP and JPY, from the first of the month
// about three months before from, to the month of to: a random walk.
func (w *world) fx() {
	r := newRNG(w.seed, "fx_rates")
	y, m, _ := civil(w.from - 92)
	ty, tm, _ := civil(w.to)
	for y < ty || y == ty && m <= tm {
		w.fxMonth = append(w.fxMonth, cal.Of(y, time.Month(m), 1))
		if m++; m > 12 {
			y, m = y+1, 1
		}
	}
	w.fxStart = w.fxMonth[0]
	w.rates = make([][]float64, len(currencies))
	for c := 1; c < len(currencies); c++ {
		rate := fxStartRate[c]
		scale := math.Pow(10, float64(fxDecimals[c]))
		for range w.fxMonth {
			w.rates[c] = append(w.rates[c], math.Round(rate*scale)/scale)
			rate *= math.Exp(0.018 * r.norm())
		}
	}
	w.dayMonth = make([]int32, len(w.cdf))
	mi := 0
	for i := range w.dayMonth {
		for mi+1 < len(w.fxMonth) && w.fxMonth[mi+1] <= w.from+cal.Date(i) {
			mi++
		}
		w.dayMonth[i] = int32(mi)
	}
}

// partners draws every partner's size, country, dates and business models.
// Sizes are Zipf by a random rank, with the exponent that gives the top
// fifth of partners 80% of the weight.
func (w *world) partners(n int) {
	r := newRNG(w.seed, "partners/world")
	w.n = n
	w.pw = max(6, digits(int64(n)))
	w.rank = make([]int32, n)
	for i := range w.rank {
		w.rank[i] = int32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		w.rank[i], w.rank[j] = w.rank[j], w.rank[i]
	}
	s := zipfExponent(n, 0.8)
	w.weight = make([]float64, n)
	w.enrolled = make([]cal.Date, n)
	w.terminated = make([]cal.Date, n)
	w.country = make([]uint8, n)
	w.modelMask = make([]uint8, n)
	w.primary = make([]uint8, n)
	lateEnrollEnd := max(w.from, w.to-30)
	for i := range n {
		w.weight[i] = math.Pow(float64(w.rank[i])+1, -s)
		if w.rank[i] == 0 {
			w.anchor = int32(i)
		}
		w.country[i] = uint8(r.weighted(countryWeights))
		if w.rank[i] == 0 || r.pct(85) {
			w.enrolled[i] = w.from - 1 - cal.Date(r.intn(10*365))
		} else {
			w.enrolled[i] = r.days(w.from, lateEnrollEnd)
		}
		w.terminated[i] = noEnd
		if w.rank[i] != 0 && r.intn(100) == 0 {
			if lo := max(w.enrolled[i]+30, w.from); lo <= w.to {
				w.terminated[i] = r.days(lo, w.to)
			}
		}
		p := uint8(r.weighted(modelWeights))
		w.primary[i] = p
		w.modelMask[i] = 1 << p
		if r.pct(20) {
			w.modelMask[i] |= 1 << r.intn(len(w.models))
		}
		if w.modelMask[i]&(1<<2) != 0 { // solution_services
			w.services = append(w.services, int32(i))
		}
	}
	w.pick = newAliasTable(w.weight)
}

// zipfExponent is the s for which ranks 1..n weighted r^-s give the top
// fifth (at least one) the share of the total weight.
func zipfExponent(n int, share float64) float64 {
	top := max(1, int(math.Round(float64(n)/5)))
	if top >= n {
		return 1
	}
	logs := make([]float64, n)
	for i := range logs {
		logs[i] = math.Log(float64(i + 1))
	}
	lo, hi := 0.0, 4.0
	for range 40 {
		s := (lo + hi) / 2
		var a, b float64
		for i, l := range logs {
			x := math.Exp(-s * l)
			if i < top {
				a += x
			}
			b += x
		}
		if a/b < share {
			lo = s
		} else {
			hi = s
		}
	}
	return (lo + hi) / 2
}

// active says whether partner p is enrolled and not terminated on d.
func (w *world) active(p int32, d cal.Date) bool {
	return w.enrolled[p] <= d && d < w.terminated[p]
}

// partnerOn draws a partner by size among those active on d.
func (w *world) partnerOn(r rng, d cal.Date) int32 {
	for range 24 {
		if p := w.pick.sample(r); w.active(p, d) {
			return p
		}
	}
	return w.anchor
}

// customer draws a customer: a few big ones buy much more than the rest.
func (w *world) customer(r rng) int64 {
	u := r.float()
	return min(w.customers-1, int64(u*u*float64(w.customers)))
}

// usualSolution is the solution a customer buys most (a function of the
// customer, so influence claims and bookings meet).
func (w *world) usualSolution(c int64) int {
	return int(splitmix(w.seed^uint64(c)*0x9e3779b97f4a7c15) % uint64(len(genSolutions)))
}

// solution draws what a customer buys: mostly its usual solution.
func (w *world) solution(r rng, c int64) int {
	if r.pct(60) {
		return w.usualSolution(c)
	}
	return r.intn(len(genSolutions))
}

// day draws a date from the booking-date distribution.
func (w *world) day(r rng) cal.Date {
	i, _ := slices.BinarySearch(w.cdf, r.float())
	return w.from + cal.Date(min(i, len(w.cdf)-1))
}

// currency draws the currency of a deal of partner p: the partner's
// country's, or USD for some deals outside the US.
func (w *world) currency(r rng, p int32) int {
	c := int(countryCurrency[w.country[p]])
	if c != 0 && r.pct(12) {
		return 0
	}
	return c
}

// rate is the USD per unit of currency c on d (in from..to).
func (w *world) rate(c int, d cal.Date) float64 {
	if c == 0 {
		return 1
	}
	return w.rates[c][w.dayMonth[d-w.from]]
}

func (w *world) appendDay(b []byte, d cal.Date) []byte {
	if i := int(d - w.from); i >= 0 && i < len(w.dayText) {
		return append(b, w.dayText[i][:]...)
	}
	return appendDate(b, d)
}

func (w *world) appendPartner(b []byte, p int32) []byte {
	return appendID(b, "P", int64(p)+1, w.pw)
}

// appendUnknownPartner appends a partner id that is in no partners row.
func (w *world) appendUnknownPartner(b []byte, serial int64) []byte {
	return appendID(b, "PZ", serial, w.pw)
}

func (w *world) appendCustomer(b []byte, c int64) []byte {
	return appendID(b, "C", c+1, w.cw)
}

// An opportunity belongs to one customer: customer c has opportunities
// 4c+1 .. 4c+4.
func (w *world) appendOpportunity(b []byte, o int64) []byte {
	return appendID(b, "O", o+1, w.ow)
}

// tcv draws a deal size in USD: log-normal, median about $25,000.
func tcvUSD(r rng, median float64) float64 {
	return min(5e8, max(500, median*math.Exp(1.25*r.norm())))
}

// appendAmount appends usd converted to currency c at rate: with cents,
// whole units for JPY.
func appendAmount(b []byte, usd float64, c int, rate float64, negative bool) []byte {
	local := usd / rate
	if negative {
		b = append(b, '-')
	}
	if c == 3 {
		return strconv.AppendInt(b, int64(local+0.5), 10)
	}
	return appendCents(b, int64(local*100+0.5))
}
