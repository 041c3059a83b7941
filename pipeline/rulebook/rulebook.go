// Package rulebook reads the program's rulebook (YAML) into a checked Go
// value. Every number the rules use is a rulebook parameter; nothing here
// computes points. A rulebook that is not valid is refused with the file,
// line and key, and nothing runs.
package rulebook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"tally/pipeline/configfile"
	"tally/pipeline/date"
)

// ErrInvalid is wrapped by every error about the rulebook's content.
var ErrInvalid = errors.New("invalid rulebook")

// Business models a partner may be registered in (CONTRACT.md).
var BusinessModels = []string{"solution_reseller", "cloud_services_provider", "solution_services", "solution_builder"}

// CapabilityKinds are the kinds of capability (CONTRACT.md, RULES.md section 5).
var CapabilityKinds = []string{"solution_competency", "master_services_competency", "accreditation", "specialization", "validated_service_offering"}

// Terminated is the level of a partner whose partnership has ended. It is
// reserved: no rulebook level may use the name.
const Terminated = "terminated"

// MaxLevels is the most levels a rulebook may have: the level models keep
// the levels a partner's capabilities meet as the bits of one 64-bit number
// (sql/111_capability_states.sql).
const MaxLevels = 64

// ReenrollmentFee is the requirement a partner completes to be reinstated in
// the second audit window (RULES.md section 8).
const ReenrollmentFee = "reenrollment_fee"

// Rulebook is the whole program definition.
type Rulebook struct {
	Program      string        `yaml:"program"`
	LicenseTypes []string      `yaml:"license_types"`
	ProgramYears []ProgramYear `yaml:"program_years"`
	// Rules are the rule parameters that a program year may override.
	Rules                    `yaml:",inline"`
	Levels                   []Level    `yaml:"levels"`
	FoundationalRequirements []string   `yaml:"foundational_requirements"`
	Audit                    Audit      `yaml:"audit"`
	Renewal                  Renewal    `yaml:"renewal"`
	Migration                *Migration `yaml:"migration"`
	// BusinessModelAttribution says which business model each ledger row
	// belongs to, for reporting (RULES.md section 12): the first entry whose
	// conditions hold; none: unattributed.
	BusinessModelAttribution []Attribution `yaml:"business_model_attribution"`
	// SolutionAreas and Benefits are optional (RULES.md sections 14 and 15;
	// designations.go); a program year's overrides change them by id.
	SolutionAreas []SolutionArea `yaml:"solution_areas"`
	Benefits      []Benefit      `yaml:"benefits"`

	// Path and SHA256 identify the file the rulebook was read from; Text is
	// its content, which each snapshot keeps a copy of.
	Path   string `yaml:"-"`
	SHA256 string `yaml:"-"`
	Text   []byte `yaml:"-"`

	years map[string]Rules
}

// Rules are the parameters that compute points and levels. Each program year
// has its own copy after its overrides (see Year).
type Rules struct {
	PointsPerUSD     Number            `yaml:"points_per_usd"`
	Multipliers      []Multiplier      `yaml:"multipliers"`
	PerpetualCap     PerpetualCap      `yaml:"perpetual_cap"`
	LifecyclePoints  map[string]Number `yaml:"lifecycle_points"`
	CapabilityPoints map[string]Number `yaml:"capability_points"`
	Influence        Influence         `yaml:"influence"`
	// Levels is filled from the rulebook's levels; overrides change it by id.
	Levels []Level `yaml:"-"`
	// SolutionAreas and Benefits likewise, from the rulebook's.
	SolutionAreas []SolutionArea `yaml:"-"`
	Benefits      []Benefit      `yaml:"-"`
}

// ProgramYear is one program year; its dates are inclusive.
type ProgramYear struct {
	ID        string    `yaml:"id"`
	StartsOn  date.Date `yaml:"starts_on"`
	EndsOn    date.Date `yaml:"ends_on"`
	AuditOn   date.Date `yaml:"audit_on"`
	Overrides yaml.Node `yaml:"overrides"`
	Line      int       `yaml:"-"`
}

// Multiplier adds bonus*base points to a booking that matches When.
type Multiplier struct {
	ID    string     `yaml:"id"`
	Bonus Number     `yaml:"bonus"`
	When  Conditions `yaml:"when"`
	Line  int        `yaml:"-"`
}

// Conditions must all hold (AND across keys); a list matches any of its
// values (OR within a list). An empty list or nil is no condition.
type Conditions struct {
	LicenseTypes   []string `yaml:"license_types"`
	Tags           []string `yaml:"tags"`
	Solutions      []string `yaml:"solutions"`
	Countries      []string `yaml:"countries"`
	EmergingMarket *bool    `yaml:"emerging_market"`
	BusinessModels []string `yaml:"business_models"`
	ProgramYears   []string `yaml:"program_years"`
}

// Attribution gives the ledger rows whose event meets When to
// BusinessModel, if the partner is registered in it on the event's day.
type Attribution struct {
	BusinessModel string                `yaml:"business_model"`
	When          AttributionConditions `yaml:"when"`
	Line          int                   `yaml:"-"`
}

// AttributionConditions are a multiplier's conditions (but business_models,
// which an attribution has of its own) and the sources of the rows.
type AttributionConditions struct {
	Conditions `yaml:",inline"`
	Sources    []string `yaml:"sources"`
}

// Sources are the ledger's sources (CONTRACT.md points_ledger).
var Sources = []string{"booking", "oem_credit", "lifecycle", "influence"}

// Unattributed is the business model of a ledger row no attribution takes.
const Unattributed = "unattributed"

// PerpetualCap limits the points of some license types per partner and year.
type PerpetualCap struct {
	LicenseTypes    []string `yaml:"license_types"`
	MaxPoints       Number   `yaml:"max_points"`
	ExemptCountries []string `yaml:"exempt_countries"`
}

// Influence parameters (RULES.md section 4).
type Influence struct {
	Rate                Number `yaml:"rate"`
	WindowYears         int    `yaml:"window_years"`
	CompletionClaimDays int    `yaml:"completion_claim_days"`
}

// Level is one partner level and what it requires.
type Level struct {
	ID                   string         `yaml:"id"`
	GoodStanding         bool           `yaml:"good_standing"`
	MinPerformancePoints Number         `yaml:"min_performance_points"`
	MinCapabilityPoints  Number         `yaml:"min_capability_points"`
	RequiredCapabilities map[string]int `yaml:"required_capabilities"`
	Line                 int            `yaml:"-"`
}

// Audit parameters (RULES.md sections 8 and 10).
type Audit struct {
	RemediationDays  int    `yaml:"remediation_days"`
	ReenrollDays     int    `yaml:"reenroll_days"`
	ReenrollFeeUSD   Number `yaml:"reenroll_fee_usd"`
	NotifyDaysBefore []int  `yaml:"notify_days_before"`
}

// Renewal reminders (RULES.md section 10).
type Renewal struct {
	NotifyDaysBefore []int `yaml:"notify_days_before"`
}

// Migration into the new program (RULES.md section 9).
type Migration struct {
	On      date.Date         `yaml:"on"`
	BasedOn string            `yaml:"based_on"`
	Protect map[string]string `yaml:"protect"`
	Line    int               `yaml:"-"`
}

func (p *ProgramYear) UnmarshalYAML(n *yaml.Node) error {
	type plain ProgramYear
	p.Line = n.Line
	return n.Decode((*plain)(p))
}

func (m *Multiplier) UnmarshalYAML(n *yaml.Node) error {
	type plain Multiplier
	m.Line = n.Line
	return n.Decode((*plain)(m))
}

func (a *Attribution) UnmarshalYAML(n *yaml.Node) error {
	type plain Attribution
	a.Line = n.Line
	return n.Decode((*plain)(a))
}

func (l *Level) UnmarshalYAML(n *yaml.Node) error {
	type plain Level
	l.Line = n.Line
	return n.Decode((*plain)(l))
}

func (m *Migration) UnmarshalYAML(n *yaml.Node) error {
	type plain Migration
	m.Line = n.Line
	return n.Decode((*plain)(m))
}

// defaults are the values RULES.md gives when the rulebook is silent.
func defaults() Rulebook {
	return Rulebook{
		Rules: Rules{
			PointsPerUSD: MustNumber("0.001"),
			Influence:    Influence{Rate: MustNumber("1.0"), WindowYears: 2, CompletionClaimDays: 30},
		},
		Audit:   Audit{RemediationDays: 90, ReenrollDays: 120, ReenrollFeeUSD: MustNumber("995"), NotifyDaysBefore: []int{90, 60, 30}},
		Renewal: Renewal{NotifyDaysBefore: []int{60, 30, 15}},
	}
}

// Load reads and checks the rulebook at path. A path that cannot be read,
// or is not a regular file (a symbolic link, FIFO or device:
// configfile.Read), is refused as an invalid rulebook.
func Load(path string) (*Rulebook, error) {
	data, err := configfile.Read(path)
	if err != nil {
		reason := strings.TrimPrefix(err.Error(), path+": ")
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			reason = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot be read: " + reason, Err: err}
	}
	return Parse(path, data)
}

// Parse checks the rulebook text; name is used in messages.
func Parse(name string, data []byte) (*Rulebook, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{File: name, Msg: "not YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: max(doc.Line, 1), Msg: "the rulebook must be a mapping of keys (program, license_types, program_years, ...)"}
	}
	if err := secondDocument(name, dec); err != nil {
		return nil, err
	}
	if err := checkKeys(name, doc.Content[0], typeOfRulebook, ""); err != nil {
		return nil, err
	}
	rb := defaults()
	if err := doc.Content[0].Decode(&rb); err != nil {
		return nil, decodeError(name, err)
	}
	rb.Path, rb.Text = name, bytes.Clone(data)
	sum := sha256.Sum256(data)
	rb.SHA256 = hex.EncodeToString(sum[:])
	rb.Rules.Levels = rb.Levels
	rb.Rules.SolutionAreas = rb.SolutionAreas
	rb.Rules.Benefits = rb.Benefits
	v := &validator{file: name, root: doc.Content[0], rb: &rb}
	v.rulebook()
	if v.err != nil {
		return nil, v.err
	}
	rb.years = map[string]Rules{}
	for _, y := range rb.ProgramYears {
		r, err := rb.resolve(name, y)
		if err != nil {
			return nil, err
		}
		v.rules(r, fmt.Sprintf("program_years[%s].overrides", y.ID), y.Line)
		if v.err != nil {
			return nil, v.err
		}
		rb.years[y.ID] = r
	}
	return &rb, nil
}

// secondDocument refuses a second YAML document after the rulebook's: it
// would be silently ignored. A bare "---" at the end, with nothing after
// it, is not one.
func secondDocument(name string, dec *yaml.Decoder) error {
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return &Error{File: name, Msg: "not YAML after the first document: " + err.Error()}
	}
	if len(next.Content) == 1 && next.Content[0].Kind == yaml.ScalarNode && next.Content[0].Tag == "!!null" && next.Content[0].Value == "" {
		return nil
	}
	return &Error{File: name, Line: next.Line, Msg: "a second YAML document starts here; the rulebook is one document (remove the \"---\" line or merge the two)"}
}

// Year returns the rules in force in program year id, after its overrides.
func (rb *Rulebook) Year(id string) Rules {
	return rb.years[id]
}

// YearOf returns the program year that contains d.
func (rb *Rulebook) YearOf(d date.Date) (ProgramYear, bool) {
	for _, y := range rb.ProgramYears {
		if y.StartsOn <= d && d <= y.EndsOn {
			return y, true
		}
	}
	return ProgramYear{}, false
}

// ProgramYear returns the year with the given id.
func (rb *Rulebook) ProgramYear(id string) (ProgramYear, bool) {
	for _, y := range rb.ProgramYears {
		if y.ID == id {
			return y, true
		}
	}
	return ProgramYear{}, false
}

// LifecycleActivities is every activity some program year gives points for.
func (rb *Rulebook) LifecycleActivities() []string {
	seen := map[string]bool{}
	for _, r := range rb.years {
		for a := range r.LifecyclePoints {
			seen[a] = true
		}
	}
	for a := range rb.LifecyclePoints {
		seen[a] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// LevelIDs lists the level ids, lowest first.
func (rb *Rulebook) LevelIDs() []string {
	ids := make([]string, len(rb.Levels))
	for i, l := range rb.Levels {
		ids[i] = l.ID
	}
	return ids
}

// resolve applies a year's overrides to a copy of the rulebook's rules: a
// mapping merges key by key, a list replaces the whole list, and levels are
// changed by id (RULES.md section 1).
func (rb *Rulebook) resolve(file string, y ProgramYear) (Rules, error) {
	r := rb.Rules.clone()
	if y.Overrides.Kind == 0 {
		return r, nil
	}
	if y.Overrides.Kind != yaml.MappingNode {
		return r, &Error{File: file, Line: y.Overrides.Line, Key: "program_years[" + y.ID + "].overrides", Msg: "overrides must be a mapping"}
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(y.Overrides.Content); i += 2 {
		k, val := y.Overrides.Content[i], y.Overrides.Content[i+1]
		switch k.Value {
		case "solution_areas":
			if err := r.overrideAreas(file, y.ID, val); err != nil {
				return r, err
			}
			continue
		case "benefits":
			if err := r.overrideBenefits(file, y.ID, val); err != nil {
				return r, err
			}
			continue
		}
		if k.Value != "levels" {
			rest.Content = append(rest.Content, k, val)
			continue
		}
		for j := 0; j+1 < len(val.Content); j += 2 {
			id := val.Content[j].Value
			idx := slices.IndexFunc(r.Levels, func(l Level) bool { return l.ID == id })
			if idx < 0 {
				return r, &Error{File: file, Line: val.Content[j].Line, Key: "program_years[" + y.ID + "].overrides.levels." + id, Msg: "no such level"}
			}
			l := r.Levels[idx]
			l.RequiredCapabilities = maps.Clone(l.RequiredCapabilities)
			if err := val.Content[j+1].Decode(&l); err != nil {
				return r, decodeError(file, err)
			}
			l.ID = id
			r.Levels[idx] = l
		}
	}
	if err := rest.Decode(&r); err != nil {
		return r, decodeError(file, err)
	}
	return r, nil
}

func (r Rules) clone() Rules {
	c := r
	c.Multipliers = slices.Clone(r.Multipliers)
	c.PerpetualCap.LicenseTypes = slices.Clone(r.PerpetualCap.LicenseTypes)
	c.PerpetualCap.ExemptCountries = slices.Clone(r.PerpetualCap.ExemptCountries)
	c.LifecyclePoints = maps.Clone(r.LifecyclePoints)
	c.CapabilityPoints = maps.Clone(r.CapabilityPoints)
	c.Levels = slices.Clone(r.Levels)
	c.SolutionAreas = slices.Clone(r.SolutionAreas)
	c.Benefits = slices.Clone(r.Benefits)
	return c
}
