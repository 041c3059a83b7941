package extract_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"

	pgfixture "tally/fixtures/postgres"
	"tally/pipeline/date"
	"tally/pipeline/extract"
)

// pgTables creates tables in schema from tiny landing tables: every column
// text (lists ;-separated, as in CSV), an empty cell NULL.
func pgTables(t *testing.T, dbURL, schema string, tables map[string]rows) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx) // one commit: DDL is slow one statement at a time
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for name, r := range tables {
		var defs []string
		for _, h := range r.header {
			defs = append(defs, pgx.Identifier{h}.Sanitize()+" text")
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE "+pgx.Identifier{schema, name}.Sanitize()+" ("+strings.Join(defs, ", ")+")"); err != nil {
			t.Fatal(err)
		}
		var data [][]any
		for _, rec := range r.records {
			row := make([]any, len(r.header))
			for i := range row {
				if i < len(rec) && rec[i] != "" {
					row[i] = rec[i]
				}
			}
			data = append(data, row)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{schema, name}, r.header, pgx.CopyFromRows(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func runPG(t *testing.T, dbURL, schema, rawDir string) (*extract.Result, error) {
	t.Helper()
	return extract.Run(context.Background(), extract.Options{Input: dbURL, PGSchema: schema, RawDir: rawDir, Rulebook: loadRulebook(t)})
}

var rowRef = regexp.MustCompile(`row \d+`)

// comparable is a reject without what depends on the order rows are read
// in (row numbers) or on the input's form (raw text).
func comparable(rs []extract.Reject) []string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join([]string{r.Table, r.Key, r.Reason, rowRef.ReplaceAllString(r.Detail, "row N")}, " | "))
	}
	slices.Sort(out)
	return out
}

// TestPostgresReasons lands every reason case from PostgreSQL text columns
// and gets the rejects and counts the CSV files give.
func TestPostgresReasons(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	for _, c := range reasonCases() {
		if c.formats != nil { // a malformed CSV record has no table form
			continue
		}
		t.Run(c.reason+"/"+c.name, func(t *testing.T) {
			tables := base()
			tables[c.table] = c.rows
			csvRaw, pgRaw := t.TempDir(), t.TempDir()
			want := run(t, writeLanding(t, tables, "csv"), csvRaw)
			schema := pgfixture.TempSchema(t, dbURL)
			pgTables(t, dbURL, schema, tables)
			got, err := runPG(t, dbURL, schema, pgRaw)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want.Tables {
				g := got.Tables[i]
				if g.Table != w.Table || g.RowsRead != w.RowsRead || g.Accepted != w.Accepted || g.Rejected != w.Rejected ||
					fmt.Sprint(g.Reasons) != fmt.Sprint(w.Reasons) {
					t.Errorf("%s: read %d, accepted %d, rejected %d %v; CSV: %d, %d, %d %v", w.Table,
						g.RowsRead, g.Accepted, g.Rejected, g.Reasons, w.RowsRead, w.Accepted, w.Rejected, w.Reasons)
				}
			}
			pgRejects := readRejects(t, pgRaw)
			if g, w := comparable(pgRejects), comparable(readRejects(t, csvRaw)); !slices.Equal(g, w) {
				t.Errorf("rejects\n%s\nCSV gave\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
			for _, r := range pgRejects {
				var obj map[string]any
				if err := json.Unmarshal([]byte(r.Raw), &obj); err != nil || obj[c.rows.header[0]] == nil {
					t.Errorf("raw %q is not the row as a JSON object (%v)", r.Raw, err)
				}
			}
		})
	}
}

// TestPostgresTypes reads typed columns (integer ids, numeric, boolean,
// date, arrays, an enum, a domain) through a view, and an unknown column
// of a type tally cannot read, which is ignored.
func TestPostgresTypes(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	s := pgx.Identifier{schema}.Sanitize()
	pgfixture.Exec(t, dbURL, strings.ReplaceAll(`
		CREATE TYPE S.booking_status AS ENUM ('booked', 'customer_terminated', 'vendor_terminated');
		CREATE DOMAIN S.label AS varchar(20);
		CREATE TABLE S.partners (partner_id varchar(10), name text, country char(2), emerging_market boolean,
			enrolled_on date, terminated_on date, legacy_level text, notes jsonb);
		INSERT INTO S.partners VALUES ('P1', 'One', 'US', false, '2020-01-01', NULL, 'premier', '{"a": 1}'),
			('P2', 'Two', 'de', true, '2021-01-01', NULL, NULL, NULL), ('P3', 'Three', 'FR', NULL, '2021-01-01', NULL, NULL, NULL);
		CREATE TABLE S.business_models (partner_id text, business_model text, registered_on date, ended_on date);
		CREATE TABLE S.requirements (partner_id text, requirement text, completed_on date, expires_on date);
		CREATE TABLE S.fx_rates (currency char(3), valid_from date, usd_per_unit numeric(12, 4));
		INSERT INTO S.fx_rates VALUES ('EUR', '2023-01-01', 1.1);
		CREATE TABLE S.booking_data (id integer, partner_id text, customer_id text, opportunity_id text, solution S.label,
			booked_on date, tcv numeric, currency char(3), license_type text, tags varchar[], contract_partner_ids text[],
			status S.booking_status, terminated_on date, location point);
		INSERT INTO S.booking_data VALUES
			(1, 'P1', 'C1', NULL, 'vcf', '2023-03-01', 1000.50, 'USD', 'subscription', '{new_logo," x ",NULL,""}', NULL, 'booked', NULL, '(1,2)'),
			(2, 'P1', 'C2', NULL, 'vcf', '2023-03-01', 10.1234567, 'USD', 'saas', NULL, NULL, NULL, NULL, NULL),
			(3, 'P1', 'C3', NULL, 'vcf', 'infinity', 10, 'USD', 'saas', NULL, NULL, NULL, NULL, NULL),
			(4, 'P2', 'C4', 'O4', 'vcf', '2024-02-29', 0.05, 'eur', 'saas', '{}', '{P1}', 'vendor_terminated', '2024-03-01', NULL),
			(10, 'P1', 'C5', NULL, 'vcf', '2023-03-01', -5, 'USD', 'saas', NULL, NULL, NULL, NULL, NULL),
			(11, 'P1', 'C6', NULL, 'vcf', '2023-03-01', 'NaN', 'USD', 'saas', NULL, NULL, NULL, NULL, NULL);
		CREATE VIEW S.bookings AS
			SELECT id AS booking_id, partner_id, customer_id, opportunity_id, solution, booked_on, tcv, currency,
				license_type, tags, contract_partner_ids, status, terminated_on, location FROM S.booking_data;
	`, "S.", s+"."))
	raw := t.TempDir()
	res, err := runPG(t, dbURL, schema, raw)
	if err != nil {
		t.Fatal(err)
	}
	tr := tableResult(t, res, "bookings")
	if tr.RowsRead != 6 || tr.Accepted != 2 || tr.Reasons["bad_decimal"] != 2 || tr.Reasons["bad_date"] != 1 || tr.Reasons["negative_tcv"] != 1 {
		t.Fatalf("bookings: %+v", tr)
	}
	got := readBookings(t, raw)
	d := func(s string) int32 { return int32(date.MustParse(s)) }
	b1, b4 := got[0], got[1]
	if b1.BookingID != "1" || b1.RowNumber != 1 || b1.TCV != 1000_500000 || b1.Currency != "USD" || !slices.Equal(b1.Tags, []string{"new_logo", "x"}) ||
		len(b1.ContractPartnerIDs) != 0 || b1.Status != "booked" || b1.Solution != "vcf" || b1.BookedOn != d("2023-03-01") {
		t.Errorf("booking 1: %+v", deref(got[:1]))
	}
	if b4.BookingID != "4" || b4.RowNumber != 4 || b4.TCV != 50000 || b4.Currency != "EUR" || len(b4.Tags) != 0 || !slices.Equal(b4.ContractPartnerIDs, []string{"P1"}) ||
		b4.Status != "vendor_terminated" || b4.TerminatedOn == nil || *b4.TerminatedOn != d("2024-03-01") || *b4.OpportunityID != "O4" {
		t.Errorf("booking 4: %+v", deref(got[1:]))
	}
	rejects := readRejects(t, raw)
	byKey := map[string]extract.Reject{}
	for _, r := range rejects {
		byKey[r.Key] = r
	}
	if r := byKey["3"]; r.Reason != "bad_date" || !strings.Contains(r.Detail, `"infinity"`) || r.RowNumber != 3 {
		t.Errorf("reject of booking 3: %+v", r)
	}
	if r := byKey["2"]; r.Reason != "bad_decimal" || !strings.Contains(r.Detail, `"10.1234567"`) {
		t.Errorf("reject of booking 2: %+v", r)
	}
	if r := byKey["11"]; r.Reason != "bad_decimal" || !strings.Contains(r.Detail, `"NaN"`) {
		t.Errorf("reject of booking 11: %+v", r)
	}
	r := byKey["10"]
	var obj map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &obj); err != nil || r.RowNumber != 5 || obj["booking_id"] != "10" || obj["tcv"] != "-5" ||
		obj["booked_on"] != "2023-03-01" || obj["tags"] != nil || len(obj) != 13 {
		t.Errorf("reject of booking 10: %+v (%v): want row 5, raw the row's 13 columns as JSON", r, err)
	}

	partners, err := parquet.ReadFile[extract.Partner](filepath.Join(raw, "partners", "partners.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(partners) != 3 || partners[0].EmergingMarket || !partners[1].EmergingMarket || partners[2].EmergingMarket ||
		partners[1].Country != "DE" || *partners[0].LegacyLevel != "premier" || partners[0].EnrolledOn != d("2020-01-01") {
		t.Errorf("partners %+v", partners)
	}
	fx, err := parquet.ReadFile[extract.FXRate](filepath.Join(raw, "fx_rates", "fx_rates.parquet"))
	if err != nil || len(fx) != 1 || fx[0].USDPerUnit != 11_000_000_000 {
		t.Errorf("fx_rates %+v (%v)", fx, err)
	}
	// optional tables that are not in the schema are empty, as absent files are
	for _, name := range []string{"oem_credits", "lifecycle_claims", "influence_claims", "capabilities"} {
		tr := tableResult(t, res, name)
		if tr.RowsRead != 0 || tr.Format != "postgres" || tr.Source == nil || tr.Source.Table != "" {
			t.Errorf("%s: %+v, want absent", name, tr)
		}
		if _, err := os.Stat(filepath.Join(raw, name, name+".parquet")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPostgresSource: every table records where it was read and as of
// when, the same snapshot for all; no file, no hash, no password.
func TestPostgresSource(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	pgTables(t, dbURL, schema, base())
	res, err := runPG(t, dbURL, schema, "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	first := tableResult(t, res, "partners").Source
	if first == nil || first.SnapshotTime.IsZero() || first.Kind != "postgres" || first.Schema != schema ||
		first.Database != strings.TrimPrefix(u.Path, "/") || first.URL != extract.Redact(dbURL) {
		t.Fatalf("partners source %+v", first)
	}
	for _, tr := range res.Tables {
		s := tr.Source
		if s == nil || !s.SnapshotTime.Equal(first.SnapshotTime) || tr.File != "" || tr.SHA256 != "" {
			t.Errorf("%s: %+v source %+v", tr.Table, tr, s)
			continue
		}
		if _, ok := base()[tr.Table]; ok != (s.Table == tr.Table) {
			t.Errorf("%s: source table %q", tr.Table, s.Table)
		}
	}
	if pw, ok := u.User.Password(); ok {
		b, _ := json.Marshal(res)
		if strings.Contains(string(b), pw) {
			t.Errorf("the result holds the password: %s", b)
		}
	}
}

// TestPostgresConsistentRead: rows another connection commits once the
// read has begun are not seen; the tables are one snapshot.
func TestPostgresConsistentRead(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	pgTables(t, dbURL, schema, base())
	s := pgx.Identifier{schema}.Sanitize()
	inserted := false
	restore := extract.SetPGSnapshotTaken(func() {
		pgfixture.Exec(t, dbURL, "INSERT INTO "+s+".partners (partner_id, name, country, enrolled_on) VALUES ('P9', 'Nine', 'US', '2020-01-01')")
		pgfixture.Exec(t, dbURL, "INSERT INTO "+s+".bookings (booking_id, partner_id, customer_id, solution, booked_on, tcv, license_type) VALUES ('B9', 'P9', 'C9', 'vcf', '2023-03-01', '5', 'saas')")
		inserted = true
	})
	res, err := runPG(t, dbURL, schema, "")
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if !inserted {
		t.Fatal("the hook did not run")
	}
	if p, b := tableResult(t, res, "partners"), tableResult(t, res, "bookings"); p.RowsRead != 2 || b.RowsRead != 1 || b.Rejected != 0 {
		t.Errorf("partners %+v, bookings %+v: rows committed after the snapshot were read", p, b)
	}
	res, err = runPG(t, dbURL, schema, "")
	if err != nil {
		t.Fatal(err)
	}
	if p, b := tableResult(t, res, "partners"), tableResult(t, res, "bookings"); p.RowsRead != 3 || b.RowsRead != 2 || b.Accepted != 2 {
		t.Errorf("partners %+v, bookings %+v: the next read should see the new rows", p, b)
	}
}

// TestPostgresManyRows reads more rows than a batch, with a duplicate key
// far apart (its first copy is found by reading the table again), in key
// order.
func TestPostgresManyRows(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	tables := base()
	delete(tables, "bookings")
	pgTables(t, dbURL, schema, tables)
	s := pgx.Identifier{schema}.Sanitize()
	const n = 5000
	pgfixture.Exec(t, dbURL, fmt.Sprintf(`CREATE TABLE %[1]s.bookings (booking_id text, partner_id text, customer_id text,
			solution text, booked_on date, tcv numeric, license_type text);
		INSERT INTO %[1]s.bookings SELECT 'B' || lpad(i::text, 5, '0'), 'P' || (1 + i %% 2), 'C' || i, 'vcf', '2023-03-01', i + 0.25, 'saas'
			FROM generate_series(1, %[2]d) i;
		INSERT INTO %[1]s.bookings VALUES ('B00007', 'P2', 'C0', 'avi', '2023-04-01', 1, 'saas');`, s, n))
	raw := t.TempDir()
	res, err := runPG(t, dbURL, schema, raw)
	if err != nil {
		t.Fatal(err)
	}
	tr := tableResult(t, res, "bookings")
	if tr.RowsRead != n+1 || tr.Accepted != n-1 || tr.Reasons["duplicate_key"] != 2 {
		t.Fatalf("bookings: %+v", tr)
	}
	got := readBookings(t, raw)
	for i, r := range got {
		if i > 0 && (r.RowNumber <= got[i-1].RowNumber || r.BookingID <= got[i-1].BookingID) {
			t.Fatalf("rows out of key order at %d: %s after %s", i, r.BookingID, got[i-1].BookingID)
		}
	}
	rejects := readRejects(t, raw)
	if len(rejects) != 2 || rejects[0].RowNumber != 7 || rejects[1].RowNumber != 8 || rejects[0].Key != "B00007" ||
		!strings.Contains(rejects[0].Raw, `"customer_id":"C0"`) || !strings.Contains(rejects[1].Raw, `"customer_id":"C7"`) {
		t.Errorf("rejects %+v", rejects)
	}
}

// closedPort is a port on 127.0.0.1 nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestPostgresInputErrors: what makes a database unusable is an input
// error (exit 2) that names the table and column, never the password.
func TestPostgresInputErrors(t *testing.T) {
	dbURL := os.Getenv(pgfixture.TestURLVar)
	const secret = "Not-The-Real-Pw-91"
	cases := []struct {
		name   string
		needDB bool
		url    func(schema string) string // "" = the test server's
		change string                     // SQL run in the schema first (S. is the schema)
		schema string                     // read this schema instead of the test's
		table  string                     // the table the error names ("" = none)
		column string
		text   string // in the message
	}{
		{name: "cannot connect", url: func(string) string {
			return fmt.Sprintf("postgres://tally:%s@127.0.0.1:%d/tally?connect_timeout=5", secret, closedPort(t))
		}, text: "cannot connect"},
		{name: "wrong password", needDB: true, url: func(string) string {
			u, _ := url.Parse(dbURL)
			u.User = url.UserPassword(u.User.Username(), secret)
			return u.String()
		}, text: "cannot connect"},
		{name: "no such schema", needDB: true, schema: "tally_no_such_schema", text: `the schema "tally_no_such_schema" does not exist`},
		{name: "missing required table", needDB: true, change: "DROP TABLE S.bookings", table: "bookings", text: "the required table bookings is missing"},
		{name: "missing column", needDB: true, change: "ALTER TABLE S.bookings DROP COLUMN tcv", table: "bookings", column: "tcv", text: "required column is missing"},
		{name: "missing column of an optional table", needDB: true, change: "CREATE TABLE S.oem_credits (credit_id text)", table: "oem_credits", column: "oem_partner_id"},
		{name: "boolean tcv", needDB: true, change: "ALTER TABLE S.bookings ALTER COLUMN tcv TYPE boolean USING false", table: "bookings", column: "tcv", text: "has type boolean"},
		{name: "numeric date", needDB: true, change: "ALTER TABLE S.partners ALTER COLUMN enrolled_on TYPE numeric USING 1", table: "partners", column: "enrolled_on", text: "has type numeric"},
		{name: "integer list", needDB: true, change: "ALTER TABLE S.bookings ALTER COLUMN tags TYPE integer[] USING NULL", table: "bookings", column: "tags", text: "has type integer[]"},
		{name: "list for an id", needDB: true, change: "ALTER TABLE S.bookings ALTER COLUMN customer_id TYPE text[] USING ARRAY[customer_id]", table: "bookings", column: "customer_id", text: "has type text[]"},
		{name: "float rate", needDB: true, change: "ALTER TABLE S.fx_rates ALTER COLUMN usd_per_unit TYPE double precision USING 1", table: "fx_rates", column: "usd_per_unit", text: "has type double precision"},
		{name: "no permission", needDB: true, change: `CREATE VIEW S.capabilities AS SELECT rolname::text AS partner_id,
			rolname::text AS capability_id, 'accreditation' AS kind, current_date AS achieved_on FROM pg_authid`,
			table: "capabilities", text: "permission denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := dbURL
			schema := ""
			if c.needDB {
				input = pgfixture.TestURL(t)
				schema = pgfixture.TempSchema(t, dbURL)
				pgTables(t, dbURL, schema, base())
				if c.change != "" {
					pgfixture.Exec(t, dbURL, strings.ReplaceAll(c.change, "S.", pgx.Identifier{schema}.Sanitize()+"."))
				}
			}
			if c.url != nil {
				input = c.url(schema)
			}
			if c.schema != "" {
				schema = c.schema
			}
			raw := t.TempDir()
			_, err := runPG(t, input, schema, raw)
			if !errors.Is(err, extract.ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
			var ie *extract.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %T, want *InputError", err)
			}
			msg := err.Error()
			if c.table != "" && !strings.Contains(msg, "table "+schema+"."+c.table) {
				t.Errorf("message %q should name the table %s.%s", msg, schema, c.table)
			}
			if ie.Column != c.column || c.column != "" && !strings.Contains(msg, "column "+c.column) {
				t.Errorf("error names column %q (%q), want %q", ie.Column, msg, c.column)
			}
			if !strings.Contains(msg, c.text) {
				t.Errorf("message %q should say %q", msg, c.text)
			}
			if !strings.HasPrefix(msg, extract.Redact(input)) {
				t.Errorf("message %q should start with the redacted URL %s", msg, extract.Redact(input))
			}
			u, _ := url.Parse(input)
			if pw, ok := u.User.Password(); ok && strings.Contains(msg, pw) {
				t.Errorf("message %q shows the password", msg)
			}
			if entries, _ := os.ReadDir(raw); len(entries) != 0 {
				t.Errorf("wrote %d entries before failing on the input", len(entries))
			}
		})
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://tally:s3cret@db.example.com:5432/program", "postgres://tally:xxxxx@db.example.com:5432/program"},
		{"postgresql://tally:p%40ss%2Fword@db/program?sslmode=require", "postgresql://tally:xxxxx@db/program?sslmode=require"},
		{"postgres://tally@db/program?password=s3cret&sslpassword=k3y&sslmode=verify-full", "postgres://tally@db/program?password=xxxxx&sslmode=verify-full&sslpassword=xxxxx"},
		{"postgres://db/program", "postgres://db/program"},
		{"postgres://tally:s3cret@db:port/program", "postgres://(a URL that does not parse, not shown)"},
		{"fixtures/example", "fixtures/example"},
	}
	for _, c := range cases {
		if got := extract.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPostgresSecretNotInDriverErrors: a URL pgx cannot parse names no
// password either.
func TestPostgresSecretNotInDriverErrors(t *testing.T) {
	for _, in := range []string{
		"postgres://tally:Hidden-Pw-77@127.0.0.1:notaport/tally",
		"postgres://tally:Hidden-Pw-77@127.0.0.1/tally?sslmode=bogus",
	} {
		_, err := runPG(t, in, "", "")
		if !errors.Is(err, extract.ErrInput) || strings.Contains(err.Error(), "Hidden-Pw-77") {
			t.Errorf("%v: want an input error without the password", err)
		}
	}
}
