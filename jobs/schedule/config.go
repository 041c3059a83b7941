package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"tally/pipeline/configfile"
)

// Kind is what a job does; the caller's Runner maps it to a command.
type Kind string

// The kinds of job.
const (
	KindNightly Kind = "nightly" // compute and publish the snapshot for today
	KindRelevel Kind = "relevel" // the annual audit, on a program year's audit_on
	KindMigrate Kind = "migrate" // the one-time migration, on migration.on
	KindReport  Kind = "report"  // the program-year report, after an audit
)

var kinds = []Kind{KindNightly, KindRelevel, KindMigrate, KindReport}

// Config is a schedule file (jobs.yaml). Paths are kept as written and are
// relative to the working directory of `tally schedule`.
type Config struct {
	// Timezone is the program's time zone (an IANA name): the date a job
	// receives as today is the date in this zone when the job came due.
	// Schedules without a CRON_TZ= prefix are read in it too.
	Timezone string
	Location *time.Location // Timezone, loaded; filled by Parse and Validate

	Lake     string // the lake; the scheduler keeps its state file there
	Input    string // landing directory or postgres:// URL, for the Runner
	Rulebook string // rulebook file, for the Runner
	Jobs     []Job
}

// Job is one scheduled job.
type Job struct {
	Name string
	Kind Kind
	// Schedule is a cron expression: five fields, or six with a leading
	// seconds field, or a descriptor (@daily, @hourly, @every 1h), with an
	// optional CRON_TZ=<zone> prefix.
	Schedule string
	// Due, if set by the caller, is asked before every run whether the job
	// has work on today (e.g. relevel: is today a program year's audit_on;
	// migrate: is it migration.on; report: did an audit just happen). A job
	// whose Due returns false is logged as not due and not run. Nil means
	// every scheduled day is due. Set it after Parse, by Kind:
	//
	//	for i := range cfg.Jobs {
	//		if cfg.Jobs[i].Kind == schedule.KindRelevel {
	//			cfg.Jobs[i].Due = rulebook.IsAuditDay
	//		}
	//	}
	Due func(today string) bool
	// Line is the job's line in the config file (0 if not read from one).
	Line int

	sched cron.Schedule
}

// cronParser accepts standard five-field expressions, an optional leading
// seconds field, and descriptors.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseSchedule(spec string) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty schedule")
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

func loadTimezone(tz string) (*time.Location, error) {
	if tz == "" {
		return nil, errors.New("timezone is required (an IANA name such as America/Los_Angeles)")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("timezone %q: %w", tz, err)
	}
	return loc, nil
}

func checkKind(k Kind) error {
	if !slices.Contains(kinds, k) {
		return fmt.Errorf("unknown kind %q (want nightly, relevel, migrate or report)", k)
	}
	return nil
}

// Load reads and checks a schedule file; see Parse. A path that is not a
// regular file (a symbolic link, FIFO or device) is refused
// (configfile.ErrNotRegular).
func Load(path string) (*Config, error) {
	data, err := configfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a schedule file's content; name is used in messages. Unknown
// keys are rejected, and every error names its line as "name:line: ...";
// all the errors found are returned together (errors.Join).
func Parse(name string, data []byte) (*Config, error) {
	var root, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	// A second document would be silently ignored; a bare "---" at the
	// end is not one.
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(name, err)
	case len(next.Content) != 1 || next.Content[0].Tag != "!!null" || next.Content[0].Value != "":
		return nil, fmt.Errorf("%s:%d: a second YAML document starts here; a schedule file is one document", name, next.Line)
	}
	p := &configParser{name: name}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty schedule file", name)
	}
	cfg := p.config(root.Content[0])
	if err := errors.Join(p.errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError rewrites yaml's "yaml: line 7: msg" as "name:7: msg".
func yamlError(name string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: %s", name, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
}

type configParser struct {
	name string
	errs []error
}

func (p *configParser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...)))
}

// mapping calls field for each key of n, rejecting keys not in allowed and
// keys given twice.
func (p *configParser) mapping(n *yaml.Node, what string, allowed []string, field func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "%s: want a mapping with keys %s", what, strings.Join(allowed, ", "))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			p.errorf(k.Line, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
		case seen[k.Value] != 0:
			p.errorf(k.Line, "%s: key %q already given on line %d", what, k.Value, seen[k.Value])
		default:
			seen[k.Value] = k.Line
			field(k.Value, k, v)
		}
	}
}

func (p *configParser) str(v *yaml.Node, key string) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, "%s: want a string", key)
		return ""
	}
	if v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

func (p *configParser) config(doc *yaml.Node) *Config {
	cfg := &Config{}
	tzLine, jobsLine := doc.Line, doc.Line
	var jobs *yaml.Node
	p.mapping(doc, "schedule file", []string{"timezone", "lake", "input", "rulebook", "jobs"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "timezone":
			cfg.Timezone, tzLine = p.str(v, key), v.Line
		case "lake":
			cfg.Lake = p.str(v, key)
		case "input":
			cfg.Input = p.str(v, key)
		case "rulebook":
			cfg.Rulebook = p.str(v, key)
		case "jobs":
			jobs, jobsLine = v, k.Line
		}
	})
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	if loc, err := loadTimezone(cfg.Timezone); err != nil {
		p.errorf(tzLine, "%v", err)
	} else {
		cfg.Location = loc
	}
	if cfg.Lake == "" {
		p.errorf(doc.Line, "lake is required (the scheduler keeps its state there)")
	}
	switch {
	case jobs == nil || jobs.Tag == "!!null":
		p.errorf(jobsLine, "no jobs")
	case jobs.Kind != yaml.SequenceNode:
		p.errorf(jobs.Line, "jobs: want a list of {name, kind, schedule}")
	default:
		names := map[string]int{}
		for _, n := range jobs.Content {
			j := p.job(n)
			if j.Name == "" {
				continue
			}
			if first, dup := names[j.Name]; dup {
				p.errorf(j.Line, "job name %q already used on line %d", j.Name, first)
				continue
			}
			names[j.Name] = j.Line
			cfg.Jobs = append(cfg.Jobs, j)
		}
		if len(jobs.Content) == 0 {
			p.errorf(jobs.Line, "no jobs")
		}
	}
	return cfg
}

func (p *configParser) job(n *yaml.Node) Job {
	j := Job{Line: n.Line}
	kindLine, schedLine := n.Line, n.Line
	p.mapping(n, "job", []string{"name", "kind", "schedule"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			j.Name = p.str(v, key)
		case "kind":
			j.Kind, kindLine = Kind(p.str(v, key)), v.Line
		case "schedule":
			j.Schedule, schedLine = p.str(v, key), v.Line
		}
	})
	if n.Kind != yaml.MappingNode {
		return Job{}
	}
	label := "job"
	if j.Name == "" {
		p.errorf(n.Line, "job: name is required")
	} else {
		label = "job " + strconv.Quote(j.Name)
	}
	if err := checkKind(j.Kind); err != nil {
		p.errorf(kindLine, "%s: %v", label, err)
	}
	if s, err := parseSchedule(j.Schedule); err != nil {
		p.errorf(schedLine, "%s: %v", label, err)
	} else {
		j.sched = s
	}
	return j
}

// Validate checks a Config built by hand (Parse has done it for one read
// from a file) and fills Location and the parsed schedules.
func (c *Config) Validate() error {
	if c == nil {
		return errors.New("schedule: nil config")
	}
	var errs []error
	loc, err := loadTimezone(c.Timezone)
	if err != nil {
		errs = append(errs, fmt.Errorf("schedule: %w", err))
	}
	c.Location = loc
	if c.Lake == "" {
		errs = append(errs, errors.New("schedule: lake is required"))
	}
	if len(c.Jobs) == 0 {
		errs = append(errs, errors.New("schedule: no jobs"))
	}
	names := map[string]bool{}
	for i := range c.Jobs {
		j := &c.Jobs[i]
		switch {
		case j.Name == "":
			errs = append(errs, fmt.Errorf("schedule: job %d: name is required", i+1))
		case names[j.Name]:
			errs = append(errs, fmt.Errorf("schedule: job name %q used twice", j.Name))
		}
		names[j.Name] = true
		if err := checkKind(j.Kind); err != nil {
			errs = append(errs, fmt.Errorf("schedule: job %q: %w", j.Name, err))
		}
		s, err := parseSchedule(j.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule: job %q: %w", j.Name, err))
		}
		j.sched = s
	}
	return errors.Join(errs...)
}
