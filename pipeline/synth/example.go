// Package synth writes synthetic landing directories in the input format of
// spec/CONTRACT.md.
//
// WriteExample writes the shipped example program, fixtures/example/: named
// scenario partners (P001..P027), each built by hand to exercise one or more
// rules of spec/RULES.md, and filler partners (P028..P050) drawn from a
// fixed-seed generator so the program has a realistic, heavy-tailed shape.
// fixtures/example/README.md says what each scenario partner must come out as.
package synth

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// WriteExample writes the example program's landing files into dir, creating
// it if needed. The output depends on nothing but this file: running it twice
// gives the same bytes.
func WriteExample(dir string) error {
	l := exampleLanding()
	if err := l.write(dir); err != nil {
		return fmt.Errorf("synth: write example: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Rows, one type per input table. Values are kept as they appear in the file
// (dates as YYYY-MM-DD, money with two decimals, lists `;`-joined), so that a
// scenario can hold a deliberately broken value such as 2023-02-30.

type partnerRow struct {
	id, name, country, emergingMarket, enrolledOn, terminatedOn, legacyLevel string
}

type businessModelRow struct {
	partnerID, businessModel, registeredOn, endedOn string
}

type requirementRow struct {
	partnerID, requirement, completedOn, expiresOn string
}

type bookingRow struct {
	id, partnerID, customerID, opportunityID, solution, bookedOn, tcv, currency, licenseType,
	tags, contractPartnerIDs, status, terminatedOn string
}

type oemCreditRow struct {
	id, oemPartnerID, partnerID, customerID, opportunityID, solution, bookedOn, reportedOn, tcv,
	currency, licenseType, tags string
}

type lifecycleClaimRow struct {
	id, partnerID, activity, customerID, opportunityID, status, approvedOn string
}

type influenceClaimRow struct {
	id, partnerID, kind, customerID, opportunityID, solution, status, approvedOn,
	workStartedOn, workCompletedOn, completionSubmittedOn string
}

type capabilityRow struct {
	partnerID, capabilityID, kind, achievedOn, expiresOn string
}

type fxRateRow struct {
	currency, validFrom, usdPerUnit string
}

// landing is one landing directory: every input table's rows.
type landing struct {
	partners        []partnerRow
	businessModels  []businessModelRow
	requirements    []requirementRow
	bookings        []bookingRow
	oemCredits      []oemCreditRow
	lifecycleClaims []lifecycleClaimRow
	influenceClaims []influenceClaimRow
	capabilities    []capabilityRow
	fxRates         []fxRateRow
}

// ---------------------------------------------------------------------------
// Scenario partners. Every row below is referred to by
// fixtures/example/README.md: change one and update the README with it.

var scenarioPartners = []partnerRow{
	{"P001", "Northwind Systems", "US", "false", "2016-03-01", "", "premier"},
	{"P002", "Contoso Cloud Ltd", "GB", "false", "2018-05-14", "", "enterprise"},
	{"P003", "Fabrikam Integration GmbH", "DE", "false", "2019-02-01", "", "principal"},
	{"P004", "Tailspin Consulting", "US", "false", "2019-04-01", "", "principal"},
	{"P005", "Litware Advisory SARL", "FR", "false", "2020-03-01", "", "principal"},
	{"P006", "Adatum Networks B.V.", "NL", "false", "2017-06-01", "", "professional"},
	{"P007", "Wide World Importers IT", "US", "false", "2020-01-01", "", "registered"},
	{"P008", "Wingtip Partners", "US", "false", "2023-08-15", "", ""},
	{"P009", "Proseware Subscriptions", "US", "false", "2021-09-01", "", "registered"},
	{"P010", "Blue Yonder Hardware", "US", "false", "2021-03-01", "", "professional"},
	{"P011", "Cascade Appliances", "CA", "false", "2024-09-01", "", ""},
	{"P012", "Alpine Data Builders", "US", "false", "2025-05-01", "", ""},
	{"P013", "Relecloud Services", "US", "false", "2023-02-10", "", "registered"},
	{"P014", "Woodgrove Resellers", "US", "false", "2020-02-01", "", "professional"},
	{"P015", "Trey Research", "US", "false", "2019-06-01", "", "registered"},
	{"P016", "Nod Publishers IT", "US", "false", "2024-06-01", "", ""},
	{"P017", "Lifecycle Labs", "US", "false", "2022-11-01", "", "registered"},
	{"P018", "Fourth Coffee Advisory", "US", "false", "2021-05-01", "", "registered"},
	{"P019", "Coho Distribution", "US", "false", "2019-01-15", "", "professional"},
	{"P020", "Humongous IT", "US", "false", "2020-10-01", "", "registered"},
	{"P021", "Graphic Design Institute IT", "US", "false", "2021-01-01", "", "registered"},
	{"P022", "Margie's Travel Tech", "US", "false", "2023-06-01", "", ""},
	{"P023", "Lucerne Data Services", "US", "false", "2018-04-01", "", "enterprise"},
	{"P024", "Southridge Video IT", "US", "false", "2023-04-03", "", ""},
	{"P025", "Fineart Systems", "US", "false", "2023-04-17", "", ""},
	{"P026", "Bellows College IT", "US", "false", "2023-05-02", "", ""},
	{"P027", "Lamna Healthcare IT", "US", "false", "2020-07-01", "2024-10-31", "registered"},
}

const (
	reseller = "solution_reseller"
	cloud    = "cloud_services_provider"
	services = "solution_services"
	builder  = "solution_builder"
)

var scenarioBusinessModels = []businessModelRow{
	{"P001", reseller, "2016-03-01", ""},
	{"P001", cloud, "2020-09-01", ""},
	{"P002", cloud, "2018-05-14", ""},
	{"P002", reseller, "2018-05-14", ""},
	{"P003", services, "2019-02-01", ""}, // principal, solution_services only: protected
	{"P004", services, "2019-04-01", ""}, // principal in two models: not protected
	{"P004", reseller, "2021-04-01", ""},
	{"P005", services, "2020-03-01", ""}, // principal, not in good standing on 2023-03-20
	{"P006", reseller, "2017-06-01", ""},
	{"P007", reseller, "2020-01-01", ""},
	{"P008", reseller, "2023-08-15", ""},
	{"P009", reseller, "2021-09-01", ""},
	{"P009", cloud, "2022-06-01", "2024-06-30"},
	{"P010", reseller, "2021-03-01", ""},
	{"P011", reseller, "2024-09-01", ""},
	{"P012", builder, "2025-05-01", ""},
	{"P013", reseller, "2023-02-10", ""},
	{"P014", reseller, "2020-02-01", ""},
	{"P015", reseller, "2019-06-01", ""},
	{"P016", reseller, "2024-06-01", ""},
	{"P017", services, "2022-11-01", ""},
	{"P017", reseller, "2023-01-15", ""},
	{"P018", services, "2021-05-01", ""},
	{"P019", reseller, "2019-01-15", ""},
	{"P020", reseller, "2020-10-01", ""},
	{"P020", cloud, "2021-02-01", ""},
	{"P021", services, "2021-01-01", "2023-03-31"}, // left solution_services before its claim's booking
	{"P021", reseller, "2021-01-01", ""},
	{"P022", reseller, "2023-06-01", ""},
	{"P023", cloud, "2018-04-01", ""},
	{"P024", reseller, "2023-04-03", ""},
	{"P025", reseller, "2023-04-17", ""},
	{"P026", builder, "2023-05-02", ""},
	{"P027", reseller, "2020-07-01", ""},
}

// requirementOverride replaces a partner's default completions of one
// requirement (see defaultRequirements); no completions means never completed.
type requirementOverride struct {
	partnerID, requirement string
	completions            [][2]string // completed_on, expires_on
}

var requirementOverrides = []requirementOverride{
	{"P005", "due_diligence", [][2]string{{"2023-04-10", ""}}},
	{"P015", "integrity_training", [][2]string{{"2019-06-01", "2022-06-30"}, {"2022-05-31", "2024-05-31"}, {"2024-08-01", "2026-08-01"}, {"2026-07-01", "2028-07-01"}}},
	{"P016", "due_diligence", nil},
	{"P024", "integrity_training", [][2]string{{"2023-04-03", "2024-02-15"}, {"2024-04-10", "2026-04-10"}, {"2026-03-20", "2028-03-20"}}},
	{"P025", "integrity_training", [][2]string{{"2023-04-17", "2024-01-31"}, {"2024-07-01", "2026-07-01"}, {"2026-06-01", "2028-06-01"}}},
	{"P025", "reenrollment_fee", [][2]string{{"2024-07-15", ""}}},
	{"P026", "due_diligence", [][2]string{{"2023-05-02", "2024-01-10"}}},
}

// Scenario bookings: id B<partner number><seq>; customers C0100..C2703, of
// which C2001..C2013 belong to the influence scenarios (drawn bookings use
// C3001 on, so they never match an influence claim). Columns: booking_id,
// partner_id, customer_id, opportunity_id, solution, booked_on, tcv, currency,
// license_type, tags, contract_partner_ids, status, terminated_on.
var scenarioBookings = []bookingRow{
	// P001: outside any program year (FY23 starts 2022-02-05); its other bookings are generated.
	{"B001000", "P001", "C0100", "", "compute", "2021-11-30", "750000.00", "USD", "term", "", "", "", ""},

	// P003: protected principal, EUR bookings.
	{"B003001", "P003", "C0301", "O-0301", "network", "2022-05-12", "300000.00", "EUR", "term", "", "", "", ""},
	{"B003002", "P003", "C0302", "O-0302", "network", "2022-10-20", "250000.00", "EUR", "subscription", "", "", "", ""},
	{"B003003", "P003", "C0301", "O-0303", "security", "2023-06-07", "400000.00", "EUR", "term", "", "", "", ""},
	{"B003004", "P003", "C0303", "", "cloud_foundation", "2023-11-15", "500000.00", "EUR", "saas", "new_logo", "", "", ""},

	// P004: principal in two models.
	{"B004001", "P004", "C0401", "O-0401", "compute", "2022-04-04", "600000.00", "USD", "subscription", "", "", "", ""},
	{"B004002", "P004", "C0402", "O-0402", "compute", "2023-05-05", "700000.00", "USD", "subscription", "", "", "", ""},

	// P005: principal not in good standing at the migration.
	{"B005001", "P005", "C0501", "", "app_platform", "2022-09-01", "200000.00", "EUR", "subscription", "", "", "", ""},

	// P006: one booking before FY23, FX on the day a new rate starts.
	{"B006001", "P006", "C0601", "", "network", "2022-01-14", "100000.00", "EUR", "term", "", "", "", ""},
	{"B006002", "P006", "C0602", "O-0602", "network", "2022-03-15", "500000.00", "EUR", "term", "", "", "", ""},
	{"B006003", "P006", "C0603", "", "storage", "2022-11-08", "450000.00", "EUR", "perpetual", "", "", "", ""},
	{"B006004", "P006", "C0602", "O-0604", "security", "2023-09-19", "800000.00", "EUR", "term", "", "", "", ""},
	{"B006005", "P006", "C0604", "", "network", "2024-01-01", "100000.00", "EUR", "term", "", "", "", ""},

	// P007: program-year edges (FY24 ends 2024-02-02, FY25 starts 2024-02-03).
	{"B007001", "P007", "C0701", "", "compute", "2022-08-15", "150000.00", "USD", "term", "", "", "", ""},
	{"B007002", "P007", "C0702", "", "compute", "2024-02-02", "10000.00", "USD", "term", "", "", "", ""},
	{"B007003", "P007", "C0702", "", "compute", "2024-02-03", "10000.00", "USD", "term", "", "", "", ""},

	// P008: enrolled 2023-08-15; the July booking predates enrollment.
	{"B008001", "P008", "C0801", "", "desktop", "2023-07-20", "90000.00", "USD", "term", "", "", "", ""},
	{"B008002", "P008", "C0802", "O-0802", "desktop", "2023-09-05", "400000.00", "USD", "subscription", "new_logo", "", "", ""},
	{"B008003", "P008", "C0801", "", "desktop", "2023-12-18", "200000.00", "USD", "term", "", "", "", ""},

	// P009: multipliers stacked, alone and none; a customer termination.
	{"B009001", "P009", "C0901", "O-0901", "app_platform", "2023-03-02", "100000.00", "USD", "saas", "new_logo", "", "", ""},
	{"B009002", "P009", "C0902", "O-0902", "app_platform", "2023-04-11", "200000.00", "USD", "subscription", "", "", "", ""},
	{"B009003", "P009", "C0903", "", "compute", "2023-05-16", "50000.00", "USD", "term", "new_logo", "", "", ""},
	{"B009004", "P009", "C0902", "", "compute", "2023-06-20", "80000.00", "USD", "term", "upsell", "", "", ""},
	{"B009005", "P009", "C0904", "", "storage", "2023-07-25", "30000.00", "USD", "perpetual", "new_logo", "", "", ""},
	{"B009006", "P009", "C0905", "O-0906", "app_platform", "2023-10-10", "100000.00", "GBP", "saas", "new_logo;public_sector", "", "", ""},
	{"B009007", "P009", "C0906", "", "app_platform", "2023-12-01", "40000.00", "USD", "subscription", "", "", "customer_terminated", "2024-01-05"},

	// P010: the perpetual cap (500) crossed in FY24 and again in FY25.
	{"B010001", "P010", "C1001", "", "storage", "2022-09-09", "400000.00", "USD", "perpetual", "", "", "", ""},
	{"B010002", "P010", "C1002", "", "storage", "2023-03-10", "180000.00", "USD", "perpetual", "", "", "", ""},
	{"B010003", "P010", "C1003", "O-1003", "storage", "2023-04-18", "300000.00", "USD", "subscription", "", "", "", ""},
	{"B010004", "P010", "C1004", "", "storage", "2023-05-22", "150000.00", "USD", "perpetual_hardware", "new_logo", "", "", ""},
	{"B010005", "P010", "C1002", "", "storage", "2023-08-14", "200000.00", "USD", "sns_renewal", "renewal", "", "", ""},
	{"B010006", "P010", "C1005", "", "storage", "2023-08-14", "50000.00", "USD", "perpetual_hardware", "", "", "", ""},
	{"B010007", "P010", "C1006", "", "compute", "2023-11-02", "90000.00", "USD", "perpetual", "", "", "", ""},
	{"B010008", "P010", "C1007", "", "storage", "2024-03-15", "300000.00", "USD", "perpetual", "", "", "", ""},
	{"B010009", "P010", "C1003", "O-1009", "storage", "2024-05-07", "300000.00", "USD", "subscription", "", "", "", ""},
	{"B010010", "P010", "C1008", "", "storage", "2024-06-20", "250000.00", "USD", "perpetual_hardware", "", "", "", ""},
	{"B010011", "P010", "C1002", "", "storage", "2024-09-09", "120000.00", "USD", "sns_renewal", "renewal", "", "", ""},

	// P011: FY26 keeps the 500 cap; FY27 overrides it to 250.
	{"B011001", "P011", "C1101", "", "storage", "2025-06-10", "300000.00", "USD", "perpetual", "", "", "", ""},
	{"B011002", "P011", "C1102", "", "storage", "2026-02-12", "200000.00", "USD", "perpetual", "", "", "", ""},
	{"B011003", "P011", "C1103", "", "storage", "2026-03-18", "100000.00", "USD", "perpetual_hardware", "", "", "", ""},
	{"B011004", "P011", "C1101", "", "storage", "2026-04-09", "40000.00", "USD", "sns_renewal", "renewal", "", "", ""},

	// P012: 950 points early in FY27, where select needs 1000.
	{"B012001", "P012", "C1201", "", "app_platform", "2025-07-07", "500000.00", "USD", "term", "", "", "", ""},
	{"B012002", "P012", "C1202", "O-1202", "app_platform", "2026-02-20", "400000.00", "USD", "subscription", "", "", "", ""},
	{"B012003", "P012", "C1203", "", "app_platform", "2026-03-25", "350000.00", "USD", "term", "", "", "", ""},

	// P013: vendor and customer terminations.
	{"B013001", "P013", "C1301", "", "compute", "2023-04-01", "700000.00", "USD", "term", "", "", "", ""},
	{"B013002", "P013", "C1302", "O-1302", "compute", "2023-06-01", "120000.00", "USD", "subscription", "", "", "vendor_terminated", "2023-09-15"},
	{"B013003", "P013", "C1303", "", "compute", "2023-10-01", "80000.00", "USD", "subscription", "", "", "customer_terminated", "2024-01-05"},
	{"B013004", "P013", "C1304", "", "storage", "2024-05-10", "500000.00", "USD", "term", "", "", "vendor_terminated", "2025-04-20"},
	{"B013005", "P013", "C1305", "O-1305", "compute", "2024-08-08", "100000.00", "USD", "perpetual", "", "", "customer_terminated", "2024-12-01"},
	{"B013006", "P013", "C1306", "", "app_platform", "2025-09-01", "60000.00", "USD", "saas", "new_logo", "", "vendor_terminated", "2026-03-15"},

	// P014, P015, P016: direct bookings next to their OEM credits.
	{"B014001", "P014", "C1401", "", "network", "2024-06-01", "300000.00", "USD", "term", "", "", "", ""},
	{"B015001", "P015", "C1501", "", "network", "2024-06-15", "100000.00", "USD", "term", "", "", "", ""},
	{"B016001", "P016", "C1601", "", "compute", "2024-07-10", "200000.00", "USD", "term", "", "", "", ""},
	{"B016002", "P016", "C1601", "", "compute", "2025-11-03", "50000.00", "USD", "term", "", "", "", ""},

	// P017: booking and lifecycle points on opportunity O-1701.
	{"B017001", "P017", "C1701", "O-1701", "cloud_foundation", "2023-08-20", "150000.00", "USD", "subscription", "", "", "", ""},

	// P018 transacts on C2006 itself: no influence points there.
	{"B018001", "P018", "C2006", "", "security", "2024-01-10", "50000.00", "USD", "term", "", "", "", ""},

	// P019 and P020: the bookings P018's influence claims are matched against.
	{"B019001", "P019", "C2001", "O-2001", "network", "2023-09-12", "400000.00", "USD", "subscription", "", "", "", ""},
	{"B019002", "P019", "C2001", "O-2099", "network", "2023-10-01", "100000.00", "USD", "term", "", "", "", ""},
	{"B019003", "P019", "C2002", "", "storage", "2023-10-05", "100000.00", "USD", "term", "", "", "", ""},
	{"B019004", "P019", "C2006", "", "security", "2024-01-25", "120000.00", "USD", "term", "", "", "", ""},
	{"B019005", "P019", "C2008", "", "desktop", "2024-02-20", "90000.00", "USD", "term", "", "", "", ""},
	{"B019006", "P019", "C2009", "", "network", "2024-03-11", "75000.00", "USD", "term", "", "", "", ""},
	{"B019007", "P019", "C2012", "", "desktop", "2024-04-10", "300000.00", "USD", "subscription", "", "", "vendor_terminated", "2024-11-30"},
	{"B019008", "P019", "C2013", "", "app_platform", "2023-12-01", "160000.00", "USD", "term", "", "", "", ""},
	{"B020001", "P020", "C2003", "", "compute", "2023-11-11", "250000.00", "USD", "term", "", "", "", ""},
	{"B020002", "P020", "C2004", "O-2004", "storage", "2023-12-12", "180000.00", "USD", "saas", "", "", "", ""},
	{"B020003", "P020", "C2005", "", "cloud_foundation", "2024-06-15", "250000.00", "USD", "term", "", "", "", ""},
	{"B020004", "P020", "C2005", "", "cloud_foundation", "2024-06-16", "300000.00", "USD", "term", "", "", "", ""},
	{"B020005", "P020", "C2007", "", "app_platform", "2023-12-20", "220000.00", "USD", "subscription", "", "P018", "", ""},
	{"B020006", "P020", "C2010", "", "compute", "2024-01-15", "200000.00", "USD", "term", "", "", "", ""},

	// P022: premier in mid FY25, then its solution competency expires.
	{"B022001", "P022", "C2201", "", "desktop", "2023-07-10", "700000.00", "USD", "subscription", "", "", "", ""},
	{"B022002", "P022", "C2202", "O-2202", "desktop", "2024-03-01", "1600000.00", "USD", "subscription", "", "", "", ""},
	{"B022003", "P022", "C2203", "O-2203", "desktop", "2024-07-15", "1500000.00", "USD", "saas", "new_logo", "", "", ""},

	// P023: migrated premier, demoted at the FY24 audit.
	{"B023001", "P023", "C2301", "", "cloud_foundation", "2022-06-01", "2000000.00", "USD", "saas", "", "", "", ""},
	{"B023002", "P023", "C2302", "", "cloud_foundation", "2022-12-01", "1200000.00", "USD", "subscription", "", "", "", ""},
	{"B023003", "P023", "C2301", "", "cloud_foundation", "2023-07-01", "800000.00", "USD", "saas", "", "", "", ""},

	// P024..P026: the FY24 audit's remediation and re-enrollment windows.
	{"B024001", "P024", "C2401", "", "desktop", "2023-06-15", "700000.00", "USD", "subscription", "", "", "", ""},
	{"B025001", "P025", "C2501", "", "compute", "2023-07-20", "650000.00", "USD", "subscription", "", "", "", ""},
	{"B026001", "P026", "C2601", "", "app_platform", "2023-09-01", "300000.00", "USD", "term", "", "", "", ""},
	{"B026002", "P026", "C2601", "", "app_platform", "2024-11-05", "100000.00", "USD", "term", "", "", "", ""},

	// P027: partners.terminated_on 2024-10-31.
	{"B027001", "P027", "C2701", "", "network", "2022-07-07", "120000.00", "USD", "term", "", "", "", ""},
	{"B027002", "P027", "C2702", "", "network", "2023-08-08", "200000.00", "USD", "term", "", "", "", ""},
	{"B027003", "P027", "C2701", "", "network", "2024-05-05", "100000.00", "USD", "subscription", "", "", "", ""},
	{"B027004", "P027", "C2703", "", "network", "2024-12-10", "80000.00", "USD", "term", "", "", "", ""},
}

// badBookings break the contract on purpose: each must be rejected.
var badBookings = []bookingRow{
	{"B039901", "P039", "C0091", "", "compute", "2023-06-12", "-1250.00", "USD", "term", "", "", "", ""},                          // negative tcv
	{"B999001", "P999", "C0092", "", "storage", "2023-07-03", "45000.00", "USD", "subscription", "", "", "", ""},                  // unknown partner
	{"B040901", "P040", "C0093", "O-0093", "network", "2023-08-21", "60000.00", "USD", "term", "", "", "", ""},                    // duplicate booking_id,
	{"B040901", "P040", "C0093", "O-0093", "network", "2023-08-22", "61000.00", "USD", "term", "", "", "", ""},                    // both copies
	{"B041901", "P041", "C0094", "", "security", "2023-09-14", "80000.00", "USD", "enterprise_license_agreement", "", "", "", ""}, // unknown license type
	{"B042901", "P042", "C0095", "", "desktop", "2023-02-30", "30000.00", "USD", "saas", "", "", "", ""},                          // impossible date
	{"B043901", "P043", "C0096", "", "compute", "2024-04-22", "52000.00", "CHF", "term", "", "", "", ""},                          // no FX rate for CHF
}

// Columns: credit_id, oem_partner_id, partner_id, customer_id, opportunity_id,
// solution, booked_on, reported_on, tcv, currency, license_type, tags.
var scenarioOEMCredits = []oemCreditRow{
	{"OC014001", "OEM01", "P014", "C1411", "", "network", "2024-03-20", "2024-04-15", "250000.00", "USD", "subscription", ""},
	{"OC014002", "OEM02", "P014", "C1412", "", "storage", "2025-01-10", "2025-02-10", "100000.00", "EUR", "term", ""},
	{"OC015001", "OEM01", "P015", "C1511", "", "network", "2024-05-15", "2024-06-30", "200000.00", "USD", "term", ""},
	{"OC015002", "OEM01", "P015", "C1512", "O-1512", "app_platform", "2024-08-20", "2024-09-30", "100000.00", "USD", "saas", "new_logo"},
	{"OC016001", "OEM01", "P016", "C1611", "", "compute", "2024-09-10", "2024-09-30", "150000.00", "USD", "term", ""},
}

// Columns: claim_id, partner_id, activity, customer_id, opportunity_id, status, approved_on.
var scenarioLifecycleClaims = []lifecycleClaimRow{
	{"L017001", "P017", "technical_assessment", "C1702", "", "approved", "2022-12-05"},
	{"L017002", "P017", "technical_assessment", "C1701", "O-1701", "approved", "2023-05-10"},
	{"L017003", "P017", "poc", "C1701", "O-1701", "approved", "2023-06-15"},
	{"L017004", "P017", "deployment", "C1701", "O-1701", "approved", "2023-09-01"},
	{"L017005", "P017", "customer_success", "C1701", "O-1701", "approved", "2024-01-20"},
	{"L017006", "P017", "poc", "C1703", "", "submitted", ""},
	{"L017007", "P017", "deployment", "C1704", "O-1704", "rejected", ""},
}

// Columns: claim_id, partner_id, kind, customer_id, opportunity_id, solution,
// status, approved_on, work_started_on, work_completed_on, completion_submitted_on.
var scenarioInfluenceClaims = []influenceClaimRow{
	{"I018001", "P018", "poc", "C2001", "O-2001", "network", "approved", "2023-04-03", "2023-04-10", "2023-06-30", "2023-07-20"},
	{"I018002", "P018", "technical_assessment", "C2002", "", "storage", "approved", "2023-05-02", "2023-05-01", "", ""},
	{"I018003", "P018", "poc", "C2003", "", "compute", "approved", "2023-06-01", "2023-06-05", "2023-07-31", "2023-09-15"},
	{"I018004", "P018", "technical_assessment", "C2004", "", "storage", "approved", "2023-08-01", "2023-08-07", "2023-09-29", "2023-10-29"},
	{"I018005", "P018", "sir", "C2005", "", "cloud_foundation", "approved", "2022-06-15", "", "", ""},
	{"I018006", "P018", "sir", "C2006", "", "security", "approved", "2023-07-01", "", "", ""},
	{"I018007", "P018", "technical_assessment", "C2007", "", "app_platform", "approved", "2023-09-10", "2023-09-20", "", ""},
	{"I018008", "P018", "poc", "C2008", "", "desktop", "pending", "", "", "", ""},
	{"I018009", "P018", "sir", "C2009", "", "network", "rejected", "", "", "", ""},
	{"I018010", "P018", "poc", "C2010", "", "compute", "approved", "2023-08-01", "2023-08-10", "", ""},
	{"I018011", "P018", "sir", "C2010", "", "compute", "approved", "2023-09-01", "", "", ""},
	{"I018012", "P018", "sir", "C2012", "", "desktop", "approved", "2023-10-01", "", "", ""},
	{"I021001", "P021", "sir", "C2013", "", "app_platform", "approved", "2023-05-01", "", "", ""},
	{"I046901", "P046", "webinar", "C0097", "", "compute", "approved", "2023-05-01", "", "", ""}, // unknown kind: rejected
}

var badLifecycleClaims = []lifecycleClaimRow{
	{"L044901", "P044", "workshop", "C0098", "", "approved", "2023-10-02"}, // unknown activity
	{"L045901", "P045", "poc", "C0099", "", "approved", ""},                // approved without approved_on
}

const (
	solutionCompetency       = "solution_competency"
	masterServices           = "master_services_competency"
	accreditation            = "accreditation"
	specialization           = "specialization"
	validatedServiceOffering = "validated_service_offering"
)

// Columns: partner_id, capability_id, kind, achieved_on, expires_on.
var scenarioCapabilities = []capabilityRow{
	// P001: a pinnacle portfolio (3,000+ points with master services competencies).
	{"P001", "msc_cloud_infrastructure", masterServices, "2020-06-01", ""},
	{"P001", "msc_app_modernization", masterServices, "2021-09-01", ""},
	{"P001", "msc_end_user_computing", masterServices, "2022-03-01", "2024-03-01"},
	{"P001", "msc_end_user_computing", masterServices, "2024-03-01", ""}, // re-achieved the day it lapsed
	{"P001", "sc_compute", solutionCompetency, "2019-01-15", ""},
	{"P001", "sc_storage", solutionCompetency, "2019-05-20", ""},
	{"P001", "sc_network", solutionCompetency, "2020-01-10", ""},
	{"P001", "sc_security", solutionCompetency, "2020-07-01", ""},
	{"P001", "sc_desktop", solutionCompetency, "2021-01-12", ""},
	{"P001", "sc_cloud", solutionCompetency, "2021-04-01", ""},
	{"P001", "spec_vdi", specialization, "2019-03-01", ""},
	{"P001", "spec_sdwan", specialization, "2020-02-01", ""},
	{"P001", "spec_hci", specialization, "2020-10-01", ""},
	{"P001", "spec_kubernetes", specialization, "2021-06-01", ""},
	{"P001", "spec_disaster_recovery", specialization, "2022-01-15", ""},
	{"P001", "spec_migration", specialization, "2022-05-01", ""},
	{"P001", "acc_sales_pro", accreditation, "2018-01-10", ""},
	{"P001", "acc_technical_pro", accreditation, "2018-01-10", ""},
	{"P001", "acc_cloud_ops", accreditation, "2019-09-01", ""},
	{"P001", "acc_security_ops", accreditation, "2020-03-01", ""},
	{"P001", "acc_desktop_ops", accreditation, "2021-02-01", ""},
	{"P001", "acc_kubernetes_ops", accreditation, "2021-11-01", ""},
	{"P001", "acc_network_ops", accreditation, "2022-10-01", ""},
	{"P001", "vso_cloud_migration", validatedServiceOffering, "2021-03-01", ""},
	{"P001", "vso_disaster_recovery", validatedServiceOffering, "2021-08-01", ""},
	{"P001", "vso_managed_kubernetes", validatedServiceOffering, "2022-02-01", ""},
	{"P001", "vso_vdi_service", validatedServiceOffering, "2022-09-01", ""},
	{"P001", "vso_security_assessment", validatedServiceOffering, "2023-05-01", ""},

	// P002: premier portfolio at the migration; master services competencies in mid FY25.
	{"P002", "sc_cloud", solutionCompetency, "2019-03-01", ""},
	{"P002", "sc_network", solutionCompetency, "2020-05-01", ""},
	{"P002", "spec_hci", specialization, "2020-08-01", ""},
	{"P002", "spec_disaster_recovery", specialization, "2021-02-01", ""},
	{"P002", "vso_cloud_migration", validatedServiceOffering, "2021-10-01", ""},
	{"P002", "acc_sales_pro", accreditation, "2023-03-01", ""},
	{"P002", "acc_technical_pro", accreditation, "2023-03-01", ""},
	{"P002", "acc_cloud_ops", accreditation, "2023-06-01", ""},
	{"P002", "acc_network_ops", accreditation, "2023-12-01", ""},
	{"P002", "spec_kubernetes", specialization, "2023-06-01", ""},
	{"P002", "spec_sdwan", specialization, "2023-09-01", ""},
	{"P002", "spec_vdi", specialization, "2024-01-15", ""},
	{"P002", "spec_migration", specialization, "2024-03-01", ""},
	{"P002", "sc_storage", solutionCompetency, "2023-08-01", ""},
	{"P002", "sc_security", solutionCompetency, "2024-02-15", ""},
	{"P002", "sc_compute", solutionCompetency, "2024-04-01", ""},
	{"P002", "vso_managed_kubernetes", validatedServiceOffering, "2024-05-01", ""},
	{"P002", "vso_disaster_recovery", validatedServiceOffering, "2024-05-01", ""},
	{"P002", "sc_desktop", solutionCompetency, "2024-06-01", ""},
	{"P002", "spec_zero_trust", specialization, "2024-06-01", ""},
	{"P002", "acc_security_ops", accreditation, "2024-06-01", ""},
	{"P002", "acc_desktop_ops", accreditation, "2024-06-01", ""},
	{"P002", "acc_kubernetes_ops", accreditation, "2024-06-01", ""},
	{"P002", "spec_network_security", specialization, "2024-06-01", ""},
	{"P002", "vso_vdi_service", validatedServiceOffering, "2024-06-15", ""},
	{"P002", "msc_cloud_infrastructure", masterServices, "2024-07-01", ""},
	{"P002", "msc_app_modernization", masterServices, "2024-10-01", ""},

	{"P003", "sc_network", solutionCompetency, "2021-06-01", ""},
	{"P003", "acc_technical_pro", accreditation, "2023-05-01", ""},
	{"P004", "sc_compute", solutionCompetency, "2021-11-01", ""},
	{"P006", "spec_sdwan", specialization, "2020-05-01", ""},
	{"P008", "acc_sales_pro", accreditation, "2023-10-01", ""},
	{"P010", "sc_storage", solutionCompetency, "2022-01-10", ""},
	{"P012", "acc_sales_pro", accreditation, "2025-06-01", ""},
	{"P012", "spec_kubernetes", specialization, "2025-09-01", ""},

	// P022: the solution competency that makes it premier expires 2024-11-30.
	{"P022", "spec_vdi", specialization, "2023-09-01", ""},
	{"P022", "vso_vdi_service", validatedServiceOffering, "2023-10-01", ""},
	{"P022", "sc_desktop", solutionCompetency, "2024-04-01", "2024-11-30"},
	{"P022", "spec_disaster_recovery", specialization, "2024-05-01", ""},

	{"P023", "sc_cloud", solutionCompetency, "2021-03-01", ""},
	{"P023", "spec_hci", specialization, "2021-09-01", ""},
	{"P023", "spec_disaster_recovery", specialization, "2022-02-01", ""},
	{"P023", "vso_cloud_migration", validatedServiceOffering, "2022-06-01", ""},
	{"P024", "acc_sales_pro", accreditation, "2023-05-01", ""},
	{"P024", "acc_technical_pro", accreditation, "2023-06-01", ""},
	{"P025", "spec_migration", specialization, "2023-05-15", ""},
}

// fxRates: USD per unit, several changes per currency, the first before FY23.
// USD has no rows: it needs no rate. CHF has none either: its booking is rejected.
var fxRates = []fxRateRow{
	{"EUR", "2021-01-01", "1.2200"},
	{"EUR", "2022-07-01", "1.0200"},
	{"EUR", "2023-01-01", "1.0700"},
	{"EUR", "2023-07-01", "1.0900"},
	{"EUR", "2024-01-01", "1.1000"},
	{"EUR", "2024-07-01", "1.0800"},
	{"EUR", "2025-01-01", "1.0400"},
	{"EUR", "2025-07-01", "1.1700"},
	{"EUR", "2026-01-01", "1.1600"},
	{"GBP", "2021-01-01", "1.3700"},
	{"GBP", "2022-07-01", "1.2000"},
	{"GBP", "2023-01-01", "1.2100"},
	{"GBP", "2023-07-01", "1.2700"},
	{"GBP", "2024-01-01", "1.2650"},
	{"GBP", "2024-07-01", "1.2800"},
	{"GBP", "2025-01-01", "1.2500"},
	{"GBP", "2025-07-01", "1.3500"},
	{"GBP", "2026-01-01", "1.3400"},
}

// ---------------------------------------------------------------------------
// Volume: partners whose bookings are drawn, not listed. usd is the year's TCV
// in USD (split over n bookings with heavy-tailed sizes), per program year.

type yearVolume struct {
	year string
	usd  float64
	n    int
}

type volumePartner struct {
	id    string
	years []yearVolume
}

// programYears are the example rulebook's, with FY27 cut to the early months
// the example covers.
var programYears = []struct{ id, startsOn, endsOn string }{
	{"FY23", "2022-02-05", "2023-02-03"},
	{"FY24", "2023-02-04", "2024-02-02"},
	{"FY25", "2024-02-03", "2025-01-31"},
	{"FY26", "2025-02-01", "2026-01-30"},
	{"FY27", "2026-01-31", "2026-04-30"},
}

// scenarioVolumes: the two scenario partners big enough to need drawn bookings.
var scenarioVolumes = []volumePartner{
	{id: "P001", years: []yearVolume{{"FY23", 36e6, 34}, {"FY24", 38e6, 36}, {"FY25", 40e6, 36}, {"FY26", 42e6, 10}, {"FY27", 4e6, 2}}},
	{id: "P002", years: []yearVolume{{"FY23", 8e6, 20}, {"FY24", 14e6, 26}, {"FY25", 40e6, 34}, {"FY26", 36e6, 8}, {"FY27", 3e6, 2}}},
}

type tier int

const (
	tierCommunity tier = iota
	tierSelect
	tierPremier
	tierPinnacle
)

// fillerPartners: name, country and size class; dates, models and bookings are drawn.
var fillerPartners = []struct {
	id, name, country string
	tier              tier
}{
	{"P028", "Globex Cloud Services", "US", tierPinnacle},
	{"P029", "Initech Solutions", "US", tierPremier},
	{"P030", "Vandelay Systems GmbH", "DE", tierPremier},
	{"P031", "Soylent IT Services", "GB", tierPremier},
	{"P032", "Stark Digital Pty", "AU", tierPremier},
	{"P033", "Wayne Enterprise Solutions", "US", tierSelect},
	{"P034", "Umbrella Networks KK", "JP", tierSelect},
	{"P035", "Hooli Integrators", "IN", tierSelect},
	{"P036", "Cyberdyne Cloud SAS", "FR", tierSelect},
	{"P037", "Gringotts Data S.L.", "ES", tierSelect},
	{"P038", "Oceanic Systems Ltda", "BR", tierSelect},
	{"P039", "Acme Resellers", "US", tierCommunity},
	{"P040", "Duff Technologies", "US", tierCommunity},
	{"P041", "Sterling, Cooper & Partners IT", "US", tierCommunity},
	{"P042", "Nakatomi Integration", "JP", tierCommunity},
	{"P043", "Monarch Solutions", "CA", tierCommunity},
	{"P044", "Dunder Data", "US", tierCommunity},
	{"P045", "Pied Piper Compression", "US", tierCommunity},
	{"P046", "Bluth Systems", "MX", tierCommunity},
	{"P047", `Kruger "Industrial" Services`, "ZA", tierCommunity},
	{"P048", "Tyrell Cloud B.V.", "NL", tierCommunity},
	{"P049", "Prestige Worldwide IT", "IT", tierCommunity},
	{"P050", "Virtucon Services AB", "SE", tierCommunity},
}

var (
	emergingMarkets = []string{"BR", "IN", "MX", "ZA"}
	euroCountries   = []string{"DE", "FR", "NL", "ES", "IT"}
	solutions       = []string{"compute", "storage", "network", "security", "desktop", "cloud_foundation", "app_platform"}
	oemPartners     = []string{"OEM01", "OEM02", "OEM03"}
	activities      = []string{"technical_assessment", "poc", "deployment", "customer_success"}
)

// licenseMix: how often each license type is drawn.
var licenseMix = []struct {
	licenseType string
	weight      int
}{
	{"subscription", 30}, {"saas", 20}, {"term", 20}, {"perpetual", 15}, {"perpetual_hardware", 5}, {"sns_renewal", 10},
}

// ---------------------------------------------------------------------------
// Assembly.

func exampleLanding() landing {
	l := landing{
		partners:        slices.Clone(scenarioPartners),
		businessModels:  slices.Clone(scenarioBusinessModels),
		bookings:        slices.Concat(scenarioBookings, badBookings),
		oemCredits:      slices.Clone(scenarioOEMCredits),
		lifecycleClaims: slices.Concat(scenarioLifecycleClaims, badLifecycleClaims),
		influenceClaims: slices.Clone(scenarioInfluenceClaims),
		capabilities:    slices.Clone(scenarioCapabilities),
		fxRates:         slices.Clone(fxRates),
	}
	f := filler{r: rand.New(rand.NewPCG(1, 2)), l: &l, opportunity: 10000, customer: 3000}
	f.partners()
	for _, v := range scenarioVolumes {
		f.bookings(v)
	}
	for _, v := range f.volumes {
		f.bookings(v)
	}
	f.oemCredits()
	f.lifecycleClaims()
	for _, p := range l.partners {
		l.requirements = append(l.requirements, requirementsOf(p)...)
	}
	l.sort()
	return l
}

// requirementsOf: the four foundational requirements completed on enrollment,
// with the integrity training renewed every two years, unless a scenario
// overrides a requirement.
func requirementsOf(p partnerRow) []requirementRow {
	completions := map[string][][2]string{
		"partner_agreement":  {{p.enrolledOn, ""}},
		"integrity_training": integrityTraining(p.enrolledOn),
		"due_diligence":      {{p.enrolledOn, ""}},
		"enrollment_fee":     {{p.enrolledOn, ""}},
	}
	for _, o := range requirementOverrides {
		if o.partnerID == p.id {
			completions[o.requirement] = o.completions
		}
	}
	var rows []requirementRow
	for requirement, cs := range completions {
		for _, c := range cs {
			rows = append(rows, requirementRow{p.id, requirement, c[0], c[1]})
		}
	}
	return rows // sorted with the table
}

// integrityTraining: completed on enrollment, then in each two-yearly campaign
// (May), each completion valid to the end of June two years on, so a partner
// that follows the campaigns never lapses.
func integrityTraining(enrolledOn string) [][2]string {
	campaigns := [][2]string{{"2022-05-15", "2024-06-30"}, {"2024-05-15", "2026-06-30"}, {"2026-05-15", "2028-06-30"}}
	var out [][2]string
	if enrolledOn < campaigns[0][0] {
		out = append(out, [2]string{enrolledOn, "2022-06-30"})
	}
	for i, c := range campaigns {
		if i+1 < len(campaigns) && enrolledOn >= campaigns[i+1][0] {
			continue // enrolled after the next campaign: that one covers it
		}
		out = append(out, [2]string{max(c[0], enrolledOn), c[1]})
	}
	return out
}

func (l *landing) sort() {
	slices.SortStableFunc(l.partners, func(a, b partnerRow) int { return strings.Compare(a.id, b.id) })
	slices.SortStableFunc(l.businessModels, func(a, b businessModelRow) int {
		return strings.Compare(a.partnerID+a.businessModel+a.registeredOn, b.partnerID+b.businessModel+b.registeredOn)
	})
	slices.SortStableFunc(l.requirements, func(a, b requirementRow) int {
		return strings.Compare(a.partnerID+a.requirement+a.completedOn, b.partnerID+b.requirement+b.completedOn)
	})
	slices.SortStableFunc(l.bookings, func(a, b bookingRow) int { return strings.Compare(a.id, b.id) })
	slices.SortStableFunc(l.oemCredits, func(a, b oemCreditRow) int { return strings.Compare(a.id, b.id) })
	slices.SortStableFunc(l.lifecycleClaims, func(a, b lifecycleClaimRow) int { return strings.Compare(a.id, b.id) })
	slices.SortStableFunc(l.influenceClaims, func(a, b influenceClaimRow) int { return strings.Compare(a.id, b.id) })
	slices.SortStableFunc(l.capabilities, func(a, b capabilityRow) int {
		return strings.Compare(a.partnerID+a.capabilityID+a.achievedOn, b.partnerID+b.capabilityID+b.achievedOn)
	})
}

// ---------------------------------------------------------------------------
// Filler: everything drawn from one fixed-seed source, in a fixed order.

type filler struct {
	r           *rand.Rand
	l           *landing
	volumes     []volumePartner
	opportunity int // next opportunity number
	customer    int // next customer number
}

func (f *filler) partners() {
	for _, fp := range fillerPartners {
		var enrolled time.Time
		var legacy string
		switch fp.tier {
		case tierPinnacle:
			enrolled, legacy = f.day("2015-01-01", "2017-12-31"), "enterprise"
		case tierPremier:
			enrolled, legacy = f.day("2016-01-01", "2020-12-31"), pick(f.r, []string{"premier", "enterprise"})
		case tierSelect:
			enrolled, legacy = f.day("2017-01-01", "2022-06-30"), "professional"
		default:
			enrolled, legacy = f.day("2018-01-01", "2024-10-31"), "registered"
		}
		if enrolled.Format(time.DateOnly) >= "2023-03-20" {
			legacy = "" // enrolled after the migration: no legacy level
		}
		emerging := ""
		if slices.Contains(emergingMarkets, fp.country) {
			emerging = "true"
		}
		p := partnerRow{fp.id, fp.name, fp.country, emerging, enrolled.Format(time.DateOnly), "", legacy}
		f.l.partners = append(f.l.partners, p)

		models := f.models(fp.tier)
		for _, m := range models {
			bm := businessModelRow{p.id, m, p.enrolledOn, ""}
			if m != models[0] && f.r.IntN(3) == 0 {
				bm.endedOn = f.day("2023-06-01", "2025-06-30").Format(time.DateOnly)
			}
			f.l.businessModels = append(f.l.businessModels, bm)
		}
		f.capabilities(p, fp.tier)
		f.volumes = append(f.volumes, volumePartner{id: p.id, years: f.yearVolumes(fp.tier)})
	}
}

// models: the partner's primary model first, then perhaps a second.
func (f *filler) models(t tier) []string {
	var primary string
	switch t {
	case tierPinnacle:
		return []string{reseller, cloud}
	case tierPremier:
		primary = pick(f.r, []string{reseller, cloud})
	case tierSelect:
		primary = pick(f.r, []string{reseller, services, builder})
	default:
		primary = pick(f.r, []string{reseller, reseller, services, builder, cloud})
	}
	if f.r.IntN(10) < 3 {
		second := pick(f.r, []string{reseller, cloud, services, builder})
		if second != primary {
			return []string{primary, second}
		}
	}
	return []string{primary}
}

// capabilities: a portfolio that fits the tier's level thresholds.
func (f *filler) capabilities(p partnerRow, t tier) {
	type held struct{ id, kind string }
	var portfolio []held
	switch t {
	case tierPinnacle:
		portfolio = []held{
			{"msc_cloud_infrastructure", masterServices}, {"msc_app_modernization", masterServices},
			{"msc_end_user_computing", masterServices},
			{"sc_compute", solutionCompetency}, {"sc_storage", solutionCompetency}, {"sc_network", solutionCompetency},
			{"sc_security", solutionCompetency}, {"sc_cloud", solutionCompetency}, {"sc_desktop", solutionCompetency},
			{"spec_hci", specialization}, {"spec_kubernetes", specialization}, {"spec_disaster_recovery", specialization},
			{"spec_migration", specialization}, {"spec_sdwan", specialization}, {"spec_vdi", specialization},
			{"acc_sales_pro", accreditation}, {"acc_technical_pro", accreditation}, {"acc_cloud_ops", accreditation},
			{"acc_security_ops", accreditation}, {"acc_network_ops", accreditation}, {"acc_desktop_ops", accreditation},
			{"vso_cloud_migration", validatedServiceOffering}, {"vso_managed_kubernetes", validatedServiceOffering},
			{"vso_disaster_recovery", validatedServiceOffering}, {"vso_vdi_service", validatedServiceOffering},
			{"vso_security_assessment", validatedServiceOffering},
		}
	case tierPremier:
		portfolio = []held{
			{pick(f.r, []string{"sc_compute", "sc_network", "sc_cloud"}), solutionCompetency},
			{"spec_hci", specialization}, {"spec_migration", specialization},
			{"vso_cloud_migration", validatedServiceOffering}, {"acc_sales_pro", accreditation},
		}
	case tierSelect:
		portfolio = []held{{pick(f.r, []string{"spec_vdi", "spec_sdwan", "spec_kubernetes"}), specialization}}
	default:
		if f.r.IntN(2) == 0 {
			portfolio = []held{{"acc_sales_pro", accreditation}}
		}
	}
	enrolled := p.enrolledOn
	for _, h := range portfolio {
		achieved := f.day(max(enrolled, "2018-01-01"), max(enrolled, "2022-01-31"))
		c := capabilityRow{p.id, h.id, h.kind, achieved.Format(time.DateOnly), ""}
		// Accreditations of the smaller partners lapse after two years, and are not renewed.
		if h.kind == accreditation && t <= tierSelect {
			c.expiresOn = achieved.AddDate(2, 0, 0).Format(time.DateOnly)
		}
		f.l.capabilities = append(f.l.capabilities, c)
	}
}

// yearVolumes: the tier's yearly TCV, each year scaled by 0.85..1.25.
func (f *filler) yearVolumes(t tier) []yearVolume {
	base := map[tier]struct {
		usd     float64
		n       int
		fy26    yearVolume
		fy27    yearVolume
		fy27Odd int // one in fy27Odd partners of the tier books in early FY27
	}{
		tierPinnacle:  {36e6, 34, yearVolume{"FY26", 34e6, 8}, yearVolume{"FY27", 3e6, 2}, 1},
		tierPremier:   {6e6, 12, yearVolume{"FY26", 4e6, 2}, yearVolume{"FY27", 5e5, 1}, 2},
		tierSelect:    {1.3e6, 11, yearVolume{"FY26", 6e5, 1}, yearVolume{"FY27", 0, 0}, 0},
		tierCommunity: {2.5e5, 7, yearVolume{"FY26", 0, 0}, yearVolume{"FY27", 0, 0}, 0},
	}[t]
	scale := func(v yearVolume) yearVolume {
		v.usd *= 0.85 + 0.4*f.r.Float64()
		return v
	}
	var out []yearVolume
	for _, y := range []string{"FY23", "FY24", "FY25"} {
		out = append(out, scale(yearVolume{y, base.usd, base.n}))
	}
	if base.fy26.n > 0 {
		out = append(out, scale(base.fy26))
	}
	if base.fy27Odd > 0 && f.r.IntN(base.fy27Odd) == 0 {
		out = append(out, scale(base.fy27))
	}
	return out
}

// bookings draws a partner's bookings year by year: dates uniform from
// enrollment (or the year's start) to the year's end, sizes heavy-tailed and
// scaled so they sum to the year's volume.
func (f *filler) bookings(v volumePartner) {
	p := f.partner(v.id)
	currency := "USD"
	switch {
	case p.country == "GB":
		currency = "GBP"
	case slices.Contains(euroCountries, p.country):
		currency = "EUR"
	}
	var drawn []bookingRow
	for _, yv := range v.years {
		y := programYear(yv.year)
		start := max(y.startsOn, p.enrolledOn)
		if start > y.endsOn || yv.n == 0 {
			continue
		}
		weights := make([]float64, yv.n)
		sum := 0.0
		for i := range weights {
			weights[i] = math.Exp(1.1 * f.r.NormFloat64())
			sum += weights[i]
		}
		for _, w := range weights {
			drawn = append(drawn, f.booking(p, currency, f.day(start, y.endsOn), yv.usd*w/sum))
		}
	}
	slices.SortStableFunc(drawn, func(a, b bookingRow) int { return strings.Compare(a.bookedOn, b.bookedOn) })
	for i := range drawn {
		drawn[i].id = fmt.Sprintf("B%s%03d", v.id[1:], i+1)
	}
	f.l.bookings = append(f.l.bookings, drawn...)
}

func (f *filler) booking(p partnerRow, currency string, on time.Time, usd float64) bookingRow {
	b := bookingRow{
		partnerID:   p.id,
		customerID:  f.customerID(),
		solution:    pick(f.r, solutions),
		bookedOn:    on.Format(time.DateOnly),
		licenseType: f.licenseType(),
		currency:    currency,
	}
	if f.r.IntN(10) == 0 {
		b.currency = "USD" // a deal priced in dollars outside the US
	}
	b.tcv = cents(usd / usdPerUnit(b.currency, b.bookedOn))
	if b.currency == "USD" && f.r.IntN(3) == 0 {
		b.currency = "" // defaults to USD
	}
	if f.r.IntN(5) > 0 {
		b.opportunityID = f.opportunityID()
	}
	var tags []string
	if f.r.IntN(100) < 15 {
		tags = append(tags, "new_logo")
	}
	if f.r.IntN(100) < 10 {
		tags = append(tags, "upsell")
	}
	if f.r.IntN(100) < 6 {
		tags = append(tags, "public_sector")
	}
	if b.licenseType == "sns_renewal" {
		tags = append(tags, "renewal")
	}
	b.tags = strings.Join(tags, ";")
	if f.r.IntN(100) < 5 {
		other := fillerPartners[f.r.IntN(len(fillerPartners))].id
		if other != p.id {
			b.contractPartnerIDs = other
		}
	}
	switch n := f.r.IntN(100); {
	case n < 3:
		b.status = "customer_terminated"
		b.terminatedOn = on.AddDate(0, 0, 30+f.r.IntN(300)).Format(time.DateOnly)
	case n < 5 && !cappedLicense(b.licenseType):
		// Capped license types are never vendor-terminated here, so the cap
		// allocation does not depend on the as_of date.
		b.status = "vendor_terminated"
		b.terminatedOn = on.AddDate(0, 0, 20+f.r.IntN(400)).Format(time.DateOnly)
	case n < 40:
		b.status = "booked"
	}
	return b
}

// oemCredits: a dozen third-party credits to filler partners, reported 2 to 8 weeks after booking.
func (f *filler) oemCredits() {
	for i := range 12 {
		fp := fillerPartners[f.r.IntN(len(fillerPartners))]
		p := f.partner(fp.id)
		booked := f.day(max(p.enrolledOn, "2022-02-05"), "2024-12-15")
		c := oemCreditRow{
			id:           fmt.Sprintf("OC%s9%02d", p.id[1:], i+1),
			oemPartnerID: pick(f.r, oemPartners),
			partnerID:    p.id,
			customerID:   f.customerID(),
			solution:     pick(f.r, solutions),
			bookedOn:     booked.Format(time.DateOnly),
			reportedOn:   booked.AddDate(0, 0, 14+f.r.IntN(43)).Format(time.DateOnly),
			currency:     "USD",
			licenseType:  f.licenseType(),
		}
		c.tcv = cents(2e4 * math.Exp(1.2*f.r.NormFloat64()) * 5)
		if f.r.IntN(3) == 0 {
			c.opportunityID = f.opportunityID()
		}
		if f.r.IntN(5) == 0 {
			c.tags = "new_logo"
		}
		f.l.oemCredits = append(f.l.oemCredits, c)
	}
}

// lifecycleClaims: forty claims by filler partners, most approved.
func (f *filler) lifecycleClaims() {
	for i := range 40 {
		fp := fillerPartners[f.r.IntN(len(fillerPartners))]
		p := f.partner(fp.id)
		c := lifecycleClaimRow{
			id:         fmt.Sprintf("L%s%03d", p.id[1:], i+1),
			partnerID:  p.id,
			activity:   pick(f.r, activities),
			customerID: f.customerID(),
		}
		if f.r.IntN(2) == 0 {
			c.opportunityID = f.opportunityID()
		}
		switch n := f.r.IntN(20); {
		case n < 14:
			c.status = "approved"
			c.approvedOn = f.day(max(p.enrolledOn, "2022-02-05"), "2025-01-31").Format(time.DateOnly)
		case n < 17:
			c.status = "submitted"
		default:
			c.status = "rejected"
		}
		f.l.lifecycleClaims = append(f.l.lifecycleClaims, c)
	}
}

func (f *filler) partner(id string) partnerRow {
	i := slices.IndexFunc(f.l.partners, func(p partnerRow) bool { return p.id == id })
	if i < 0 {
		panic("synth: no partner " + id)
	}
	return f.l.partners[i]
}

// day draws a date uniformly from from..to, both inclusive.
func (f *filler) day(from, to string) time.Time {
	a, b := date(from), date(to)
	return a.AddDate(0, 0, f.r.IntN(int(b.Sub(a).Hours()/24)+1))
}

func (f *filler) licenseType() string {
	total := 0
	for _, m := range licenseMix {
		total += m.weight
	}
	n := f.r.IntN(total)
	for _, m := range licenseMix {
		if n < m.weight {
			return m.licenseType
		}
		n -= m.weight
	}
	panic("unreachable")
}

// customerID: most deals go to a new customer, some to a recent one.
func (f *filler) customerID() string {
	if f.customer > 3000 && f.r.IntN(4) == 0 {
		return fmt.Sprintf("C%04d", 3000+f.r.IntN(f.customer-3000))
	}
	f.customer++
	return fmt.Sprintf("C%04d", f.customer)
}

func (f *filler) opportunityID() string {
	f.opportunity++
	return fmt.Sprintf("O-%05d", f.opportunity)
}

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

func programYear(id string) struct{ id, startsOn, endsOn string } {
	for _, y := range programYears {
		if y.id == id {
			return y
		}
	}
	panic("synth: no program year " + id)
}

func cappedLicense(licenseType string) bool {
	return licenseType == "perpetual" || licenseType == "perpetual_hardware" || licenseType == "sns_renewal"
}

// usdPerUnit: the rate in force on a date (latest valid_from on or before it).
func usdPerUnit(currency, on string) float64 {
	rate := 1.0
	if currency == "USD" || currency == "" {
		return rate
	}
	for _, r := range fxRates {
		if r.currency == currency && r.validFrom <= on {
			if _, err := fmt.Sscan(r.usdPerUnit, &rate); err != nil {
				panic(err)
			}
		}
	}
	return rate
}

func cents(amount float64) string {
	return fmt.Sprintf("%.2f", math.Round(amount*100)/100)
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// ---------------------------------------------------------------------------
// Files.

func (l *landing) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tables := []struct {
		name   string
		header []string
		rows   [][]string
	}{
		{"partners", []string{"partner_id", "name", "country", "emerging_market", "enrolled_on", "terminated_on", "legacy_level"},
			records(l.partners, func(r partnerRow) []string {
				return []string{r.id, r.name, r.country, r.emergingMarket, r.enrolledOn, r.terminatedOn, r.legacyLevel}
			})},
		{"business_models", []string{"partner_id", "business_model", "registered_on", "ended_on"},
			records(l.businessModels, func(r businessModelRow) []string {
				return []string{r.partnerID, r.businessModel, r.registeredOn, r.endedOn}
			})},
		{"requirements", []string{"partner_id", "requirement", "completed_on", "expires_on"},
			records(l.requirements, func(r requirementRow) []string {
				return []string{r.partnerID, r.requirement, r.completedOn, r.expiresOn}
			})},
		{"bookings", []string{"booking_id", "partner_id", "customer_id", "opportunity_id", "solution", "booked_on", "tcv", "currency", "license_type", "tags", "contract_partner_ids", "status", "terminated_on"},
			records(l.bookings, func(r bookingRow) []string {
				return []string{r.id, r.partnerID, r.customerID, r.opportunityID, r.solution, r.bookedOn, r.tcv, r.currency, r.licenseType, r.tags, r.contractPartnerIDs, r.status, r.terminatedOn}
			})},
		{"oem_credits", []string{"credit_id", "oem_partner_id", "partner_id", "customer_id", "opportunity_id", "solution", "booked_on", "reported_on", "tcv", "currency", "license_type", "tags"},
			records(l.oemCredits, func(r oemCreditRow) []string {
				return []string{r.id, r.oemPartnerID, r.partnerID, r.customerID, r.opportunityID, r.solution, r.bookedOn, r.reportedOn, r.tcv, r.currency, r.licenseType, r.tags}
			})},
		{"lifecycle_claims", []string{"claim_id", "partner_id", "activity", "customer_id", "opportunity_id", "status", "approved_on"},
			records(l.lifecycleClaims, func(r lifecycleClaimRow) []string {
				return []string{r.id, r.partnerID, r.activity, r.customerID, r.opportunityID, r.status, r.approvedOn}
			})},
		{"capabilities", []string{"partner_id", "capability_id", "kind", "achieved_on", "expires_on"},
			records(l.capabilities, func(r capabilityRow) []string {
				return []string{r.partnerID, r.capabilityID, r.kind, r.achievedOn, r.expiresOn}
			})},
		{"fx_rates", []string{"currency", "valid_from", "usd_per_unit"},
			records(l.fxRates, func(r fxRateRow) []string { return []string{r.currency, r.validFrom, r.usdPerUnit} })},
	}
	for _, t := range tables {
		if err := writeCSV(filepath.Join(dir, t.name+".csv"), t.header, t.rows); err != nil {
			return err
		}
	}
	return writeInfluenceClaims(filepath.Join(dir, "influence_claims.jsonl"), l.influenceClaims)
}

func records[R any](rows []R, record func(R) []string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = record(r)
	}
	return out
}

func writeCSV(path string, header []string, rows [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeInfluenceClaims writes JSON Lines with the CONTRACT's column names. An
// absent value is left out on odd rows and written as null on even ones, so
// readers meet both forms.
func writeInfluenceClaims(path string, rows []influenceClaimRow) error {
	var b strings.Builder
	for i, r := range rows {
		fields := []struct{ key, value string }{
			{"claim_id", r.id}, {"partner_id", r.partnerID}, {"kind", r.kind}, {"customer_id", r.customerID},
			{"opportunity_id", r.opportunityID}, {"solution", r.solution}, {"status", r.status},
			{"approved_on", r.approvedOn}, {"work_started_on", r.workStartedOn},
			{"work_completed_on", r.workCompletedOn}, {"completion_submitted_on", r.completionSubmittedOn},
		}
		b.WriteByte('{')
		first := true
		for _, fv := range fields {
			if fv.value == "" && i%2 == 1 {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			key, _ := json.Marshal(fv.key)
			b.Write(key)
			b.WriteByte(':')
			if fv.value == "" {
				b.WriteString("null")
				continue
			}
			value, _ := json.Marshal(fv.value)
			b.Write(value)
		}
		b.WriteString("}\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
