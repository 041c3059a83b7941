package hardening_test

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"tally/pipeline/engine"
	"tally/pipeline/lake/laketest"
)

// hostile maps values of the example program to values that would break
// any SQL they were pasted into. Every one of them must travel as data.
var hostile = map[string]string{
	// partner ids (P001 and P002 are in no contract_partner_ids list, where
	// ';' separates ids)
	"P001": `P'001"); DROP TABLE partners; --`,
	"P002": `P002\'; DELETE FROM raw_bookings; --`,
	// a booking id, a partner's name and a legacy level
	"B001001":           `B001001'); DROP TABLE x; --`,
	"Northwind Systems": `O'Brien "Systems"); DROP TABLE partners; --`,
	"principal":         `princ'ipal'); DROP TABLE rule_migration_protect; --`,
	// rulebook names: a multiplier id, a license type, a level id, a
	// foundational requirement, a program year, a tag (no ';' in a tag:
	// it separates the tags of a CSV cell)
	"saas_subscription": `saas'); DROP TABLE rule_multipliers; --`,
	"subscription":      `sub'scription"; DROP TABLE rule_cap_license_types; --`,
	"select":            `sel'ect'); DROP TABLE rule_levels; --`,
	"partner_agreement": `partner_agreement'); DROP TABLE raw_requirements; --`,
	"FY25":              `FY'25"); DROP TABLE rule_years; --`,
	"new_logo":          `new'logo"--`,
}

var (
	hostileOnce sync.Once
	hostileLake string
	hostileErr  string
)

// hostileRun publishes the example program with every hostile value in
// place, once, in a child process whose umask is 077.
func hostileRun(t *testing.T) string {
	t.Helper()
	hostileOnce.Do(func() {
		hostileErr = "the setup of the hostile run failed (see the first test that ran it)"
		dir := filepath.Join(scratch, "hostile")
		input := filepath.Join(dir, "landing")
		if err := os.MkdirAll(input, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(example)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".csv":
				hostileCSV(t, filepath.Join(example, e.Name()), filepath.Join(input, e.Name()))
			case ".jsonl":
				b, _ := os.ReadFile(filepath.Join(example, e.Name()))
				write(t, filepath.Join(input, e.Name()), string(b))
			}
		}
		rb := filepath.Join(dir, "rulebook.yaml")
		hostileRulebook(t, rulebook, rb)
		hostileLake = filepath.Join(dir, "lake")
		killed, stderr := runChild(t, childSpec{Input: input, Rulebook: rb, AsOf: asOfA, Out: hostileLake, Umask: 0o077})
		hostileErr = ""
		if _, err := os.Stat(filepath.Join(hostileLake, "latest")); killed || err != nil {
			hostileErr = "the run with hostile values did not publish:\n" + stderr
		}
	})
	if hostileErr != "" {
		t.Fatal(hostileErr)
	}
	return hostileLake
}

// hostileCSV copies a CSV file, replacing every field (or element of a
// ';'-separated list) that hostile names.
func hostileCSV(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		for i, f := range rec {
			parts := strings.Split(f, ";")
			for j, p := range parts {
				if h, ok := hostile[p]; ok {
					parts[j] = h
				}
			}
			rec[i] = strings.Join(parts, ";")
		}
	}
	var out strings.Builder
	w := csv.NewWriter(&out)
	_ = w.WriteAll(recs)
	write(t, to, out.String())
}

// hostileRulebook copies the rulebook, replacing every scalar (keys too)
// that hostile names.
func hostileRulebook(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if h, ok := hostile[n.Value]; ok && n.Kind == yaml.ScalarNode {
			n.Value, n.Style = h, yaml.DoubleQuotedStyle
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	write(t, to, string(out))
}

// tableRows reads a Parquet file through DuckDB as sorted text rows, after
// unmap is applied to every value.
func tableRows(t *testing.T, file string, cols string, unmap func(string) string) []string {
	t.Helper()
	readParquet(file) // opens the reader
	rows, err := reader.Query("SELECT COLUMNS(*)::VARCHAR FROM (SELECT "+cols+" FROM read_parquet(?))", file)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	names, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]*string, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fields := make([]string, len(vals))
		for i, v := range vals {
			fields[i] = `\N`
			if v != nil {
				fields[i] = unmap(*v)
			}
		}
		b, _ := json.Marshal(fields)
		out = append(out, string(b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestValuesNeverBecomeSQL publishes the example program with quotes,
// semicolons and "'); DROP TABLE x; --" in partner ids, a booking id, a
// name, a legacy level, a multiplier id, a license type, a level id, a
// requirement, a program year and a tag. The run must succeed and every
// table must be the example's, value for value, once the hostile values
// are mapped back: nothing was pasted into SQL text, nothing truncated or
// escaped on the way.
func TestValuesNeverBecomeSQL(t *testing.T) {
	t.Parallel()
	lake := hostileRun(t)
	plain := template(t, asOfA)
	olds := make([]string, 0, len(hostile))
	for old := range hostile {
		olds = append(olds, old)
	}
	// longest hostile value first: one may contain another's original
	slices.SortFunc(olds, func(a, b string) int { return cmp.Compare(len(hostile[b]), len(hostile[a])) })
	unmap := func(s string) string {
		for _, old := range olds {
			s = strings.ReplaceAll(s, hostile[old], old)
		}
		return s
	}
	found := map[string]bool{}
	for _, table := range engine.OutputTables {
		cols := "*"
		if table == "rejects" { // detail and raw quote the values their own way
			cols = `"table", row_number, key, reason`
		}
		file := func(lake string) string {
			return filepath.Join(lake, "snapshots", "as_of="+asOfA, table+".parquet")
		}
		got := tableRows(t, file(lake), cols, unmap)
		want := tableRows(t, file(plain), cols, func(s string) string { return s })
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from the example's:\n%s", table, firstDifference(strings.Join(want, "\n"), strings.Join(got, "\n")))
		}
		for _, row := range tableRows(t, file(lake), cols, func(s string) string { return s }) {
			for old, h := range hostile {
				if b, _ := json.Marshal(h); strings.Contains(row, strings.Trim(string(b), `"`)) {
					found[old] = true
				}
			}
		}
	}
	// The values that reach an output table came back as they went in.
	for _, old := range []string{"P001", "P002", "B001001", "saas_subscription", "select", "FY25"} {
		if !found[old] {
			t.Errorf("%q (for %s) is in no output table", hostile[old], old)
		}
	}
}

// TestOutputModes: a run under umask 077 still publishes a lake that
// dashboards of other users can read: directories 0755, files 0644.
func TestOutputModes(t *testing.T) {
	t.Parallel()
	lake := hostileRun(t)
	for _, sub := range []string{"snapshots", "raw", "latest"} {
		err := filepath.WalkDir(filepath.Join(lake, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return nil // raw/<table> links to the latest raw version; a link has no mode of its own
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o644)
			if d.IsDir() {
				want = 0o755
			}
			if info.Mode().Perm() != want {
				rel, _ := filepath.Rel(lake, p)
				t.Errorf("%s: %v, want %v", rel, info.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
	for _, dir := range []string{lake} {
		if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o755 {
			t.Errorf("the lake directory: %v (%v), want 0755", info.Mode().Perm(), err)
		}
	}
}

// TestQueryStaysInTheLake: `tally query` run as users run it cannot write
// a file, inside the lake or out, nor read one outside the snapshot.
func TestQueryStaysInTheLake(t *testing.T) {
	t.Parallel()
	lake := copyLake(t, template(t, asOfA))
	outside := t.TempDir()
	snap := filepath.Join(lake, "snapshots", "as_of="+asOfA)
	secret := filepath.Join(outside, "secret.csv")
	write(t, secret, "password\nhunter2-from-outside\n")
	before := laketest.Files(t, lake)
	for _, q := range []string{
		"COPY partner_levels TO '" + filepath.Join(outside, "x.csv") + "'",
		"COPY (SELECT 1 AS x) TO '" + filepath.Join(snap, "partner_levels.parquet") + "' (FORMAT parquet)",
		"COPY partner_levels TO '" + filepath.Join(snap, "partner_levels.parquet") + "' (FORMAT parquet, USE_TMP_FILE false)",
		"SELECT 1; COPY partner_levels TO '" + filepath.Join(outside, "y.csv") + "'",
		"EXPORT DATABASE '" + filepath.Join(outside, "export") + "'",
		"ATTACH '" + filepath.Join(outside, "x.duckdb") + "' AS x",
		"CREATE TABLE x AS SELECT 1",
		"INSERT INTO partner_levels SELECT * FROM partner_levels",
		"DROP VIEW partner_levels",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"PRAGMA enable_profiling",
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('" + secret + "')",
		"SELECT * FROM glob('" + outside + "/*')",
		"SELECT * FROM read_parquet('" + filepath.Join(lake, "raw", "rejects", "rejects.parquet") + "')",
		"SELECT * FROM read_json('" + filepath.Join(snap, "manifest.json") + "')",
		"SELECT * FROM read_csv('https://example.com/x.csv')",
		"SELECT * FROM partner_levels); COPY partner_levels TO '" + filepath.Join(outside, "z.csv") + "'; --",
	} {
		stdout, stderr, code := tally(t, "query", "--out", lake, "--format", "csv", q)
		if code == 0 {
			t.Errorf("tally query %q: exit 0\n%s", q, stdout)
		}
		if strings.Contains(stdout+stderr, "hunter2-from-outside") || strings.Contains(stdout, "root:") {
			t.Errorf("tally query %q read a file outside the snapshot:\n%s%s", q, stdout, stderr)
		}
	}
	if _, stderr, code := tally(t, "query", "--out", lake, "--as-of", "../../../etc", "SELECT 1"); code != 2 {
		t.Errorf("--as-of ../../../etc: exit %d, want 2\n%s", code, stderr)
	}
	laketest.SameFiles(t, before, laketest.Files(t, lake), ".lock")
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files written outside the lake: %v", entries)
	}
	// and it still answers a plain query
	n, _, err := readParquet(filepath.Join(snap, "partner_levels.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := tally(t, "query", "--out", lake, "--format", "csv", "SELECT count(*) AS n FROM partner_levels"); code != 0 || stdout != fmt.Sprintf("n\n%d\n", n) {
		t.Errorf("a plain query: exit %d, %q, want %d rows\n%s", code, stdout, n, stderr)
	}
}

// TestPostgresPasswordNeverShown: a postgres:// --input whose server cannot
// be reached fails with an error that names the server but never the
// password, whatever the command and the log format.
func TestPostgresPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const password = "S3cr3t-Pw-4711"
	lake := filepath.Join(t.TempDir(), "lake")
	for _, input := range []string{
		"postgres://tally:" + password + "@127.0.0.1:1/crm?connect_timeout=3",
		"postgresql://tally:" + strings.ReplaceAll(password, "-", "%2D") + "@127.0.0.1:1/crm",
		"postgres://tally@127.0.0.1:1/crm?password=" + password + "&sslmode=disable",
		"postgres://tally:" + password + "@127.0.0.1:1/crm?connect_timeout=x", // a bad parameter
		"postgres://tally:" + password + "@[::1:1/crm",                        // a URL that does not parse
	} {
		for _, args := range [][]string{
			{"run", "--input", input, "--rulebook", rulebook, "--as-of", asOfA, "--out", lake},
			{"validate", "--input", input, "--rulebook", rulebook, "--log-format", "json", "--log-level", "debug"},
			{"extract", "--input", input, "--rulebook", rulebook, "--out", lake, "--log-level", "debug", "--json"},
		} {
			stdout, stderr, code := tally(t, args...)
			if code == 0 {
				t.Errorf("tally %s with an unreachable server: exit 0", args[0])
			}
			for _, secret := range []string{password, "S3cr3t%2DPw"} {
				if strings.Contains(stdout+stderr, secret) {
					t.Errorf("tally %s %s shows the password:\n%s%s", args[0], input, stdout, stderr)
				}
			}
			if code == 0 || !strings.Contains(stderr, "127.0.0.1") && !strings.Contains(stderr, "::1") {
				t.Logf("tally %s: the error does not name the server:\n%s", args[0], stderr)
			}
		}
	}
	if _, err := os.Stat(lake); err == nil {
		err := filepath.WalkDir(lake, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if strings.Contains(string(b), password) {
				t.Errorf("%s holds the password", p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
