package extract

// Reason codes of rejected rows. They are stable: dashboards and scripts
// count rejects by them.
const (
	ReasonMalformedRow       = "malformed_row"        // not a record: wrong field count, broken quoting, not a JSON object
	ReasonMissingValue       = "missing_value"        // a required value is empty, or a conditional one (approved_on, terminated_on)
	ReasonBadDate            = "bad_date"             // not YYYY-MM-DD, or no such day
	ReasonBadDecimal         = "bad_decimal"          // not a plain decimal, or too many places
	ReasonBadBoolean         = "bad_boolean"          // not true or false
	ReasonBadType            = "bad_type"             // a JSON or Parquet value of the wrong type (an object, a list for a scalar)
	ReasonUnknownValue       = "unknown_value"        // an enum value CONTRACT.md does not list
	ReasonUnknownLicenseType = "unknown_license_type" // not in the rulebook's license_types
	ReasonUnknownActivity    = "unknown_activity"     // a lifecycle activity no program year gives points for
	ReasonBadCountry         = "bad_country"          // not two ASCII letters
	ReasonNegativeTCV        = "negative_tcv"         // tcv < 0
	ReasonNonpositiveRate    = "nonpositive_rate"     // usd_per_unit <= 0
	ReasonDuplicateKey       = "duplicate_key"        // the table's key is on more than one row: every copy is rejected
	ReasonUnknownPartner     = "unknown_partner"      // partner_id is not an accepted partner
	ReasonNoFXRate           = "no_fx_rate"           // no fx_rates row for the currency valid on booked_on
	ReasonEndBeforeStart     = "end_before_start"     // an end date before its start date
	ReasonOutOfRange         = "out_of_range"         // an amount beyond what the raw types and the engine hold exactly (tables.go: TCVLimit, RateLimit, MaxTCVUSD)
	ReasonDuplicateField     = "duplicate_field"      // a JSONL object names a column twice
)

// Reasons lists every reason code, in the order above.
var Reasons = []string{
	ReasonMalformedRow, ReasonMissingValue, ReasonBadDate, ReasonBadDecimal,
	ReasonBadBoolean, ReasonBadType, ReasonUnknownValue, ReasonUnknownLicenseType,
	ReasonUnknownActivity, ReasonBadCountry, ReasonNegativeTCV, ReasonNonpositiveRate,
	ReasonDuplicateKey, ReasonUnknownPartner, ReasonNoFXRate, ReasonEndBeforeStart,
	ReasonOutOfRange, ReasonDuplicateField,
}
