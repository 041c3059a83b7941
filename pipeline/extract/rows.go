package extract

// The raw schema: the typed rows landed under raw/<table>/ as Parquet, one
// type per table, as DuckDB writes them (validate.go, typedSQL) and as the
// engine's tests write fixtures with parquet-go (TestRawSchema checks that
// the two agree). Dates are int32 days since 1970-01-01 (parquet-go writes a
// wrong DATE from a time.Time), money is an exact scaled integer, optional
// values are pointers (null when absent), lists are Parquet LISTs. Every
// row keeps the row_number it had in its source file, so a ledger row can
// be traced back to a line finance can open.
//
// These schemas are what sql/ reads: rename nothing without changing it too.

// TCVScale is the number of decimal places kept in tcv (DECIMAL(18,6)).
const TCVScale = 6

// RateScale is the number of decimal places kept in usd_per_unit (DECIMAL(18,10)).
const RateScale = 10

type Partner struct {
	RowNumber      int64   `parquet:"row_number"`
	PartnerID      string  `parquet:"partner_id"`
	Name           string  `parquet:"name"`
	Country        string  `parquet:"country"`
	EmergingMarket bool    `parquet:"emerging_market"`
	EnrolledOn     int32   `parquet:"enrolled_on,date"`
	TerminatedOn   *int32  `parquet:"terminated_on,optional,date"`
	LegacyLevel    *string `parquet:"legacy_level,optional"`
}

type BusinessModel struct {
	RowNumber     int64  `parquet:"row_number"`
	PartnerID     string `parquet:"partner_id"`
	BusinessModel string `parquet:"business_model"`
	RegisteredOn  int32  `parquet:"registered_on,date"`
	EndedOn       *int32 `parquet:"ended_on,optional,date"`
}

type Requirement struct {
	RowNumber   int64  `parquet:"row_number"`
	PartnerID   string `parquet:"partner_id"`
	Requirement string `parquet:"requirement"`
	CompletedOn int32  `parquet:"completed_on,date"`
	ExpiresOn   *int32 `parquet:"expires_on,optional,date"`
}

type Booking struct {
	RowNumber          int64    `parquet:"row_number"`
	BookingID          string   `parquet:"booking_id"`
	PartnerID          string   `parquet:"partner_id"`
	CustomerID         string   `parquet:"customer_id"`
	OpportunityID      *string  `parquet:"opportunity_id,optional"`
	Solution           string   `parquet:"solution"`
	BookedOn           int32    `parquet:"booked_on,date"`
	TCV                int64    `parquet:"tcv,decimal(6:18)"`
	Currency           string   `parquet:"currency"`
	LicenseType        string   `parquet:"license_type"`
	Tags               []string `parquet:"tags,list"`
	ContractPartnerIDs []string `parquet:"contract_partner_ids,list"`
	Status             string   `parquet:"status"`
	TerminatedOn       *int32   `parquet:"terminated_on,optional,date"`
}

type OEMCredit struct {
	RowNumber     int64    `parquet:"row_number"`
	CreditID      string   `parquet:"credit_id"`
	OEMPartnerID  string   `parquet:"oem_partner_id"`
	PartnerID     string   `parquet:"partner_id"`
	CustomerID    string   `parquet:"customer_id"`
	OpportunityID *string  `parquet:"opportunity_id,optional"`
	Solution      string   `parquet:"solution"`
	BookedOn      int32    `parquet:"booked_on,date"`
	ReportedOn    int32    `parquet:"reported_on,date"`
	TCV           int64    `parquet:"tcv,decimal(6:18)"`
	Currency      string   `parquet:"currency"`
	LicenseType   string   `parquet:"license_type"`
	Tags          []string `parquet:"tags,list"`
}

type LifecycleClaim struct {
	RowNumber     int64   `parquet:"row_number"`
	ClaimID       string  `parquet:"claim_id"`
	PartnerID     string  `parquet:"partner_id"`
	Activity      string  `parquet:"activity"`
	CustomerID    *string `parquet:"customer_id,optional"`
	OpportunityID *string `parquet:"opportunity_id,optional"`
	Status        string  `parquet:"status"`
	ApprovedOn    *int32  `parquet:"approved_on,optional,date"`
}

type InfluenceClaim struct {
	RowNumber             int64   `parquet:"row_number"`
	ClaimID               string  `parquet:"claim_id"`
	PartnerID             string  `parquet:"partner_id"`
	Kind                  string  `parquet:"kind"`
	CustomerID            string  `parquet:"customer_id"`
	OpportunityID         *string `parquet:"opportunity_id,optional"`
	Solution              string  `parquet:"solution"`
	Status                string  `parquet:"status"`
	ApprovedOn            *int32  `parquet:"approved_on,optional,date"`
	WorkStartedOn         *int32  `parquet:"work_started_on,optional,date"`
	WorkCompletedOn       *int32  `parquet:"work_completed_on,optional,date"`
	CompletionSubmittedOn *int32  `parquet:"completion_submitted_on,optional,date"`
}

type Capability struct {
	RowNumber    int64  `parquet:"row_number"`
	PartnerID    string `parquet:"partner_id"`
	CapabilityID string `parquet:"capability_id"`
	Kind         string `parquet:"kind"`
	AchievedOn   int32  `parquet:"achieved_on,date"`
	ExpiresOn    *int32 `parquet:"expires_on,optional,date"`
}

type FXRate struct {
	RowNumber  int64  `parquet:"row_number"`
	Currency   string `parquet:"currency"`
	ValidFrom  int32  `parquet:"valid_from,date"`
	USDPerUnit int64  `parquet:"usd_per_unit,decimal(10:18)"`
}

// Reject is one input row that broke the contract (CONTRACT.md "rejects").
type Reject struct {
	Table     string `parquet:"table" json:"table"`
	RowNumber int64  `parquet:"row_number" json:"row_number"`
	Key       string `parquet:"key" json:"key"`
	Reason    string `parquet:"reason" json:"reason"`
	Detail    string `parquet:"detail" json:"detail"`
	Raw       string `parquet:"raw" json:"raw"`
}
