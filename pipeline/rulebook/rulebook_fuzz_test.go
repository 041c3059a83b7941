package rulebook_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/rulebook"
)

// FuzzParse: Parse never panics and refuses with an error that wraps
// ErrInvalid; a rulebook it accepts turns into rule tables for any day.
// `go test` runs the seeds; `make fuzz` looks for more.
func FuzzParse(f *testing.F) {
	for _, path := range []string{"../../fixtures/rulebook.yaml", "../../fixtures/bad/rulebook-not-yaml/rulebook.yaml"} {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "null", "[]", "x", "program: [", "program: x\nprogram: y\n", "\t- a", "a: &a [*a]",
		"a: &a b\nc: *a\n", "program: !!binary aGVsbG8=\n", "levels: [{id: a}, {id: a}]", "levels: 5",
		"points_per_usd: NaN", "points_per_usd: 1e400", "points_per_usd: .5", "points_per_usd: 0x10",
		"program_years: [{id: FY1, starts_on: 2023-02-30}]",
		"program_years: [{id: FY1, starts_on: 2023-01-01, ends_on: 2023-12-31, audit_on: 2024-01-10, overrides: 5}]",
		"program_years: [{id: FY1, starts_on: 2023-01-01, ends_on: 2023-12-31, audit_on: 2024-01-10, overrides: {levels: {x: {}}}}]",
		"program_years: [{id: FY1, starts_on: 2023-01-01, ends_on: 2023-12-31, audit_on: 2024-01-10, overrides: {levels: [1]}}]",
		"migration: {on: 2023-01-01, based_on: FY0}", "multipliers: [{id: m, bonus: -1}]", "influence: {window_years: -1}",
		"audit: {notify_days_before: [1, x]}", "license_types: [a, a]", "\xff\xfe", "a: b: c", "? [a]\n: b\n",
		"levels: [{id: terminated}]", "levels: [{id: a, required_capabilities: {x: 1}}]",
		"<<: {program: x}", "program: x\n---\nprogram: y\n",
		"program_years:\n  - &y {id: FY1, overrides: {multipliers: [&m {id: m}, *m, *m, *m]}}\n  - *y\n  - *y\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, err := rulebook.Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, rulebook.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, d := range []string{"2000-01-01", "2024-06-30", "9999-12-31"} {
			_ = rb.Tables(date.MustParse(d))
		}
		_ = rb.LifecycleActivities()
		_ = rb.LevelIDs()
	})
}

// TestAliasesAreCheckedOnce: a rulebook of 24 KB whose aliases reach one
// program year 2,000 times, each with 2,000 multipliers, is refused at
// once (the key check used to walk every alias again, for hours).
func TestAliasesAreCheckedOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("program_years:\n  - &y {id: FY1, overrides: {multipliers: [&m {id: m, when: {license_types: [a, b, c, d, e, f]}}")
	b.WriteString(strings.Repeat(", *m", 1999))
	b.WriteString("]}}\n")
	b.WriteString(strings.Repeat("  - *y\n", 1999))
	start := time.Now()
	_, err := rulebook.Parse("aliases.yaml", []byte(b.String()))
	if !errors.Is(err, rulebook.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Parse took %v", d)
	}
}
