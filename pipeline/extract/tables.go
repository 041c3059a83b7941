package extract

import (
	"slices"
	"strings"

	"tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// env is what a row's checks need beyond the row: the rulebook's names, the
// accepted partners and the FX rates. partners and fxFrom are filled by the
// partners and fx_rates tables and only read after them.
type env struct {
	licenseTypes names
	activities   names
	partners     *idSet           // accepted partner_ids
	fxFrom       map[string]int32 // currency -> the earliest valid_from of an accepted rate

	partnerRows map[string]int64 // partner_id -> row, while partners is read
	rates       []rate           // while fx_rates is read
}

// names is a set of the rulebook's names (license types, activities).
type names map[string]bool

func (n names) has(s string) bool { return n[s] }

type rate struct {
	currency string
	from     int32
	row      int64
}

func newEnv(rb *rulebook.Rulebook) *env {
	e := &env{licenseTypes: names{}, activities: names{}, partnerRows: map[string]int64{}}
	for _, t := range rb.LicenseTypes {
		e.licenseTypes[t] = true
	}
	for _, a := range rb.LifecycleActivities() {
		e.activities[a] = true
	}
	return e
}

// release gives back the memory of the accepted partners' set (mapped
// outside the Go heap when large, so the collector would not).
func (e *env) release() { e.partners.release() }

// partner checks that column i names an accepted partner.
func (c *rowCheck) partner(e *env, i int) string {
	return c.member(i, e.partners.has, ReasonUnknownPartner, "an accepted partner_id")
}

// currency is column i upper-cased, USD when null, and must have an FX
// rate valid on the booking date.
func (c *rowCheck) currency(e *env, i int, bookedOn int32) string {
	cur := c.upper(i)
	if !c.ok() {
		return ""
	}
	if cur == "" {
		return "USD"
	}
	if from, ok := e.fxFrom[cur]; cur != "USD" && (!ok || from > bookedOn) {
		c.fail(i, ReasonNoFXRate, "no fx_rates row for %q valid on or before %s", cur, date.Date(bookedOn))
		return ""
	}
	return cur
}

// tcv is a TCV: a decimal with TCVScale places, not negative.
func (c *rowCheck) tcv(i int) int64 {
	v, ok := c.decimal(i, TCVScale)
	if ok && v < 0 {
		c.fail(i, ReasonNegativeTCV, "%q is negative", c.rec.vals[i].text)
	}
	return v
}

var (
	bookingStatuses  = []string{"booked", "customer_terminated", "vendor_terminated"}
	claimStatuses    = []string{"submitted", "approved", "rejected"}
	influenceStatus  = []string{"pending", "approved", "rejected"}
	influenceKinds   = []string{"poc", "technical_assessment", "sir"}
	businessModels   = rulebook.BusinessModels
	capabilityKinds  = rulebook.CapabilityKinds
	upperCaseColumns = []string{"currency", "country"}
)

// The tables of the landing directory (CONTRACT.md), in the order results
// are reported. Columns are listed as CONTRACT.md lists them: * marks a
// required column, [] a list, :date, :decimal and :boolean what the text
// stands for. Each convert reads its columns in that order.
var (
	partnersTable = &spec[Partner]{
		name: "partners",
		cols: columns("partner_id*", "name*", "country*", "emerging_market:boolean", "enrolled_on*:date", "terminated_on:date", "legacy_level"),
		key:  []int{0},
		convert: func(c *rowCheck, _ *env, r *Partner) {
			r.PartnerID = c.str(0)
			r.Name = c.str(1)
			r.Country = c.upper(2)
			if c.ok() && (len(r.Country) != 2 || !isASCIILetter(r.Country[0]) || !isASCIILetter(r.Country[1])) {
				c.fail(2, ReasonBadCountry, "%q is not a two-letter ISO 3166 country code", c.rec.vals[2].text)
			}
			r.EmergingMarket = c.boolean(3, false)
			enrolled, _ := c.date(4)
			r.EnrolledOn = enrolled
			r.TerminatedOn = c.optDate(5)
			c.notBefore(5, r.TerminatedOn, 4, enrolled)
			r.LegacyLevel = c.optStr(6)
		},
		rowNumber: func(r *Partner) *int64 { return &r.RowNumber },
		collect: func(e *env, r *Partner) {
			e.partnerRows[strings.Clone(r.PartnerID)] = r.RowNumber
		},
		settle: func(e *env, excluded map[int64]int64) {
			e.partners = newIDSet(len(e.partnerRows))
			for id, row := range e.partnerRows {
				if _, x := excluded[row]; !x {
					e.partners.add(id)
				}
			}
			e.partnerRows = nil
		},
	}
	businessModelsTable = &spec[BusinessModel]{
		name: "business_models",
		cols: columns("partner_id*", "business_model*", "registered_on*:date", "ended_on:date"),
		key:  []int{0, 1, 2},
		convert: func(c *rowCheck, e *env, r *BusinessModel) {
			r.PartnerID = c.partner(e, 0)
			r.BusinessModel = c.oneOf(1, businessModels, "", ReasonUnknownValue)
			r.RegisteredOn, _ = c.date(2)
			r.EndedOn = c.optDate(3)
			c.notBefore(3, r.EndedOn, 2, r.RegisteredOn)
		},
		rowNumber: func(r *BusinessModel) *int64 { return &r.RowNumber },
	}
	requirementsTable = &spec[Requirement]{
		name: "requirements",
		cols: columns("partner_id*", "requirement*", "completed_on*:date", "expires_on:date"),
		key:  []int{0, 1, 2},
		convert: func(c *rowCheck, e *env, r *Requirement) {
			r.PartnerID = c.partner(e, 0)
			r.Requirement = c.str(1)
			r.CompletedOn, _ = c.date(2)
			r.ExpiresOn = c.optDate(3)
			c.notBefore(3, r.ExpiresOn, 2, r.CompletedOn)
		},
		rowNumber: func(r *Requirement) *int64 { return &r.RowNumber },
	}
	bookingsTable = &spec[Booking]{
		name: "bookings",
		cols: columns("booking_id*", "partner_id*", "customer_id*", "opportunity_id", "solution*", "booked_on*:date",
			"tcv*:decimal", "currency", "license_type*", "tags[]", "contract_partner_ids[]", "status", "terminated_on:date"),
		key: []int{0},
		convert: func(c *rowCheck, e *env, r *Booking) {
			r.BookingID = c.str(0)
			r.PartnerID = c.partner(e, 1)
			r.CustomerID = c.str(2)
			r.OpportunityID = c.optStr(3)
			r.Solution = c.str(4)
			r.BookedOn, _ = c.date(5)
			r.TCV = c.tcv(6)
			r.Currency = c.currency(e, 7, r.BookedOn)
			r.LicenseType = c.member(8, e.licenseTypes.has, ReasonUnknownLicenseType, "a license type in the rulebook")
			r.Tags = c.list(9)
			r.ContractPartnerIDs = c.list(10)
			r.Status = c.oneOf(11, bookingStatuses, "booked", ReasonUnknownValue)
			r.TerminatedOn = c.optDate(12)
			if c.ok() && r.Status != "booked" {
				c.required(12, r.TerminatedOn, "status is "+r.Status)
			}
			c.notBefore(12, r.TerminatedOn, 5, r.BookedOn)
		},
		rowNumber: func(r *Booking) *int64 { return &r.RowNumber },
	}
	oemCreditsTable = &spec[OEMCredit]{
		name: "oem_credits",
		cols: columns("credit_id*", "oem_partner_id*", "partner_id*", "customer_id*", "opportunity_id", "solution*",
			"booked_on*:date", "reported_on*:date", "tcv*:decimal", "currency", "license_type*", "tags[]"),
		key: []int{0},
		convert: func(c *rowCheck, e *env, r *OEMCredit) {
			r.CreditID = c.str(0)
			r.OEMPartnerID = c.str(1)
			r.PartnerID = c.partner(e, 2)
			r.CustomerID = c.str(3)
			r.OpportunityID = c.optStr(4)
			r.Solution = c.str(5)
			r.BookedOn, _ = c.date(6)
			reported, ok := c.date(7)
			r.ReportedOn = reported
			if ok {
				c.notBefore(7, &reported, 6, r.BookedOn)
			}
			r.TCV = c.tcv(8)
			r.Currency = c.currency(e, 9, r.BookedOn)
			r.LicenseType = c.member(10, e.licenseTypes.has, ReasonUnknownLicenseType, "a license type in the rulebook")
			r.Tags = c.list(11)
		},
		rowNumber: func(r *OEMCredit) *int64 { return &r.RowNumber },
	}
	lifecycleClaimsTable = &spec[LifecycleClaim]{
		name: "lifecycle_claims",
		cols: columns("claim_id*", "partner_id*", "activity*", "customer_id", "opportunity_id", "status*", "approved_on:date"),
		key:  []int{0},
		convert: func(c *rowCheck, e *env, r *LifecycleClaim) {
			r.ClaimID = c.str(0)
			r.PartnerID = c.partner(e, 1)
			r.Activity = c.member(2, e.activities.has, ReasonUnknownActivity, "a lifecycle activity in the rulebook")
			r.CustomerID = c.optStr(3)
			r.OpportunityID = c.optStr(4)
			r.Status = c.oneOf(5, claimStatuses, "", ReasonUnknownValue)
			r.ApprovedOn = c.optDate(6)
			if c.ok() && r.Status == "approved" {
				c.required(6, r.ApprovedOn, `status is "approved"`)
			}
		},
		rowNumber: func(r *LifecycleClaim) *int64 { return &r.RowNumber },
	}
	influenceClaimsTable = &spec[InfluenceClaim]{
		name: "influence_claims",
		cols: columns("claim_id*", "partner_id*", "kind*", "customer_id*", "opportunity_id", "solution*", "status*",
			"approved_on:date", "work_started_on:date", "work_completed_on:date", "completion_submitted_on:date"),
		key: []int{0},
		convert: func(c *rowCheck, e *env, r *InfluenceClaim) {
			r.ClaimID = c.str(0)
			r.PartnerID = c.partner(e, 1)
			r.Kind = c.oneOf(2, influenceKinds, "", ReasonUnknownValue)
			r.CustomerID = c.str(3)
			r.OpportunityID = c.optStr(4)
			r.Solution = c.str(5)
			r.Status = c.oneOf(6, influenceStatus, "", ReasonUnknownValue)
			r.ApprovedOn = c.optDate(7)
			if c.ok() && r.Status == "approved" {
				c.required(7, r.ApprovedOn, `status is "approved"`)
			}
			r.WorkStartedOn = c.optDate(8)
			r.WorkCompletedOn = c.optDate(9)
			if r.WorkStartedOn != nil {
				c.notBefore(9, r.WorkCompletedOn, 8, *r.WorkStartedOn)
			}
			r.CompletionSubmittedOn = c.optDate(10)
		},
		rowNumber: func(r *InfluenceClaim) *int64 { return &r.RowNumber },
	}
	capabilitiesTable = &spec[Capability]{
		name: "capabilities",
		cols: columns("partner_id*", "capability_id*", "kind*", "achieved_on*:date", "expires_on:date"),
		key:  []int{0, 1, 3},
		convert: func(c *rowCheck, e *env, r *Capability) {
			r.PartnerID = c.partner(e, 0)
			r.CapabilityID = c.str(1)
			r.Kind = c.oneOf(2, capabilityKinds, "", ReasonUnknownValue)
			r.AchievedOn, _ = c.date(3)
			r.ExpiresOn = c.optDate(4)
			c.notBefore(4, r.ExpiresOn, 3, r.AchievedOn)
		},
		rowNumber: func(r *Capability) *int64 { return &r.RowNumber },
	}
	fxRatesTable = &spec[FXRate]{
		name: "fx_rates",
		cols: columns("currency*", "valid_from*:date", "usd_per_unit*:decimal"),
		key:  []int{0, 1},
		convert: func(c *rowCheck, _ *env, r *FXRate) {
			r.Currency = c.upper(0)
			r.ValidFrom, _ = c.date(1)
			v, ok := c.decimal(2, RateScale)
			if ok && v <= 0 {
				c.fail(2, ReasonNonpositiveRate, "%q is not positive", c.rec.vals[2].text)
			}
			r.USDPerUnit = v
		},
		rowNumber: func(r *FXRate) *int64 { return &r.RowNumber },
		collect: func(e *env, r *FXRate) {
			e.rates = append(e.rates, rate{currency: strings.Clone(r.Currency), from: r.ValidFrom, row: r.RowNumber})
		},
		settle: func(e *env, excluded map[int64]int64) {
			e.fxFrom = map[string]int32{}
			for _, r := range e.rates {
				if _, x := excluded[r.row]; x {
					continue
				}
				if from, ok := e.fxFrom[r.currency]; !ok || r.from < from {
					e.fxFrom[r.currency] = r.from
				}
			}
			e.rates = nil
		},
	}
)

func isASCIILetter(b byte) bool { return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' }

// upperCased says whether a column's values are compared in upper case
// (also in keys: "eur|2023-01-01" and "EUR|2023-01-01" are one key).
func upperCased(name string) bool { return slices.Contains(upperCaseColumns, name) }
