package extract_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// TestDuckDBRoundTrip lands every table and reads every column back the way
// sql/ does, through DuckDB: types, dates, exact decimals, nulls, lists.
func TestDuckDBRoundTrip(t *testing.T) {
	tables := base()
	tables["partners"] = tbl("partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level",
		"P1,One,us,true,2020-01-01,2024-02-29,premier",
		"P2,Two,DE,,1969-12-31,,")
	tables["business_models"] = tbl("partner_id,business_model,registered_on,ended_on",
		"P1,solution_reseller,2020-01-01,2023-06-30",
		"P2,cloud_services_provider,2021-01-01,")
	tables["requirements"] = tbl("partner_id,requirement,completed_on,expires_on",
		"P1,partner_agreement,2020-01-01,2025-01-01",
		"P2,due_diligence,2021-01-01,")
	tables["bookings"] = tbl("booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on",
		"B1,P1,C1,O1,vcf,2023-03-01,999999999999.999999,usd,subscription,new_logo;strategic,P2,vendor_terminated,2023-09-30",
		"B2,P2,C2,,avi,2024-02-29,0.000001,EUR,saas,,,,")
	tables["oem_credits"] = tbl("credit_id,oem_partner_id,partner_id,customer_id,opportunity_id,solution,booked_on,reported_on,tcv,currency,license_type,tags",
		"X1,OEM,P1,C1,,vcf,2023-03-01,2023-03-02,12.5,,term,a")
	tables["lifecycle_claims"] = tbl("claim_id,partner_id,activity,customer_id,opportunity_id,status,approved_on",
		"L1,P1,poc,C1,,approved,2023-05-01",
		"L2,P2,deployment,,,submitted,")
	tables["influence_claims"] = tbl("claim_id,partner_id,kind,customer_id,opportunity_id,solution,status,approved_on,work_started_on,work_completed_on,completion_submitted_on",
		"I1,P1,sir,C1,O1,vcf,approved,2023-06-01,2023-04-01,2023-05-01,2023-05-15")
	tables["capabilities"] = tbl("partner_id,capability_id,kind,achieved_on,expires_on",
		"P1,K1,solution_competency,2023-01-01,2025-01-01")
	tables["fx_rates"] = tbl("currency,valid_from,usd_per_unit",
		"EUR,2023-01-01,1.0850000001",
		"jpy,2023-01-01,0.0000000001")
	raw := t.TempDir()
	res := run(t, writeLanding(t, tables, "csv"), raw)
	if res.Rejects != 0 {
		t.Fatalf("%d rejects: %+v", res.Rejects, readRejects(t, raw))
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	file := func(table string) string { return filepath.Join(raw, table, table+".parquet") }

	// types: what DESCRIBE says of every column
	types := map[string]map[string]string{
		"partners": {"row_number": "BIGINT", "partner_id": "VARCHAR", "name": "VARCHAR", "country": "VARCHAR",
			"emerging_market": "BOOLEAN", "enrolled_on": "DATE", "terminated_on": "DATE", "legacy_level": "VARCHAR"},
		"business_models": {"row_number": "BIGINT", "partner_id": "VARCHAR", "business_model": "VARCHAR", "registered_on": "DATE", "ended_on": "DATE"},
		"requirements":    {"row_number": "BIGINT", "partner_id": "VARCHAR", "requirement": "VARCHAR", "completed_on": "DATE", "expires_on": "DATE"},
		"bookings": {"row_number": "BIGINT", "booking_id": "VARCHAR", "partner_id": "VARCHAR", "customer_id": "VARCHAR",
			"opportunity_id": "VARCHAR", "solution": "VARCHAR", "booked_on": "DATE", "tcv": "DECIMAL(18,6)", "currency": "VARCHAR",
			"license_type": "VARCHAR", "tags": "VARCHAR[]", "contract_partner_ids": "VARCHAR[]", "status": "VARCHAR", "terminated_on": "DATE"},
		"oem_credits": {"row_number": "BIGINT", "credit_id": "VARCHAR", "oem_partner_id": "VARCHAR", "partner_id": "VARCHAR",
			"customer_id": "VARCHAR", "opportunity_id": "VARCHAR", "solution": "VARCHAR", "booked_on": "DATE", "reported_on": "DATE",
			"tcv": "DECIMAL(18,6)", "currency": "VARCHAR", "license_type": "VARCHAR", "tags": "VARCHAR[]"},
		"lifecycle_claims": {"row_number": "BIGINT", "claim_id": "VARCHAR", "partner_id": "VARCHAR", "activity": "VARCHAR",
			"customer_id": "VARCHAR", "opportunity_id": "VARCHAR", "status": "VARCHAR", "approved_on": "DATE"},
		"influence_claims": {"row_number": "BIGINT", "claim_id": "VARCHAR", "partner_id": "VARCHAR", "kind": "VARCHAR",
			"customer_id": "VARCHAR", "opportunity_id": "VARCHAR", "solution": "VARCHAR", "status": "VARCHAR", "approved_on": "DATE",
			"work_started_on": "DATE", "work_completed_on": "DATE", "completion_submitted_on": "DATE"},
		"capabilities": {"row_number": "BIGINT", "partner_id": "VARCHAR", "capability_id": "VARCHAR", "kind": "VARCHAR", "achieved_on": "DATE", "expires_on": "DATE"},
		"fx_rates":     {"row_number": "BIGINT", "currency": "VARCHAR", "valid_from": "DATE", "usd_per_unit": "DECIMAL(18,10)"},
		"rejects":      {"table": "VARCHAR", "row_number": "BIGINT", "key": "VARCHAR", "reason": "VARCHAR", "detail": "VARCHAR", "raw": "VARCHAR"},
	}
	for table, want := range types {
		rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", file(table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		got := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			got[name] = typ
		}
		rows.Close()
		if len(got) != len(want) {
			t.Errorf("%s: columns %v, want %v", table, got, want)
		}
		for c, typ := range want {
			if got[c] != typ {
				t.Errorf("%s.%s: %s, want %s", table, c, got[c], typ)
			}
		}
	}

	// nullable columns are OPTIONAL (DuckDB writes every column so)
	for _, c := range []struct {
		table, column, repetition string
	}{
		{"partners", "terminated_on", "OPTIONAL"}, {"bookings", "opportunity_id", "OPTIONAL"},
	} {
		var rep string
		err := db.QueryRowContext(ctx, "SELECT repetition_type FROM parquet_schema(?) WHERE name = ?", file(c.table), c.column).Scan(&rep)
		if err != nil || rep != c.repetition {
			t.Errorf("%s.%s: %s (%v), want %s", c.table, c.column, rep, err, c.repetition)
		}
	}

	// values, as DuckDB prints them
	checks := []struct {
		table, expr, where, want string
	}{
		{"partners", "enrolled_on::VARCHAR", "partner_id = 'P1'", "2020-01-01"},
		{"partners", "terminated_on::VARCHAR", "partner_id = 'P1'", "2024-02-29"},
		{"partners", "enrolled_on::VARCHAR", "partner_id = 'P2'", "1969-12-31"},
		{"partners", "(terminated_on IS NULL AND legacy_level IS NULL)::VARCHAR", "partner_id = 'P2'", "true"},
		{"partners", "country || emerging_market::VARCHAR", "partner_id = 'P1'", "UStrue"},
		{"partners", "emerging_market::VARCHAR", "partner_id = 'P2'", "false"},
		{"partners", "string_agg(row_number::VARCHAR, ',' ORDER BY row_number)", "true", "1,2"},
		{"business_models", "ended_on::VARCHAR", "partner_id = 'P1'", "2023-06-30"},
		{"business_models", "(ended_on IS NULL)::VARCHAR", "partner_id = 'P2'", "true"},
		{"requirements", "(expires_on IS NULL)::VARCHAR", "partner_id = 'P2'", "true"},
		{"bookings", "tcv::VARCHAR", "booking_id = 'B1'", "999999999999.999999"},
		{"bookings", "tcv::VARCHAR", "booking_id = 'B2'", "0.000001"},
		{"bookings", "(tcv = 0.000001)::VARCHAR", "booking_id = 'B2'", "true"},
		{"bookings", "currency", "booking_id = 'B1'", "USD"},
		{"bookings", "currency", "booking_id = 'B2'", "EUR"},
		{"bookings", "tags::VARCHAR", "booking_id = 'B1'", "[new_logo, strategic]"},
		{"bookings", "len(tags)::VARCHAR", "booking_id = 'B1'", "2"},
		{"bookings", "list_contains(tags, 'strategic')::VARCHAR", "booking_id = 'B1'", "true"},
		{"bookings", "contract_partner_ids::VARCHAR", "booking_id = 'B1'", "[P2]"},
		{"bookings", "coalesce(len(tags), 0)::VARCHAR", "booking_id = 'B2'", "0"},
		{"bookings", "status || ' ' || terminated_on::VARCHAR", "booking_id = 'B1'", "vendor_terminated 2023-09-30"},
		{"bookings", "status || ' ' || (terminated_on IS NULL AND opportunity_id IS NULL)::VARCHAR", "booking_id = 'B2'", "booked true"},
		{"bookings", "booked_on::VARCHAR", "booking_id = 'B2'", "2024-02-29"},
		{"oem_credits", "tcv::VARCHAR || ' ' || currency || ' ' || reported_on::VARCHAR || ' ' || tags::VARCHAR", "credit_id = 'X1'", "12.500000 USD 2023-03-02 [a]"},
		{"lifecycle_claims", "approved_on::VARCHAR", "claim_id = 'L1'", "2023-05-01"},
		{"lifecycle_claims", "(approved_on IS NULL AND customer_id IS NULL)::VARCHAR", "claim_id = 'L2'", "true"},
		{"influence_claims", "concat_ws(' ', approved_on, work_started_on, work_completed_on, completion_submitted_on)", "claim_id = 'I1'", "2023-06-01 2023-04-01 2023-05-01 2023-05-15"},
		{"capabilities", "kind || ' ' || achieved_on::VARCHAR || ' ' || expires_on::VARCHAR", "capability_id = 'K1'", "solution_competency 2023-01-01 2025-01-01"},
		{"fx_rates", "usd_per_unit::VARCHAR", "currency = 'EUR'", "1.0850000001"},
		{"fx_rates", "usd_per_unit::VARCHAR", "currency = 'JPY'", "0.0000000001"},
		{"rejects", "count(*)::VARCHAR", "true", "0"},
	}
	for _, c := range checks {
		var got sql.NullString
		q := "SELECT " + c.expr + " FROM read_parquet(?) WHERE " + c.where
		if err := db.QueryRowContext(ctx, q, file(c.table)).Scan(&got); err != nil {
			t.Errorf("%s: %s: %v", c.table, q, err)
			continue
		}
		if !got.Valid || got.String != c.want {
			t.Errorf("%s: %s = %v, want %q", c.table, c.expr, got, c.want)
		}
	}

	// rejects of several tables, in the file sorted by table then row
	bad := base()
	bad["partners"] = tbl("partner_id,name,country,emerging_market,enrolled_on,terminated_on,legacy_level",
		"P1,One,US,false,2020-01-01,,", "P3,Three,USA,false,2020-01-01,,", "P2,Two,DE,maybe,2020-01-01,,")
	bad["bookings"] = tbl("booking_id,partner_id,customer_id,solution,booked_on,tcv,license_type",
		"B1,P1,C1,vcf,2023-01-01,1,saas", "B2,P1,C1,vcf,2023-01-01,-1,saas", "B1,P1,C1,vcf,2023-01-02,2,saas")
	badRaw := t.TempDir()
	run(t, writeLanding(t, bad, "csv"), badRaw)
	var got string
	err = db.QueryRowContext(ctx, `SELECT string_agg("table" || ':' || row_number || ':' || reason, ' ' ORDER BY file_row_number) FROM read_parquet(?, file_row_number = true)`,
		filepath.Join(badRaw, "rejects", "rejects.parquet")).Scan(&got)
	if want := "bookings:1:duplicate_key bookings:2:negative_tcv bookings:3:duplicate_key partners:2:bad_country partners:3:bad_boolean"; err != nil || got != want {
		t.Errorf("rejects: %q (%v), want %q", got, err, want)
	}

	// an absent optional table is an empty file with the full schema
	empty := t.TempDir()
	delete(tables, "oem_credits")
	run(t, writeLanding(t, tables, "csv"), empty)
	var n int
	var typ string
	err = db.QueryRowContext(ctx, "SELECT count(*), any_value(typeof(tcv)) FROM read_parquet(?)", filepath.Join(empty, "oem_credits", "oem_credits.parquet")).Scan(&n, &sql.NullString{})
	if err != nil || n != 0 {
		t.Errorf("empty oem_credits: %d rows, %v", n, err)
	}
	err = db.QueryRowContext(ctx, "SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(?)) WHERE column_name = 'tags'", filepath.Join(empty, "oem_credits", "oem_credits.parquet")).Scan(&typ)
	if err != nil || typ != "VARCHAR[]" {
		t.Errorf("empty oem_credits.tags: %q, %v", typ, err)
	}
}
