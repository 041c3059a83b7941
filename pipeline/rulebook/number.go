package rulebook

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"tally/pipeline/decimal"
)

// Scale is the number of decimal places a rulebook number may carry.
const Scale = 9

// Number is an exact rulebook decimal (a bonus of 0.50, a threshold of
// 27000). It keeps its scaled value so comparisons never use floats, and is
// handed to DuckDB as DECIMAL(18,9).
type Number struct {
	Scaled int64 // value * 10^Scale
	set    bool
}

// MustNumber reads a literal; it panics on bad text (defaults and tests).
func MustNumber(s string) Number {
	v, err := decimal.Parse(s, Scale)
	if err != nil {
		panic(err)
	}
	return Number{Scaled: v, set: true}
}

// IsSet tells whether the rulebook gave the number.
func (n Number) IsSet() bool { return n.set }

// String is the number as plain decimal text with Scale places.
func (n Number) String() string { return decimal.Format(n.Scaled, Scale) }

// MarshalText lets JSON and YAML writers print the number.
func (n Number) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

func (n *Number) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.ScalarNode {
		return &Error{Line: node.Line, Msg: "want a number"}
	}
	v, err := decimal.Parse(node.Value, Scale)
	if err != nil {
		return &Error{Line: node.Line, Msg: fmt.Sprintf("want a plain decimal number with at most %d places: %v", Scale, err)}
	}
	*n = Number{Scaled: v, set: true}
	return nil
}
