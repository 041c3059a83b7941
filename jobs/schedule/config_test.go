package schedule

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tally/pipeline/configfile"
)

func TestParseFixture(t *testing.T) {
	cfg, err := Load("../../fixtures/jobs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Location.String() != "America/Los_Angeles" || cfg.Lake != "output" ||
		cfg.Input != "fixtures/example" || cfg.Rulebook != "fixtures/rulebook.yaml" {
		t.Errorf("config = %+v", cfg)
	}
	var kinds []Kind
	for _, j := range cfg.Jobs {
		kinds = append(kinds, j.Kind)
		if j.sched == nil || j.Line == 0 {
			t.Errorf("job %q not compiled or without line", j.Name)
		}
	}
	if got := len(kinds); got != 4 {
		t.Errorf("jobs %v, want the four kinds", kinds)
	}
	// The nightly schedule fires at 02:30 Los Angeles time.
	nightly := cfg.Jobs[0]
	next := nightly.sched.Next(time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2024, 7, 1, 2, 30, 0, 0, cfg.Location); !next.Equal(want) {
		t.Errorf("nightly next = %v, want %v", next, want)
	}
}

func TestParseSchedules(t *testing.T) {
	for _, spec := range []string{
		"30 2 * * *",
		"0 30 2 * * *",
		"*/1 * * * * *",
		"@daily",
		"@every 90m",
		"CRON_TZ=America/Los_Angeles 30 2 * * *",
		"TZ=UTC 0 0 1 1 *",
	} {
		cfg, err := Parse("jobs.yaml", []byte(`
timezone: UTC
lake: output
jobs:
  - {name: nightly, kind: nightly, schedule: "`+spec+`"}
`))
		if err != nil {
			t.Errorf("schedule %q: %v", spec, err)
		} else if cfg.Jobs[0].Schedule != spec {
			t.Errorf("schedule %q read as %q", spec, cfg.Jobs[0].Schedule)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const head = "timezone: America/Los_Angeles\nlake: output\n"
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error
	}{
		{"unknown top-level key", head + "retries: 3\njobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n",
			[]string{`jobs.yaml:3: schedule file: unknown key "retries"`}},
		{"unknown job key", head + "jobs:\n  - name: n\n    kind: nightly\n    schedule: '@daily'\n    timeout: 1h\n",
			[]string{`jobs.yaml:7: job: unknown key "timeout"`}},
		{"bad cron expression", head + "jobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n  - {name: r, kind: report, schedule: '61 2 * * *'}\n",
			[]string{`jobs.yaml:5: job "r": schedule "61 2 * * *"`}},
		{"too many cron fields", head + "jobs:\n  - name: n\n    kind: nightly\n    schedule: '0 0 30 2 * * *'\n",
			[]string{`jobs.yaml:6: job "n": schedule`}},
		{"bad CRON_TZ", head + "jobs:\n  - {name: n, kind: nightly, schedule: 'CRON_TZ=Mars/Olympus 30 2 * * *'}\n",
			[]string{`jobs.yaml:4: job "n": schedule "CRON_TZ=Mars/Olympus`}},
		{"bad time zone", "lake: output\ntimezone: Mars/Olympus\njobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n",
			[]string{`jobs.yaml:2: timezone "Mars/Olympus"`}},
		{"missing time zone", "lake: output\njobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n",
			[]string{`jobs.yaml:1: timezone is required`}},
		{"unknown kind", head + "jobs:\n  - {name: n, kind: weekly, schedule: '@daily'}\n",
			[]string{`jobs.yaml:4: job "n": unknown kind "weekly"`}},
		{"duplicate name", head + "jobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n  - {name: n, kind: report, schedule: '@daily'}\n",
			[]string{`jobs.yaml:5: job name "n" already used on line 4`}},
		{"duplicate key", head + "lake: other\njobs:\n  - {name: n, kind: nightly, schedule: '@daily'}\n",
			[]string{`jobs.yaml:3: schedule file: key "lake" already given on line 2`}},
		{"missing schedule", head + "jobs:\n  - {name: n, kind: nightly}\n",
			[]string{`jobs.yaml:4: job "n": empty schedule`}},
		{"no jobs", head + "jobs: []\n", []string{`jobs.yaml:3: no jobs`}},
		{"jobs not a list", head + "jobs: {name: n}\n", []string{`jobs.yaml:3: jobs: want a list`}},
		{"schedule not a string", head + "jobs:\n  - {name: n, kind: nightly, schedule: [1, 2]}\n",
			[]string{`jobs.yaml:4: schedule: want a string`}},
		{"yaml syntax", head + "jobs:\n  - {name: n, kind: nightly\n", []string{`jobs.yaml:3: did not find expected`}},
		{"several errors at once", head + "jobs:\n  - {name: a, kind: weekly, schedule: '@daily'}\n  - {name: b, kind: nightly, schedule: 'nope'}\n",
			[]string{`jobs.yaml:4: job "a": unknown kind`, `jobs.yaml:5: job "b": schedule "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("jobs.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateHandBuilt(t *testing.T) {
	cfg := &Config{Timezone: "UTC", Lake: t.TempDir(), Jobs: []Job{
		{Name: "n", Kind: KindNightly, Schedule: "@daily"},
		{Name: "n", Kind: "weekly", Schedule: "bad"},
	}}
	err := cfg.Validate()
	for _, w := range []string{`name "n" used twice`, `unknown kind "weekly"`, `schedule "bad"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate = %v, want it to mention %q", err, w)
		}
	}
}

// TestLoadRefusesWhatIsNotARegularFile: a schedule file that is a symbolic
// link, a FIFO or a device is refused, naming it, without blocking; and a
// second YAML document in it is refused with its line rather than ignored.
// Issue 26, items 1 and 10 (the schedule's part).
func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(real, []byte("timezone: UTC\nlake: output\njobs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, fifo, "/dev/zero"} {
		if _, err := Load(p); !errors.Is(err, configfile.ErrNotRegular) || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%s) = %v, want ErrNotRegular naming the file", p, err)
		}
	}
	_, err := Parse("jobs.yaml", []byte("timezone: UTC\nlake: output\njobs: []\n---\nlake: elsewhere\n"))
	if err == nil || !strings.Contains(err.Error(), "jobs.yaml:4:") {
		t.Errorf("a second document: %v, want an error at jobs.yaml:4", err)
	}
}
