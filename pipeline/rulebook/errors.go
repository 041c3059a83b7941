package rulebook

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"tally/pipeline/date"
)

// Error is a refusal of the rulebook that names the file, line and key.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	Err  error // the cause, when the file could not be read; nil otherwise
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError turns a yaml.v3 decode error into an *Error with the file name
// and the first line it names.
func decodeError(file string, err error) error {
	var re *Error
	if errors.As(err, &re) {
		c := *re
		c.File = file
		return &c
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: file, Line: line, Msg: m[2]}
		}
		return &Error{File: file, Msg: msg}
	}
	return &Error{File: file, Msg: err.Error()}
}

var (
	typeOfRulebook  = reflect.TypeFor[Rulebook]()
	typeOfOverrides = reflect.TypeFor[overrides]()
	typeOfYAMLNode  = reflect.TypeFor[yaml.Node]()
	typeOfDate      = reflect.TypeFor[date.Date]()

	typeOfCapabilityRequirement = reflect.TypeFor[CapabilityRequirement]()
)

// overrides is the shape a program year's overrides may take: any rule
// parameter, and levels changed by id.
type overrides struct {
	Rules         `yaml:",inline"`
	Levels        map[string]Level        `yaml:"levels"`
	SolutionAreas map[string]areaOverride `yaml:"solution_areas"`
	Benefits      map[string]Benefit      `yaml:"benefits"`
}

// checkKeys refuses any mapping key that the Go type does not name, with its
// line, so a typo never silently falls back to a default.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string) error {
	k := keyChecker{file: file, seen: map[checked]bool{}}
	return k.check(n, t, path)
}

// keyChecker checks each node once per Go type: a node that aliases reach
// many times (`- *year` a thousand times, each year aliasing a thousand
// multipliers) is not walked again, so a small file cannot take hours.
type keyChecker struct {
	file string
	seen map[checked]bool
}

type checked struct {
	n *yaml.Node
	t reflect.Type
}

func (k *keyChecker) check(n *yaml.Node, t reflect.Type, path string) error {
	file := k.file
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || k.seen[checked{n, t}] {
		return nil
	}
	k.seen[checked{n, t}] = true
	switch {
	case t == typeOfDate && n.Kind == yaml.ScalarNode:
		if _, err := date.Parse(n.Value); err != nil {
			return &Error{File: file, Line: n.Line, Key: path, Msg: err.Error()}
		}
	case t == typeOfCapabilityRequirement:
		// Its keys are capability kinds as well as any_of and all_of: its
		// UnmarshalYAML reads them, and the validator checks the kinds.
		return nil
	case t == typeOfYAMLNode:
		// Only a year's overrides are raw nodes.
		return k.check(n, typeOfOverrides, path)
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i]
			ft, ok := fields[name.Value]
			key := join(path, name.Value)
			if !ok {
				return &Error{File: file, Line: name.Line, Key: key, Msg: "unknown key" + suggest(name.Value, fields)}
			}
			if err := k.check(n.Content[i+1], ft, key); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := k.check(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := k.check(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
		case opts == "inline":
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
		case f.IsExported():
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = f.Type
		}
	}
	return out
}

// suggest names a known key that differs from a typo by one edit.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for k := range sortedMap(fields) {
		if d := editDistance(k, key); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
