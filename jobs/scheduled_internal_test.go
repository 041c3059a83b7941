package jobs

import (
	"testing"

	"tally/jobs/schedule"
)

// relevel and report have work on each audit_on, migrate on migration.on,
// nightly every day.
func TestDueGates(t *testing.T) {
	rb, err := LoadRulebook("../fixtures/rulebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind schedule.Kind
		day  string
		due  bool
	}{
		{schedule.KindRelevel, "2024-03-04", true},
		{schedule.KindRelevel, "2024-03-05", false},
		{schedule.KindReport, "2025-03-03", true},
		{schedule.KindMigrate, "2023-03-20", true},
		{schedule.KindMigrate, "2024-03-20", false},
	}
	for _, c := range cases {
		if got := dueGate(rb, c.kind)(c.day); got != c.due {
			t.Errorf("%s on %s: due = %v, want %v", c.kind, c.day, got, c.due)
		}
	}
	if dueGate(rb, schedule.KindNightly) != nil {
		t.Error("nightly has a gate; it runs every day")
	}
}
