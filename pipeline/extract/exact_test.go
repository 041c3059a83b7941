package extract_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDuplicateKeysExactly: keys that differ in one byte are two keys
// (a hash of the key could take them for one), keys equal in every byte
// are one; the check is SQL's equality, not a hash.
func TestDuplicateKeysExactly(t *testing.T) {
	bk := "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on"
	row := func(id string) string { return id + ",P1,C1,,vcf,2023-03-01,10,USD,saas,,,booked," }
	tables := base()
	tables["bookings"] = tbl(bk, row("B-0001-a"), row("B-0001-b"), row("B-0001-a\u00e9"), row("B-0001-a"))
	raw := t.TempDir()
	res := run(t, writeLanding(t, tables, "csv"), raw)
	tr := tableResult(t, res, "bookings")
	if tr.Accepted != 2 || tr.Rejected != 2 || tr.Reasons["duplicate_key"] != 2 {
		t.Fatalf("bookings: %+v", tr)
	}
	for _, r := range readRejects(t, raw) {
		if r.Key != "B-0001-a" || (r.RowNumber != 1 && r.RowNumber != 4) {
			t.Errorf("reject %+v", r)
		}
	}
}

// TestJSONLDuplicateField: an object that names a column twice is
// rejected (duplicate_field), never read with one of its values silently.
func TestJSONLDuplicateField(t *testing.T) {
	dir := writeLanding(t, base(), "jsonl")
	line := `{"booking_id":"B2","partner_id":"P1","customer_id":"C1","solution":"vcf","booked_on":"2023-03-01","tcv":"10","tcv":"10000","license_type":"saas"}`
	writeFile(t, filepath.Join(dir, "bookings.jsonl"), base()["bookings"].jsonl()+line+"\n")
	raw := t.TempDir()
	res := run(t, dir, raw)
	tr := tableResult(t, res, "bookings")
	if tr.Accepted != 1 || tr.Reasons["duplicate_field"] != 1 {
		t.Fatalf("bookings: %+v", tr)
	}
	r := readRejects(t, raw)[0]
	if r.RowNumber != 2 || r.Key != "B2" || r.Raw != line || !strings.Contains(r.Detail, `"tcv"`) {
		t.Errorf("reject %+v", r)
	}
}

// TestManyMalformedRows: records the CSV reader refuses, many and
// scattered, keep every other record's row number and order.
func TestManyMalformedRows(t *testing.T) {
	bk := "booking_id,partner_id,customer_id,opportunity_id,solution,booked_on,tcv,currency,license_type,tags,contract_partner_ids,status,terminated_on"
	var records []string
	bad := 0
	for i := 1; i <= 2000; i++ {
		if i%5 == 0 || (i > 1500 && i%2 == 0) {
			records = append(records, fmt.Sprintf("B%d,P1,C1", i)) // too few fields
			bad++
			continue
		}
		records = append(records, fmt.Sprintf("B%d,P1,C1,,vcf,2023-03-01,10,USD,saas,,,booked,", i))
	}
	tables := base()
	tables["bookings"] = tbl(bk, records...)
	raw := t.TempDir()
	res := run(t, writeLanding(t, tables, "csv"), raw)
	tr := tableResult(t, res, "bookings")
	if tr.RowsRead != 2000 || tr.Rejected != int64(bad) || tr.Reasons["malformed_row"] != int64(bad) {
		t.Fatalf("bookings: %+v (want %d malformed)", tr, bad)
	}
	prev := int64(0)
	for _, b := range readBookings(t, raw) {
		if b.BookingID != fmt.Sprintf("B%d", b.RowNumber) || b.RowNumber <= prev {
			t.Fatalf("booking %s has row number %d after %d", b.BookingID, b.RowNumber, prev)
		}
		prev = b.RowNumber
	}
	for _, r := range readRejects(t, raw) {
		if r.Key != fmt.Sprintf("B%d", r.RowNumber) {
			t.Errorf("reject %+v", r)
		}
	}
}
