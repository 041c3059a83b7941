package extract

import (
	"slices"
	"strings"

	"tally/pipeline/rulebook"
)

// table is one landing table of CONTRACT.md: its columns in the contract's
// order, its key, and the checks a row must pass, in the order they run.
// A row's first failing check is its reject reason, so the order is part
// of the contract: it is the column order, with each cross-column check
// right after the later of its columns.
type table struct {
	name     string
	required bool
	cols     []column
	key      []string // the key's columns (CONTRACT.md brackets)
	checks   []check
}

// column is one column of a landing table as CONTRACT.md lists it.
type column struct {
	name     string
	required bool      // starred: the column must be in the file and the value present
	list     bool      // a list: ';'-separated in CSV, an array in JSONL and Parquet
	upper    bool      // compared in upper case, also in keys (currency, country)
	typ      valueType // what the text must parse as
}

// valueType is what a column's text stands for. Files carry text and the
// checks parse it; a database column has a type of its own, which must be
// one that can hold such values.
type valueType uint8

const (
	textType    valueType = iota // ids, names, enum values
	dateType                     // YYYY-MM-DD
	decimalType                  // a plain decimal
	booleanType                  // true or false
)

// checkKind is what one check asks of a row.
type checkKind uint8

const (
	checkValue       checkKind = iota // the column's value: present if required, of its type (the type checks of every column)
	checkCountry                      // two ASCII letters
	checkOneOf                        // one of the contract's values (set)
	checkRuleName                     // a name the rulebook gives (set: license_types or activities)
	checkPartner                      // an accepted partner_id
	checkCurrency                     // a currency with an FX rate valid on the date column (other)
	checkNegative                     // not negative (tcv)
	checkNonPositive                  // positive (usd_per_unit)
	checkRange                        // within what the engine computes exactly (bound)
	checkRangeUSD                     // converted to USD at the currency's highest rate, within MaxTCVUSD (other: the currency column)
	checkRequiredIf                   // present when the column other holds a value but value (why)
	checkNotBefore                    // not before the date column other
)

// check is one step of a row's checks, on column col.
type check struct {
	kind   checkKind
	col    string
	set    string // checkOneOf, checkRuleName: the set of allowed names
	reason string // checkOneOf, checkRuleName: the reason when not in it
	other  string // the other column a check reads
	when   string // checkRequiredIf: col is required when other holds this value
	unless string // checkRequiredIf: col is required when other holds another value than this
}

// The bounds of amounts (checkRange), so that every accepted amount lands
// in the raw Parquet types (rows.go) and the engine computes its USD value
// and points exactly.
const (
	// TCVLimit bounds a TCV in its own currency: DECIMAL(18,6) holds less
	// than 10^12.
	TCVLimit = "1000000000000"
	// RateLimit bounds usd_per_unit: DECIMAL(18,10) holds less than 10^8.
	RateLimit = "100000000"
	// MaxTCVUSD bounds a TCV converted to USD (at the highest accepted
	// rate of its currency): the engine rounds a converted amount to the
	// millionth of a dollar exactly only below 2^53 millionths, about
	// 9.007 billion dollars.
	MaxTCVUSD = "9000000000"
)

// Closed sets of values (CONTRACT.md), by the name checks use.
var contractSets = map[string][]string{
	"booking_status":   {"booked", "customer_terminated", "vendor_terminated"},
	"claim_status":     {"submitted", "approved", "rejected"},
	"influence_status": {"pending", "approved", "rejected"},
	"influence_kind":   {"poc", "technical_assessment", "sir"},
	"business_model":   rulebook.BusinessModels,
	"capability_kind":  rulebook.CapabilityKinds,
}

// defaults are the values a null takes in a column of a closed set.
var defaults = map[string]string{"status@bookings": "booked"}

var upperCaseColumns = []string{"currency", "country"}

func value(col string) check { return check{kind: checkValue, col: col} }
func oneOf(col, set string) check {
	return check{kind: checkOneOf, col: col, set: set, reason: ReasonUnknownValue}
}
func ruleName(col, set, reason string) check {
	return check{kind: checkRuleName, col: col, set: set, reason: reason}
}
func partner(col string) check { return check{kind: checkPartner, col: col} }
func notBefore(end, start string) check {
	return check{kind: checkNotBefore, col: end, other: start}
}

// tcv is the checks of a TCV column: a decimal, not negative, within
// TCVLimit.
func tcv(col string) []check {
	return []check{value(col), {kind: checkNegative, col: col}, {kind: checkRange, col: col}}
}

// currency is the checks of a currency column whose amount is tcv and
// whose date is on: an FX rate valid then, and the USD amount in range.
func currency(col, amount, on string) []check {
	return []check{value(col), {kind: checkCurrency, col: col, other: on}, {kind: checkRangeUSD, col: amount, other: col}}
}

// tables in CONTRACT.md order, which is the order of Result.Tables.
// Columns are listed as CONTRACT.md lists them: * marks a required column,
// [] a list, :date, :decimal and :boolean what the text stands for.
func tables() []*table {
	return []*table{
		{
			name: "partners", required: true,
			cols: columns("partner_id*", "name*", "country*", "emerging_market:boolean", "enrolled_on*:date", "terminated_on:date", "legacy_level"),
			key:  []string{"partner_id"},
			checks: []check{value("partner_id"), value("name"), value("country"), {kind: checkCountry, col: "country"},
				value("emerging_market"), value("enrolled_on"), value("terminated_on"), notBefore("terminated_on", "enrolled_on"), value("legacy_level")},
		},
		{
			name: "business_models", required: true,
			cols: columns("partner_id*", "business_model*", "registered_on*:date", "ended_on:date"),
			key:  []string{"partner_id", "business_model", "registered_on"},
			checks: []check{value("partner_id"), partner("partner_id"), value("business_model"), oneOf("business_model", "business_model"),
				value("registered_on"), value("ended_on"), notBefore("ended_on", "registered_on")},
		},
		{
			name: "requirements", required: true,
			cols: columns("partner_id*", "requirement*", "completed_on*:date", "expires_on:date"),
			key:  []string{"partner_id", "requirement", "completed_on"},
			checks: []check{value("partner_id"), partner("partner_id"), value("requirement"), value("completed_on"),
				value("expires_on"), notBefore("expires_on", "completed_on")},
		},
		{
			name: "bookings", required: true,
			cols: columns("booking_id*", "partner_id*", "customer_id*", "opportunity_id", "solution*", "booked_on*:date",
				"tcv*:decimal", "currency", "license_type*", "tags[]", "contract_partner_ids[]", "status", "terminated_on:date"),
			key: []string{"booking_id"},
			checks: slices.Concat([]check{value("booking_id"), value("partner_id"), partner("partner_id"), value("customer_id"),
				value("opportunity_id"), value("solution"), value("booked_on")},
				tcv("tcv"), currency("currency", "tcv", "booked_on"),
				[]check{value("license_type"), ruleName("license_type", "license_types", ReasonUnknownLicenseType),
					value("tags"), value("contract_partner_ids"), value("status"), oneOf("status", "booking_status"),
					value("terminated_on"), {kind: checkRequiredIf, col: "terminated_on", other: "status", unless: "booked"},
					notBefore("terminated_on", "booked_on")}),
		},
		{
			name: "oem_credits",
			cols: columns("credit_id*", "oem_partner_id*", "partner_id*", "customer_id*", "opportunity_id", "solution*",
				"booked_on*:date", "reported_on*:date", "tcv*:decimal", "currency", "license_type*", "tags[]"),
			key: []string{"credit_id"},
			checks: slices.Concat([]check{value("credit_id"), value("oem_partner_id"), value("partner_id"), partner("partner_id"),
				value("customer_id"), value("opportunity_id"), value("solution"), value("booked_on"), value("reported_on"),
				notBefore("reported_on", "booked_on")},
				tcv("tcv"), currency("currency", "tcv", "booked_on"),
				[]check{value("license_type"), ruleName("license_type", "license_types", ReasonUnknownLicenseType), value("tags")}),
		},
		{
			name: "lifecycle_claims",
			cols: columns("claim_id*", "partner_id*", "activity*", "customer_id", "opportunity_id", "status*", "approved_on:date"),
			key:  []string{"claim_id"},
			checks: []check{value("claim_id"), value("partner_id"), partner("partner_id"),
				value("activity"), ruleName("activity", "activities", ReasonUnknownActivity),
				value("customer_id"), value("opportunity_id"), value("status"), oneOf("status", "claim_status"),
				value("approved_on"), {kind: checkRequiredIf, col: "approved_on", other: "status", when: "approved"}},
		},
		{
			name: "influence_claims",
			cols: columns("claim_id*", "partner_id*", "kind*", "customer_id*", "opportunity_id", "solution*", "status*",
				"approved_on:date", "work_started_on:date", "work_completed_on:date", "completion_submitted_on:date"),
			key: []string{"claim_id"},
			checks: []check{value("claim_id"), value("partner_id"), partner("partner_id"), value("kind"), oneOf("kind", "influence_kind"),
				value("customer_id"), value("opportunity_id"), value("solution"), value("status"), oneOf("status", "influence_status"),
				value("approved_on"), {kind: checkRequiredIf, col: "approved_on", other: "status", when: "approved"},
				value("work_started_on"), value("work_completed_on"), notBefore("work_completed_on", "work_started_on"),
				value("completion_submitted_on")},
		},
		{
			name: "capabilities",
			cols: columns("partner_id*", "capability_id*", "kind*", "achieved_on*:date", "expires_on:date"),
			key:  []string{"partner_id", "capability_id", "achieved_on"},
			checks: []check{value("partner_id"), partner("partner_id"), value("capability_id"), value("kind"), oneOf("kind", "capability_kind"),
				value("achieved_on"), value("expires_on"), notBefore("expires_on", "achieved_on")},
		},
		{
			name: "fx_rates",
			cols: columns("currency*", "valid_from*:date", "usd_per_unit*:decimal"),
			key:  []string{"currency", "valid_from"},
			checks: []check{value("currency"), value("valid_from"), value("usd_per_unit"),
				{kind: checkNonPositive, col: "usd_per_unit"}, {kind: checkRange, col: "usd_per_unit"}},
		},
	}
}

// columns reads a CONTRACT.md column list: "partner_id*" is required,
// "tags[]" is a list, and a ":date", ":decimal" or ":boolean" suffix says
// what the values are (text when there is none).
func columns(names ...string) []column {
	cols := make([]column, len(names))
	for i, n := range names {
		c := column{name: n}
		if s, t, ok := strings.Cut(c.name, ":"); ok {
			c.name = s
			switch t {
			case "date":
				c.typ = dateType
			case "decimal":
				c.typ = decimalType
			case "boolean":
				c.typ = booleanType
			default:
				panic("extract: unknown column type " + t + " of " + s)
			}
		}
		if s, ok := strings.CutSuffix(c.name, "[]"); ok {
			c.name, c.list = s, true
		}
		if s, ok := strings.CutSuffix(c.name, "*"); ok {
			c.name, c.required = s, true
		}
		c.upper = slices.Contains(upperCaseColumns, c.name)
		cols[i] = c
	}
	return cols
}

func (t *table) column(name string) column {
	i := slices.IndexFunc(t.cols, func(c column) bool { return c.name == name })
	if i < 0 {
		panic("extract: table " + t.name + " has no column " + name)
	}
	return t.cols[i]
}

// scale is the decimal places a decimal column keeps.
func scale(col string) int {
	if col == "usd_per_unit" {
		return RateScale
	}
	return TCVScale
}

// limit is the bound of a decimal column (checkRange).
func limit(col string) string {
	if col == "usd_per_unit" {
		return RateLimit
	}
	return TCVLimit
}
