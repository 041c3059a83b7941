package extract_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tally/pipeline/extract"
)

// TestRawSchema lands the example and compares every raw file's columns
// and types, as DuckDB describes them, with those of the exported row type
// (rows.go) written by parquet-go, as the engine's tests write raw
// fixtures: the engine reads both the same.
func TestRawSchema(t *testing.T) {
	raw := t.TempDir()
	if _, err := extract.Run(context.Background(), extract.Options{Input: "../../fixtures/example", RawDir: raw, Rulebook: loadRulebook(t)}); err != nil {
		t.Fatal(err)
	}
	types := t.TempDir()
	want := map[string]func(path string) error{
		"partners":         emptyFile[extract.Partner],
		"business_models":  emptyFile[extract.BusinessModel],
		"requirements":     emptyFile[extract.Requirement],
		"bookings":         emptyFile[extract.Booking],
		"oem_credits":      emptyFile[extract.OEMCredit],
		"lifecycle_claims": emptyFile[extract.LifecycleClaim],
		"influence_claims": emptyFile[extract.InfluenceClaim],
		"capabilities":     emptyFile[extract.Capability],
		"fx_rates":         emptyFile[extract.FXRate],
		"rejects":          emptyFile[extract.Reject],
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, write := range want {
		typed := filepath.Join(types, table+".parquet")
		if err := write(typed); err != nil {
			t.Fatal(err)
		}
		got, exp := describe(t, db, filepath.Join(raw, table, table+".parquet")), describe(t, db, typed)
		if !slices.Equal(got, exp) {
			t.Errorf("%s: columns\n %v\nwant (rows.go)\n %v", table, got, exp)
		}
	}
}

func emptyFile[T any](path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[T](f)
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

func describe(t *testing.T, db *sql.DB, path string) []string {
	t.Helper()
	rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s", n, typ))
	}
	return out
}
