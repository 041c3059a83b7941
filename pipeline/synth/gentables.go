package synth

import (
	"context"
	"math"
	"strconv"
	"time"

	cal "tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// The ways each table's bad rows break the contract.
var (
	partnerBadKinds    = []badKind{badDuplicateKey, badDate, badCountry, badBoolean, badEndBeforeStart, badMissingValue}
	modelBadKinds      = []badKind{badUnknownPartner, badUnknownValue, badDate, badDuplicateKey, badEndBeforeStart}
	requirementBadKind = []badKind{badUnknownPartner, badDate, badDuplicateKey, badMissingValue, badEndBeforeStart}
	bookingBadKinds    = []badKind{badNegativeTCV, badUnknownPartner, badDuplicateKey, badUnknownLicenseType, badDate,
		badNoFXRate, badUnknownValue, badMissingValue}
	oemBadKinds        = []badKind{badNegativeTCV, badUnknownPartner, badDuplicateKey, badUnknownLicenseType, badDate, badNoFXRate, badEndBeforeStart}
	lifecycleBadKinds  = []badKind{badUnknownPartner, badUnknownActivity, badMissingValue, badUnknownValue, badDuplicateKey, badDate}
	influenceBadKinds  = []badKind{badUnknownPartner, badUnknownValue, badMissingValue, badDuplicateKey, badDate, badEndBeforeStart}
	capabilityBadKinds = []badKind{badUnknownPartner, badUnknownValue, badDate, badDuplicateKey, badEndBeforeStart}
	fxBadKinds         = []badKind{badDuplicateKey, badDate, badNonpositiveRate, badDecimal, badMissingValue}

	unknownLicenseTypes = []string{"enterprise_license_agreement", "floating", "oem_bundle"}
	unknownStatuses     = []string{"cancelled", "on_hold"}
	fxBadCurrencies     = []string{"CHF", "SEK", "NOK"} // never used by a booking, so their rejects take nothing down
)

// progress logs a long table's progress every g.every and checks ctx.
type progress struct {
	g          *gen
	table      string
	total      int64
	start, at  time.Time
	checkEvery int64
}

func (g *gen) progress(table string, total int64) *progress {
	now := time.Now()
	return &progress{g: g, table: table, total: total, start: now, at: now, checkEvery: 1 << 15}
}

// tick is called with the row index; it looks at the clock every 32k rows.
func (p *progress) tick(ctx context.Context, i int64) error {
	if i%p.checkEvery != 0 || i == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if now := time.Now(); now.Sub(p.at) >= p.g.every {
		p.at = now
		secs := now.Sub(p.start).Seconds()
		p.g.log.Info("generating", "table", p.table, "rows", i, "of", p.total,
			"percent", math.Round(1000*float64(i)/float64(p.total))/10, "rows_per_second", math.Round(float64(i)/secs))
	}
	return nil
}

// ---------------------------------------------------------------------------
// Bookings, and the influence claims on them.

const (
	tagNewLogo = 1 << iota
	tagUpsell
	tagPublicSector
	tagRenewal
)

var tagNames = []string{"new_logo", "upsell", "public_sector", "renewal"}

func appendTags(b []byte, tags int) []byte {
	first := true
	for i, name := range tagNames {
		if tags&(1<<i) != 0 {
			if !first {
				b = append(b, ';')
			}
			first = false
			b = append(b, name...)
		}
	}
	return b
}

func drawTags(r rng, renewal bool) int {
	t := 0
	if r.pct(15) {
		t |= tagNewLogo
	} else if r.pct(10) {
		t |= tagUpsell
	}
	if r.pct(5) {
		t |= tagPublicSector
	}
	if renewal {
		t |= tagRenewal
	}
	return t
}

// otherPartner draws a partner other than p (uniformly).
func (w *world) otherPartner(r rng, p int32) int32 {
	q := int32(r.intn(w.n))
	if q == p {
		q = (q + 1) % int32(w.n)
	}
	return q
}

// bookingsAndInfluence writes bookings in booked_on order, with about one
// influence claim per twenty bookings, on the booking's customer and
// solution (and often opportunity), by a solution_services partner.
func (g *gen) bookingsAndInfluence(ctx context.Context) error {
	w := g.w
	t := g.files[tBookings]
	n := g.opts.Bookings
	r := newRNG(w.seed, "bookings")
	bad := newBadPlan(w.bad, bookingBadKinds, newRNG(w.seed, "bookings/bad"))
	inf := &influenceGen{w: w, t: g.files[tInfluenceClaims], r: newRNG(w.seed, "influence_claims"),
		bad: newBadPlan(w.bad, influenceBadKinds, newRNG(w.seed, "influence_claims/bad")), idw: max(7, digits(n/10+1))}
	idw := max(8, digits(n))
	renewal := make([]bool, len(w.licenses))
	for i, l := range w.licenses {
		renewal[i] = l == "sns_renewal"
	}
	prog := g.progress("bookings", n)
	day, last := 0, len(w.cdf)-1
	var cps [2]int32
	for i := range n {
		if err := prog.tick(ctx, i); err != nil {
			return err
		}
		// Dates rise with the row: row i takes the (i+u)/n quantile.
		x := (float64(i) + r.float()) / float64(n)
		for day < last && w.cdf[day] < x {
			day++
		}
		d := w.from + cal.Date(day)
		p := w.partnerOn(r, d)
		c := w.customer(r)
		sol := w.solution(r, c)
		opp := int64(-1)
		if r.pct(85) {
			opp = c*4 + int64(r.intn(4))
		}
		cur := w.currency(r, p)
		usd := tcvUSD(r, 25000)
		lic := r.weighted(w.licenseW)
		tags := drawTags(r, renewal[lic])
		ncp := 0
		if w.n > 1 && r.pct(3) {
			cps[0], ncp = w.otherPartner(r, p), 1
			if r.pct(20) {
				if cps[1] = w.otherPartner(r, p); cps[1] != cps[0] {
					ncp = 2
				}
			}
		}
		status, term := "", cal.Date(0)
		switch s := r.intn(1000); {
		case s < 20:
			status = "customer_terminated"
		case s < 30:
			status = "vendor_terminated"
		case s < 600:
			status = "booked" // the rest leave it empty: booked is the default
		}
		if status != "" && status != "booked" {
			term = d + cal.Date(r.intn(int(min(400, w.ref-d))+1))
		}
		emptyUSD := cur == 0 && r.pct(25)
		claim := len(w.services) > 0 && r.intn(20) == 0

		if kind, done := rowKind(t, bad); !done {
			l := appendID(t.line[:0], "B", i+1, idw)
			l = append(l, ',')
			if kind == badUnknownPartner {
				l = w.appendUnknownPartner(l, bad.serial)
			} else {
				l = w.appendPartner(l, p)
			}
			l = append(l, ',')
			l = w.appendCustomer(l, c)
			l = append(l, ',')
			if opp >= 0 {
				l = w.appendOpportunity(l, opp)
			}
			l = append(l, ',')
			l = append(l, genSolutions[sol]...)
			l = append(l, ',')
			if kind == badDate {
				l = appendImpossibleDate(l, d, bad.serial)
			} else {
				l = w.appendDay(l, d)
			}
			l = append(l, ',')
			l = appendAmount(l, usd, cur, w.rate(cur, d), kind == badNegativeTCV)
			l = append(l, ',')
			switch {
			case kind == badNoFXRate:
				l = append(l, "XXX"...)
			case !emptyUSD:
				l = append(l, currencies[cur]...)
			}
			l = append(l, ',')
			if kind == badUnknownLicenseType {
				l = append(l, unknownLicenseTypes[bad.serial%int64(len(unknownLicenseTypes))]...)
			} else {
				l = append(l, w.licenses[lic]...)
			}
			l = append(l, ',')
			l = appendTags(l, tags)
			l = append(l, ',')
			for j := range ncp {
				if j > 0 {
					l = append(l, ';')
				}
				l = w.appendPartner(l, cps[j])
			}
			l = append(l, ',')
			switch kind {
			case badUnknownValue:
				status = unknownStatuses[bad.serial%int64(len(unknownStatuses))]
			case badMissingValue: // terminated, but no terminated_on
				status, term = "customer_terminated", 0
			}
			l = append(l, status...)
			l = append(l, ',')
			if term != 0 {
				l = w.appendDay(l, term)
			}
			t.line = append(l, '\n')
			t.put(kind)
		}
		if claim {
			inf.claim(d, p, cps[:ncp], c, sol, opp)
		}
	}
	return nil
}

var (
	influenceKinds    = []string{"poc", "technical_assessment", "sir"}
	influenceKindW    = []int{40, 35, 25}
	influenceStatuses = []string{"approved", "pending", "rejected"}
	influenceStatusW  = []int{75, 12, 13}
)

type influenceGen struct {
	w   *world
	t   *tableFile
	r   rng
	bad *badPlan
	idw int
	n   int64
}

// claim writes one influence claim on a booking of partner bp on booked, for
// customer c, solution sol and opportunity opp (-1: none). Most are valid;
// some are approved after the booking, some retroactive (work started before
// approval), some completed late.
func (ig *influenceGen) claim(booked cal.Date, bp int32, cps []int32, c int64, sol int, opp int64) {
	w, r, t := ig.w, ig.r, ig.t
	ig.n++
	ip := w.services[r.intn(len(w.services))]
	for _, q := range cps {
		if ip == q {
			ip = w.services[r.intn(len(w.services))]
		}
	}
	if ip == bp {
		ip = w.services[r.intn(len(w.services))]
	}
	kind := r.weighted(influenceKindW)
	status := r.weighted(influenceStatusW)
	approved := booked - 7 - cal.Date(r.intn(300))
	if r.pct(8) {
		approved = booked + 1 + cal.Date(r.intn(60))
	}
	approved = min(approved, w.ref)
	var started, completed, submitted cal.Date
	if kind != 2 && (status != 1 || r.pct(50)) { // poc and technical_assessment have work dates
		started = approved + cal.Date(r.intn(21))
		if r.pct(10) {
			started = approved - 1 - cal.Date(r.intn(30)) // retroactive
		}
		if started > w.ref {
			started = 0
		}
		if started != 0 && r.pct(80) {
			if completed = started + 14 + cal.Date(r.intn(90)); completed > w.ref {
				completed = 0
			}
		}
		if completed != 0 {
			submitted = completed + cal.Date(r.intn(31))
			if r.pct(10) {
				submitted = completed + 31 + cal.Date(r.intn(60)) // late
			}
			if submitted > w.ref {
				submitted = 0
			}
		}
	}
	withOpp := opp >= 0 && r.pct(50)

	bk, done := rowKind(t, ig.bad)
	if done {
		return
	}
	switch bk {
	case badMissingValue:
		status = 0
	case badEndBeforeStart:
		started = approved + 1
		completed = started - 5
	}
	l := appendID(t.line[:0], "I", ig.n, ig.idw)
	l = append(l, ',')
	if bk == badUnknownPartner {
		l = w.appendUnknownPartner(l, ig.bad.serial)
	} else {
		l = w.appendPartner(l, ip)
	}
	l = append(l, ',')
	if bk == badUnknownValue {
		l = append(l, "webinar"...)
	} else {
		l = append(l, influenceKinds[kind]...)
	}
	l = append(l, ',')
	l = w.appendCustomer(l, c)
	l = append(l, ',')
	if withOpp {
		l = w.appendOpportunity(l, opp)
	}
	l = append(l, ',')
	l = append(l, genSolutions[sol]...)
	l = append(l, ',')
	l = append(l, influenceStatuses[status]...)
	l = append(l, ',')
	switch {
	case bk == badDate:
		l = appendImpossibleDate(l, approved, ig.bad.serial)
	case status == 0 && bk != badMissingValue:
		l = appendDate(l, approved)
	}
	for _, x := range []cal.Date{started, completed, submitted} {
		l = append(l, ',')
		if x != 0 {
			l = appendDate(l, x)
		}
	}
	t.line = append(l, '\n')
	t.put(bk)
}

// ---------------------------------------------------------------------------
// The other tables, one after the other.

func (g *gen) otherTables(ctx context.Context) error {
	for _, step := range []struct {
		table int
		write func(context.Context) error
	}{
		{tFXRates, g.fxRates},
		{tPartners, g.partnerRows},
		{tBusinessModels, g.businessModels},
		{tRequirements, g.requirements},
		{tCapabilities, g.capabilities},
		{tOEMCredits, g.oemCredits},
		{tLifecycleClaims, g.lifecycleClaims},
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		if err := step.write(ctx); err != nil {
			return err
		}
		t := g.files[step.table]
		g.log.Debug("generated", "table", t.name, "rows", t.rows, "bad_rows", t.bad, "seconds", time.Since(start).Seconds())
	}
	return nil
}

// fxRates writes the monthly rates; bad rows are extra rows for currencies
// no booking uses.
func (g *gen) fxRates(context.Context) error {
	w, t := g.w, g.files[tFXRates]
	bad := newBadPlan(w.bad, fxBadKinds, newRNG(w.seed, "fx_rates/bad"))
	for c := 1; c < len(currencies); c++ {
		for m, from := range w.fxMonth {
			l := append(t.line[:0], currencies[c]...)
			l = append(l, ',')
			l = appendDate(l, from)
			l = append(l, ',')
			l = strconv.AppendFloat(l, w.rates[c][m], 'f', fxDecimals[c], 64)
			t.line = append(l, '\n')
			t.put(okRow)

			k := bad.row()
			if k == okRow {
				continue
			}
			// A unique key per extra row: a day before the first rate.
			on := w.fxStart - cal.Date(bad.serial)
			l = append(t.line[:0], fxBadCurrencies[bad.serial%int64(len(fxBadCurrencies))]...)
			l = append(l, ',')
			if k == badDate {
				l = appendImpossibleDate(l, on, bad.serial)
			} else {
				l = appendDate(l, on)
			}
			l = append(l, ',')
			switch k {
			case badNonpositiveRate:
				l = append(l, "0.0000"...)
			case badDecimal:
				l = append(l, "n/a"...)
			case badMissingValue:
			default:
				l = append(l, "1.0500"...)
			}
			t.line = append(l, '\n')
			if k == badDuplicateKey {
				t.put(okRow)
				t.dup()
			} else {
				t.put(k)
			}
		}
	}
	return nil
}

var (
	nameFirst = []string{"Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Wingtip", "Proseware",
		"Lucerne", "Margie", "Alpine", "Coho", "Fourth Coffee", "Graphic Design", "Humongous", "Trey", "Woodgrove",
		"Blue Yonder", "Relecloud", "Munson", "Southridge", "Lamna", "Bellows", "Datum", "Consolidated", "Nod",
		"Vanarsdel", "Liberty", "Baldwin", "Fincher"}
	nameSecond = []string{"Systems", "Solutions", "Cloud", "Networks", "Data", "Digital", "Technologies", "Consulting",
		"Integration", "Infrastructure", "IT", "Partners", "Advisory", "Computing", "Software"}
	legalForm = []string{"Inc.", "Inc.", "Ltd", "GmbH", "SAS", "B.V.", "KK", "Pty Ltd", "Pvt Ltd", "Ltda", "S.A. de C.V.", "(Pty) Ltd"}
)

// partnerName draws a company name; a few have a comma or quotes, as real
// names do.
func partnerName(r rng, country uint8) string {
	name := nameFirst[r.intn(len(nameFirst))] + " " + nameSecond[r.intn(len(nameSecond))]
	switch n := r.intn(100); {
	case n < 3:
		name = nameFirst[r.intn(len(nameFirst))] + ", " + name + " & Partners"
	case n < 4:
		name = nameFirst[r.intn(len(nameFirst))] + ` "` + nameSecond[r.intn(len(nameSecond))] + `" ` + name
	}
	if r.pct(70) {
		name += " " + legalForm[country]
	}
	return name
}

var legacyLevels = []string{"principal", "enterprise", "professional", "registered"}

// partnerRows writes partners; bad rows are extra partners (PX...) that no
// other table names. Partners enrolled before the rulebook's migration
// mostly have a legacy_level, the bigger ones higher.
func (g *gen) partnerRows(ctx context.Context) error {
	w, t := g.w, g.files[tPartners]
	r := newRNG(w.seed, "partners")
	bad := newBadPlan(w.bad, partnerBadKinds, newRNG(w.seed, "partners/bad"))
	prog := g.progress("partners", int64(w.n))
	for i := range int32(w.n) {
		if err := prog.tick(ctx, int64(i)); err != nil {
			return err
		}
		legacy := ""
		if w.enrolled[i] < w.legacyTo && r.pct(95) {
			pct := float64(w.rank[i]+int32(r.intn(w.n/10+1))) / float64(w.n)
			switch {
			case pct < 0.05:
				legacy = legacyLevels[0]
			case pct < 0.2:
				legacy = legacyLevels[1]
			case pct < 0.5:
				legacy = legacyLevels[2]
			default:
				legacy = legacyLevels[3]
			}
		}
		emerging := ""
		if emergingCountry[w.country[i]] {
			emerging = "true"
		} else if r.pct(60) {
			emerging = "false"
		}
		l := w.appendPartner(t.line[:0], i)
		t.line = partnerLine(l, partnerName(r, w.country[i]), countries[w.country[i]], emerging, w.enrolled[i], w.terminated[i], legacy, okRow, 0)
		t.put(okRow)

		if k := bad.row(); k != okRow {
			l := appendID(t.line[:0], "PX", bad.serial, w.pw)
			t.line = partnerLine(l, partnerName(bad.r, 0), "US", "false", w.from-365, noEnd, "", k, bad.serial)
			if k == badDuplicateKey {
				t.put(okRow)
				t.dup()
			} else {
				t.put(k)
			}
		}
	}
	return nil
}

// partnerLine appends the columns after partner_id, broken as kind says.
func partnerLine(l []byte, name, country, emerging string, enrolled, terminated cal.Date, legacy string, kind badKind, serial int64) []byte {
	l = append(l, ',')
	if kind != badMissingValue {
		l = appendText(l, name)
	}
	l = append(l, ',')
	if kind == badCountry {
		l = append(l, "USA"...)
	} else {
		l = append(l, country...)
	}
	l = append(l, ',')
	if kind == badBoolean {
		l = append(l, "yes"...)
	} else {
		l = append(l, emerging...)
	}
	l = append(l, ',')
	if kind == badDate {
		l = appendImpossibleDate(l, enrolled, serial)
	} else {
		l = appendDate(l, enrolled)
	}
	l = append(l, ',')
	switch {
	case kind == badEndBeforeStart:
		l = appendDate(l, enrolled-10)
	case terminated != noEnd:
		l = appendDate(l, terminated)
	}
	l = append(l, ',')
	l = append(l, legacy...)
	return append(l, '\n')
}

// rowKind is the kind of a table's next row: okRow or a way to break it
// other than a duplicate; done when it has written a duplicate (of the last
// good row) itself.
func rowKind(t *tableFile, bad *badPlan) (kind badKind, done bool) {
	k := bad.row()
	if k != badDuplicateKey {
		return k, false
	}
	if t.prevGood {
		t.dup()
		return okRow, true
	}
	if k = bad.other(); k == badDuplicateKey {
		k = okRow
	}
	return k, false
}

// appendPartnerOrUnknown appends p, or an unknown partner for that kind.
func (w *world) appendPartnerOrUnknown(l []byte, p int32, kind badKind, serial int64) []byte {
	if kind == badUnknownPartner {
		return w.appendUnknownPartner(l, serial)
	}
	return w.appendPartner(l, p)
}

// appendDateOrBad appends d, or an impossible date for kind badDate.
func appendDateOrBad(l []byte, d cal.Date, kind badKind, serial int64) []byte {
	if kind == badDate {
		return appendImpossibleDate(l, d, serial)
	}
	return appendDate(l, d)
}

// businessModels writes each partner's registrations: its first model from
// enrollment, a second one for a fifth of partners from later. A
// terminated partner's registrations end on its termination.
func (g *gen) businessModels(ctx context.Context) error {
	w, t := g.w, g.files[tBusinessModels]
	r := newRNG(w.seed, "business_models")
	bad := newBadPlan(w.bad, modelBadKinds, newRNG(w.seed, "business_models/bad"))
	prog := g.progress("business_models", int64(w.n))
	for p := range int32(w.n) {
		if err := prog.tick(ctx, int64(p)); err != nil {
			return err
		}
		end := min(w.to, w.terminated[p])
		for j := range w.models {
			m := (int(w.primary[p]) + j) % len(w.models)
			if w.modelMask[p]&(1<<m) == 0 {
				continue
			}
			registered := w.enrolled[p]
			if j > 0 {
				registered = r.days(w.enrolled[p], end)
			}
			ended := noEnd
			if w.terminated[p] != noEnd {
				ended = w.terminated[p]
			} else if j > 0 && r.pct(10) {
				ended = r.days(registered, w.to)
			}
			kind, done := rowKind(t, bad)
			if done {
				continue
			}
			l := w.appendPartnerOrUnknown(t.line[:0], p, kind, bad.serial)
			l = append(l, ',')
			if kind == badUnknownValue {
				l = append(l, "distributor"...)
			} else {
				l = append(l, w.models[m]...)
			}
			l = append(l, ',')
			l = appendDateOrBad(l, registered, kind, bad.serial)
			l = append(l, ',')
			switch {
			case kind == badEndBeforeStart:
				l = appendDate(l, registered-1-cal.Date(bad.r.intn(30)))
			case ended != noEnd:
				l = appendDate(l, ended)
			}
			t.line = append(l, '\n')
			t.put(kind)
		}
	}
	return nil
}

// requirements writes the foundational requirements of every partner,
// completed within weeks of enrolling (one missing for about 5% of
// partners). The second requirement (integrity_training in the example
// rulebook) expires yearly and the third (due_diligence) every two years
// for half the partners; they are renewed shortly before they expire, but
// some lapse. About 1% of partners have paid a reenrollment_fee.
func (g *gen) requirements(ctx context.Context) error {
	w, t := g.w, g.files[tRequirements]
	r := newRNG(w.seed, "requirements")
	bad := newBadPlan(w.bad, requirementBadKind, newRNG(w.seed, "requirements/bad"))
	prog := g.progress("requirements", int64(w.n))
	row := func(p int32, req string, completed, expires cal.Date) {
		kind, done := rowKind(t, bad)
		if done {
			return
		}
		l := w.appendPartnerOrUnknown(t.line[:0], p, kind, bad.serial)
		l = append(l, ',')
		if kind != badMissingValue {
			l = append(l, req...)
		}
		l = append(l, ',')
		l = appendDateOrBad(l, completed, kind, bad.serial)
		l = append(l, ',')
		switch {
		case kind == badEndBeforeStart:
			l = appendDate(l, completed-1-cal.Date(bad.r.intn(30)))
		case expires != 0:
			l = appendDate(l, expires)
		}
		t.line = append(l, '\n')
		t.put(kind)
	}
	for p := range int32(w.n) {
		if err := prog.tick(ctx, int64(p)); err != nil {
			return err
		}
		missing := -1
		if len(w.requirements) > 0 && r.pct(5) {
			missing = r.intn(len(w.requirements))
		}
		for j, req := range w.requirements {
			completed := w.enrolled[p] + cal.Date(r.intn(45))
			period := cal.Date(0)
			switch {
			case j == 1:
				period = 365
			case j == 2 && r.pct(50):
				period = 730
			}
			if j == missing || completed > w.ref {
				continue
			}
			if period == 0 {
				row(p, req, completed, 0)
				continue
			}
			if k := (w.from - period - completed) / period; k > 0 {
				completed += k * period // history starts about a period before the years
			}
			for {
				expires := completed + period
				row(p, req, completed, expires)
				if expires > w.ref || r.pct(3) { // current, or lapsed
					break
				}
				next := max(completed+1, expires-cal.Date(r.intn(30)))
				if next > w.ref {
					break
				}
				completed = next
			}
		}
		if r.intn(100) == 0 {
			row(p, rulebook.ReenrollmentFee, r.days(max(w.enrolled[p], w.from), w.to), 0)
		}
	}
	return nil
}

var (
	capabilityPool = map[string][]string{
		"solution_competency": {"sc_compute", "sc_storage", "sc_network", "sc_security", "sc_desktop", "sc_cloud",
			"sc_app_platform", "sc_data_protection"},
		"master_services_competency": {"msc_cloud_infrastructure", "msc_app_modernization", "msc_end_user_computing",
			"msc_network_security"},
		"accreditation": {"acc_sales_pro", "acc_technical_pro", "acc_cloud_ops", "acc_security_ops", "acc_desktop_ops",
			"acc_kubernetes_ops", "acc_network_ops"},
		"specialization": {"spec_vdi", "spec_sdwan", "spec_hci", "spec_kubernetes", "spec_disaster_recovery",
			"spec_migration", "spec_zero_trust"},
		"validated_service_offering": {"vso_cloud_migration", "vso_disaster_recovery", "vso_managed_kubernetes",
			"vso_vdi_service", "vso_security_assessment"},
	}
	capabilityKindW = map[string]int{"solution_competency": 25, "master_services_competency": 7, "accreditation": 35,
		"specialization": 20, "validated_service_offering": 13}
)

// capabilities writes about three capabilities per partner (more for the
// big ones), of every kind; about a third expire, and most of those that
// have expired were achieved again.
func (g *gen) capabilities(ctx context.Context) error {
	w, t := g.w, g.files[tCapabilities]
	r := newRNG(w.seed, "capabilities")
	bad := newBadPlan(w.bad, capabilityBadKinds, newRNG(w.seed, "capabilities/bad"))
	kinds := rulebook.CapabilityKinds
	kindW := make([]int, len(kinds))
	for i, k := range kinds {
		kindW[i] = max(1, capabilityKindW[k])
	}
	prog := g.progress("capabilities", int64(w.n))
	var chosen []string
	row := func(p int32, id string, kind int, achieved, expires cal.Date) {
		bk, done := rowKind(t, bad)
		if done {
			return
		}
		l := w.appendPartnerOrUnknown(t.line[:0], p, bk, bad.serial)
		l = append(l, ',')
		l = append(l, id...)
		l = append(l, ',')
		if bk == badUnknownValue {
			l = append(l, "certification"...)
		} else {
			l = append(l, kinds[kind]...)
		}
		l = append(l, ',')
		l = appendDateOrBad(l, achieved, bk, bad.serial)
		l = append(l, ',')
		switch {
		case bk == badEndBeforeStart:
			l = appendDate(l, achieved-1-cal.Date(bad.r.intn(60)))
		case expires != 0:
			l = appendDate(l, expires)
		}
		t.line = append(l, '\n')
		t.put(bk)
	}
	for p := range int32(w.n) {
		if err := prog.tick(ctx, int64(p)); err != nil {
			return err
		}
		count := 1 + r.intn(4)
		if int(w.rank[p]) < w.n/5 {
			count += r.intn(5)
		}
		chosen = chosen[:0]
	next:
		for range count {
			kind := r.weighted(kindW)
			pool := capabilityPool[kinds[kind]]
			id := kinds[kind] + "_" + strconv.Itoa(r.intn(5))
			if len(pool) > 0 {
				id = pool[r.intn(len(pool))]
			}
			achieved := r.days(max(w.enrolled[p], w.from-3*365), w.to)
			expires := cal.Date(0)
			if r.pct(35) {
				expires = achieved + cal.Date(365*(1+r.intn(3)))
			}
			again := expires != 0 && expires <= w.ref && r.pct(60)
			for _, c := range chosen {
				if c == id {
					continue next
				}
			}
			chosen = append(chosen, id)
			row(p, id, kind, achieved, expires)
			if again {
				achieved = expires - cal.Date(r.intn(15))
				expires = 0
				if r.pct(30) {
					expires = achieved + 730
				}
				row(p, id, kind, achieved, expires)
			}
		}
	}
	return nil
}

// oemCredits writes about one OEM credit per 200 bookings, reported two to
// eight weeks after the deal.
func (g *gen) oemCredits(ctx context.Context) error {
	w, t := g.w, g.files[tOEMCredits]
	n := (g.opts.Bookings + 100) / 200
	r := newRNG(w.seed, "oem_credits")
	bad := newBadPlan(w.bad, oemBadKinds, newRNG(w.seed, "oem_credits/bad"))
	idw := max(6, digits(n))
	prog := g.progress("oem_credits", n)
	for i := range n {
		if err := prog.tick(ctx, i); err != nil {
			return err
		}
		d := w.day(r)
		p := w.partnerOn(r, d)
		oem := 1 + r.intn(5)
		c := w.customer(r)
		opp := int64(-1)
		if r.pct(40) {
			opp = c*4 + int64(r.intn(4))
		}
		sol := w.solution(r, c)
		reported := min(w.ref, d+14+cal.Date(r.intn(43)))
		cur := w.currency(r, p)
		usd := tcvUSD(r, 40000)
		lic := r.weighted(w.licenseW)
		newLogo := r.pct(15)

		kind, done := rowKind(t, bad)
		if done {
			continue
		}
		l := appendID(t.line[:0], "OC", i+1, idw)
		l = append(l, ",OEM0"...)
		l = strconv.AppendInt(l, int64(oem), 10)
		l = append(l, ',')
		l = w.appendPartnerOrUnknown(l, p, kind, bad.serial)
		l = append(l, ',')
		l = w.appendCustomer(l, c)
		l = append(l, ',')
		if opp >= 0 {
			l = w.appendOpportunity(l, opp)
		}
		l = append(l, ',')
		l = append(l, genSolutions[sol]...)
		l = append(l, ',')
		l = appendDateOrBad(l, d, kind, bad.serial)
		l = append(l, ',')
		if kind == badEndBeforeStart {
			reported = d - 1 - cal.Date(bad.r.intn(20))
		}
		l = appendDate(l, reported)
		l = append(l, ',')
		l = appendAmount(l, usd, cur, w.rate(cur, d), kind == badNegativeTCV)
		l = append(l, ',')
		if kind == badNoFXRate {
			l = append(l, "XXX"...)
		} else {
			l = append(l, currencies[cur]...)
		}
		l = append(l, ',')
		if kind == badUnknownLicenseType {
			l = append(l, unknownLicenseTypes[bad.serial%int64(len(unknownLicenseTypes))]...)
		} else {
			l = append(l, w.licenses[lic]...)
		}
		l = append(l, ',')
		if newLogo {
			l = append(l, "new_logo"...)
		}
		t.line = append(l, '\n')
		t.put(kind)
	}
	return nil
}

var (
	claimStatuses = []string{"approved", "submitted", "rejected"}
	claimStatusW  = []int{70, 15, 15}
)

// lifecycleClaims writes about one lifecycle claim per ten bookings, by
// partners drawn by size, on every activity the rulebook names.
func (g *gen) lifecycleClaims(ctx context.Context) error {
	w, t := g.w, g.files[tLifecycleClaims]
	if len(w.activities) == 0 {
		return nil
	}
	n := g.opts.Bookings / 10
	r := newRNG(w.seed, "lifecycle_claims")
	bad := newBadPlan(w.bad, lifecycleBadKinds, newRNG(w.seed, "lifecycle_claims/bad"))
	idw := max(7, digits(n))
	prog := g.progress("lifecycle_claims", n)
	for i := range n {
		if err := prog.tick(ctx, i); err != nil {
			return err
		}
		d := w.day(r)
		p := w.partnerOn(r, d)
		act := r.intn(len(w.activities))
		c, opp := int64(-1), int64(-1)
		if r.pct(85) {
			c = w.customer(r)
			if r.pct(50) {
				opp = c*4 + int64(r.intn(4))
			}
		}
		status := r.weighted(claimStatusW)

		kind, done := rowKind(t, bad)
		if done {
			continue
		}
		l := appendID(t.line[:0], "L", i+1, idw)
		l = append(l, ',')
		l = w.appendPartnerOrUnknown(l, p, kind, bad.serial)
		l = append(l, ',')
		if kind == badUnknownActivity {
			l = append(l, "workshop"...)
		} else {
			l = append(l, w.activities[act]...)
		}
		l = append(l, ',')
		if c >= 0 {
			l = w.appendCustomer(l, c)
		}
		l = append(l, ',')
		if opp >= 0 {
			l = w.appendOpportunity(l, opp)
		}
		l = append(l, ',')
		switch kind {
		case badUnknownValue:
			l = append(l, "escalated"...)
		case badMissingValue, badDate:
			l = append(l, "approved"...)
		default:
			l = append(l, claimStatuses[status]...)
		}
		l = append(l, ',')
		switch {
		case kind == badDate:
			l = appendImpossibleDate(l, d, bad.serial)
		case kind == badMissingValue:
		case status == 0 || kind == badUnknownValue:
			l = appendDate(l, d)
		}
		t.line = append(l, '\n')
		t.put(kind)
	}
	return nil
}
