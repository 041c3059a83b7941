package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	pgfixture "tally/fixtures/postgres"
	"tally/jobs"
	"tally/pipeline/engine"
	"tally/pipeline/publish"
)

// rejectsCSV is a rejects table but its raw column: the row as it came
// is a CSV record or JSONL line from files, a JSON object from a database.
func rejectsCSV(t *testing.T, file string) []byte {
	t.Helper()
	tableCSV(t, file) // opens the reader
	return queryCSV(t, "SELECT COLUMNS(*)::VARCHAR FROM (SELECT * EXCLUDE (raw) FROM read_parquet(?) ORDER BY ALL)", file)
}

var inputTables = []string{"partners", "business_models", "requirements", "bookings", "oem_credits",
	"lifecycle_claims", "influence_claims", "capabilities", "fx_rates"}

// TestPostgresMatchesFiles loads fixtures/example into PostgreSQL and runs
// the nightly job from the database and from the files: every output
// table and every raw table is the same, row for row (rejects but for the
// raw text); the manifests differ only in their inputs, where the database
// run names the database, schema and snapshot instead of files and hashes.
// The password is nowhere: not in the logs, the result or the manifest.
func TestPostgresMatchesFiles(t *testing.T) {
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	ctx := context.Background()
	if _, err := pgfixture.Load(ctx, dbURL, schema, "../fixtures/example"); err != nil {
		t.Fatal(err)
	}
	const asOf = "2024-03-31"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dbLake, fileLake := t.TempDir(), t.TempDir()
	dbRes, err := jobs.Run(ctx, jobs.RunOptions{Input: dbURL, PGSchema: schema, Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf,
		Out: dbLake, DuckDB: engine.Settings{Threads: 2}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fileRes, err := jobs.Run(ctx, jobs.RunOptions{Input: "../fixtures/example", Rulebook: "../fixtures/rulebook.yaml", AsOf: asOf,
		Out: fileLake, DuckDB: engine.Settings{Threads: 2}})
	if err != nil {
		t.Fatal(err)
	}

	snap := func(lake string) string { return filepath.Join(lake, "snapshots", "as_of="+asOf) }
	for _, table := range engine.OutputTables {
		got, want := filepath.Join(snap(dbLake), table+".parquet"), filepath.Join(snap(fileLake), table+".parquet")
		g, w := tableCSV(t, got), tableCSV(t, want)
		if table == "rejects" {
			g, w = rejectsCSV(t, got), rejectsCSV(t, want)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s from PostgreSQL differs from the files' :\n%s", table, firstDiff(string(w), string(g)))
		}
		if n := bytes.Count(g, []byte("\n")); n < 2 {
			t.Errorf("%s: %d lines, want rows to compare", table, n)
		}
	}
	for _, table := range inputTables {
		file := filepath.Join(table, table+".parquet")
		if g, w := tableCSV(t, filepath.Join(dbLake, "raw", file)), tableCSV(t, filepath.Join(fileLake, "raw", file)); !bytes.Equal(g, w) {
			t.Errorf("raw/%s from PostgreSQL differs from the files':\n%s", file, firstDiff(string(w), string(g)))
		}
	}
	if g, w := rejectsCSV(t, filepath.Join(dbLake, "raw", "rejects", "rejects.parquet")), rejectsCSV(t, filepath.Join(fileLake, "raw", "rejects", "rejects.parquet")); !bytes.Equal(g, w) {
		t.Errorf("raw rejects differ:\n%s", firstDiff(string(w), string(g)))
	}

	dbMan, err := publish.ReadManifest(snap(dbLake))
	if err != nil {
		t.Fatal(err)
	}
	fileMan, err := publish.ReadManifest(snap(fileLake))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	snapshotTime := dbMan.Inputs[0].Source
	for i, in := range dbMan.Inputs {
		f := fileMan.Inputs[i]
		if in.Table != f.Table || in.RowsRead != f.RowsRead || in.RowsAccepted != f.RowsAccepted || in.RowsRejected != f.RowsRejected {
			t.Errorf("input %s: %+v; from files %+v", in.Table, in, f)
		}
		s := in.Source
		if in.Format != "postgres" || in.Path != "" || in.SHA256 != "" || s == nil || s.Kind != "postgres" || s.Schema != schema ||
			s.Database != strings.TrimPrefix(u.Path, "/") || s.SnapshotTime.IsZero() || !s.SnapshotTime.Equal(snapshotTime.SnapshotTime) {
			t.Errorf("input %s: %+v source %+v", in.Table, in, s)
		}
		if f.Source != nil || f.SHA256 == "" {
			t.Errorf("file input %s: %+v", f.Table, f)
		}
	}
	if len(dbMan.Outputs) != len(fileMan.Outputs) || len(dbMan.Checks) != len(fileMan.Checks) {
		t.Fatalf("outputs %d, checks %d; files: %d, %d", len(dbMan.Outputs), len(dbMan.Checks), len(fileMan.Outputs), len(fileMan.Checks))
	}
	for i, o := range dbMan.Outputs {
		if f := fileMan.Outputs[i]; o.Table != f.Table || o.Rows != f.Rows || o.SHA256 != f.SHA256 && o.Table != "rejects" {
			t.Errorf("output %+v; from files %+v", o, f)
		}
	}
	for i, c := range dbMan.Checks {
		if f := fileMan.Checks[i]; c != f {
			t.Errorf("check %+v; from files %+v", c, f)
		}
	}
	if dbRes.Rejected != fileRes.Rejected || dbRes.Rejected != 10 {
		t.Errorf("rejected %d, from files %d; want 10", dbRes.Rejected, fileRes.Rejected)
	}

	pw, ok := u.User.Password()
	if !ok {
		t.Logf("%s has no password: the password checks are skipped", pgfixture.TestURLVar)
		return
	}
	manifest, err := os.ReadFile(filepath.Join(snap(dbLake), publish.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	result, _ := json.Marshal(dbRes)
	for what, b := range map[string][]byte{"the logs": logs.Bytes(), "the manifest": manifest, "the result": result} {
		if bytes.Contains(b, []byte(pw)) {
			t.Errorf("the password is in %s:\n%s", what, b)
		}
	}
	if !strings.Contains(logs.String(), "xxxxx@") {
		t.Errorf("the logs should name the database by its redacted URL:\n%s", logs.String())
	}
}

// TestPostgresRunErrors: a database tally cannot use fails the run with
// exit 2, names the table and column, publishes nothing, and never shows
// the password.
func TestPostgresRunErrors(t *testing.T) {
	const fakePW = "Made-Up-Secret-55"
	cases := []struct {
		name   string
		change string // SQL on the loaded example (S. is the schema)
		table  string
		column string
		text   string
	}{
		{name: "cannot connect", text: "cannot connect to PostgreSQL"},
		{name: "missing table", change: "DROP TABLE S.partners", table: "partners", text: "the required table partners is missing"},
		{name: "missing column", change: "ALTER TABLE S.requirements DROP COLUMN completed_on", table: "requirements", column: "completed_on", text: "required column is missing"},
		{name: "wrong type", change: "ALTER TABLE S.oem_credits ALTER COLUMN tcv TYPE boolean USING tcv > 0", table: "oem_credits", column: "tcv", text: "has type boolean"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var input, schema, pw string
			if c.name == "cannot connect" {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				port := l.Addr().(*net.TCPAddr).Port
				l.Close()
				input, pw = fmt.Sprintf("postgres://tally:%s@127.0.0.1:%d/tally", fakePW, port), fakePW
			} else {
				input = pgfixture.TestURL(t)
				u, _ := url.Parse(input)
				pw, _ = u.User.Password()
				schema = pgfixture.TempSchema(t, input)
				if _, err := pgfixture.Load(context.Background(), input, schema, "../fixtures/example"); err != nil {
					t.Fatal(err)
				}
				pgfixture.Exec(t, input, strings.ReplaceAll(c.change, "S.", pgx.Identifier{schema}.Sanitize()+"."))
			}
			var logs bytes.Buffer
			lake := t.TempDir()
			_, err := jobs.Run(context.Background(), jobs.RunOptions{Input: input, PGSchema: schema, Rulebook: "../fixtures/rulebook.yaml",
				AsOf: "2024-03-31", Out: lake, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			if code := jobs.ExitCode(err); code != jobs.ExitUsage {
				t.Fatalf("exit %d (%v), want %d", code, err, jobs.ExitUsage)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.text) || c.table != "" && !strings.Contains(msg, "table "+schema+"."+c.table) ||
				c.column != "" && !strings.Contains(msg, "column "+c.column) {
				t.Errorf("message %q should say %q and name table %q and column %q", msg, c.text, c.table, c.column)
			}
			if pw != "" && (strings.Contains(msg, pw) || strings.Contains(logs.String(), pw)) {
				t.Errorf("the password shows:\n%s\n%s", msg, logs.String())
			}
			if !strings.Contains(msg, "xxxxx@") {
				t.Errorf("message %q should name the database by its redacted URL", msg)
			}
			if _, err := os.Stat(filepath.Join(lake, "snapshots")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("something was published: %v", err)
			}
		})
	}
}

// TestPostgresValidate: validate reads the database like run and writes
// nothing; --pg-schema without a database is a usage error.
func TestPostgresValidate(t *testing.T) {
	_, err := jobs.Validate(context.Background(), jobs.ExtractOptions{Input: "../fixtures/example", PGSchema: "public", Rulebook: "../fixtures/rulebook.yaml"})
	if !errors.Is(err, jobs.ErrUsage) {
		t.Errorf("--pg-schema with a landing directory: %v, want ErrUsage", err)
	}
	dbURL := pgfixture.TestURL(t)
	schema := pgfixture.TempSchema(t, dbURL)
	if _, err := pgfixture.Load(context.Background(), dbURL, schema, "../fixtures/example"); err != nil {
		t.Fatal(err)
	}
	res, err := jobs.Validate(context.Background(), jobs.ExtractOptions{Input: dbURL, PGSchema: schema, Rulebook: "../fixtures/rulebook.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejects != 10 || res.RejectsFile != "" || len(res.Tables) != 9 || res.Tables[3].Table != "bookings" || res.Tables[3].RowsRead != 1001 {
		t.Errorf("validate: %+v", res)
	}
}
