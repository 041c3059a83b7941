package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// jsonKind is the kind of a JSONL top-level value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonArray  // of scalars: list holds them as text
	jsonNested // an object, or an array holding null, an object or an array
)

// jsonField is one top-level value of a JSONL object.
type jsonField struct {
	kind jsonKind
	text string   // strings unescaped, numbers and booleans as written
	list []string // jsonArray
	what string   // jsonNested: what it is, for the reject's detail
}

// jsonScanner reads one JSONL line: a JSON object whose values are scalars
// or arrays of scalars. It is strict JSON (RFC 8259), as encoding/json is,
// but keeps numbers as their text and makes no garbage for plain strings:
// they are slices of the line. Deeper values are checked for syntax and
// reported as nested.
type jsonScanner struct {
	s string
	i int
}

var errDepth = errors.New("nested too deep")

// maxDepth bounds nesting inside a value, as encoding/json's does.
const maxDepth = 10000

// object scans the line, calling field for each key (in order; a repeated
// key is seen twice). It fails unless the line is exactly one object.
func (p *jsonScanner) object(line string, field func(key string, v jsonField)) error {
	p.s, p.i = line, 0
	if !utf8.ValidString(line) {
		return errors.New("not UTF-8 text")
	}
	p.space()
	if !p.eat('{') {
		return p.want("an object")
	}
	p.space()
	if !p.eat('}') {
		for {
			p.space()
			key, err := p.string()
			if err != nil {
				return err
			}
			p.space()
			if !p.eat(':') {
				return p.want("':'")
			}
			p.space()
			v, err := p.value()
			if err != nil {
				return err
			}
			field(key, v)
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return p.want("',' or '}'")
		}
	}
	p.space()
	if p.i < len(p.s) {
		return p.want("the end of the line after the object")
	}
	return nil
}

func (p *jsonScanner) want(what string) error {
	if p.i >= len(p.s) {
		return fmt.Errorf("want %s at the end of the line", what)
	}
	return fmt.Errorf("want %s at byte %d", what, p.i+1)
}

func (p *jsonScanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScanner) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value reads a top-level value: a scalar, an array of scalars, or
// something nested.
func (p *jsonScanner) value() (jsonField, error) {
	if p.i >= len(p.s) {
		return jsonField{}, p.want("a value")
	}
	switch p.s[p.i] {
	case '{':
		if err := p.skip(0); err != nil {
			return jsonField{}, err
		}
		return jsonField{kind: jsonNested, what: "a JSON object"}, nil
	case '[':
		return p.array()
	}
	return p.scalar()
}

func (p *jsonScanner) array() (jsonField, error) {
	start := p.i
	p.i++ // [
	f := jsonField{kind: jsonArray}
	p.space()
	if p.eat(']') {
		return f, nil
	}
	for {
		p.space()
		if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '{') {
			// check the rest of the array, then call it nested
			p.i = start
			if err := p.skip(0); err != nil {
				return jsonField{}, err
			}
			return jsonField{kind: jsonNested, what: "a JSON array holding arrays or objects"}, nil
		}
		e, err := p.scalar()
		if err != nil {
			return jsonField{}, err
		}
		if e.kind == jsonNull {
			f.kind, f.what = jsonNested, "a JSON array holding null"
		}
		f.list = append(f.list, e.text)
		p.space()
		if p.eat(',') {
			continue
		}
		if p.eat(']') {
			if f.kind == jsonNested {
				f.list = nil
			}
			return f, nil
		}
		return jsonField{}, p.want("',' or ']'")
	}
}

// scalar reads a string, number, true, false or null.
func (p *jsonScanner) scalar() (jsonField, error) {
	if p.i >= len(p.s) {
		return jsonField{}, p.want("a value")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		s, err := p.string()
		return jsonField{kind: jsonString, text: s}, err
	case c == '-' || '0' <= c && c <= '9':
		s, err := p.number()
		return jsonField{kind: jsonNumber, text: s}, err
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return jsonField{kind: jsonBool, text: "true"}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return jsonField{kind: jsonBool, text: "false"}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return jsonField{kind: jsonNull}, nil
	}
	return jsonField{}, p.want("a value")
}

// string reads a JSON string. Without escapes it is a slice of the line;
// with them encoding/json unescapes it.
func (p *jsonScanner) string() (string, error) {
	if !p.eat('"') {
		return "", p.want("a string")
	}
	start, escaped := p.i, false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !escaped {
				return p.s[start : p.i-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(p.s[start-1:p.i]), &s); err != nil {
				return "", fmt.Errorf("bad string at byte %d: %w", start, err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			if p.i+1 >= len(p.s) {
				return "", p.want("an escaped character")
			}
			switch p.s[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.s) || !isHex(p.s[p.i+2:p.i+6]) {
					return "", p.want("four hex digits after \\u")
				}
				p.i += 6
			default:
				return "", p.want("a valid escape")
			}
		case c < 0x20:
			return "", p.want("no control character in a string")
		default:
			p.i++
		}
	}
	return "", p.want("'\"'")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a JSON number and returns its text.
func (p *jsonScanner) number() (string, error) {
	start := p.i
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.i < len(p.s) && '1' <= p.s[p.i] && p.s[p.i] <= '9':
		p.digits()
	default:
		return "", p.want("a digit")
	}
	if p.eat('.') {
		if p.digits() == 0 {
			return "", p.want("a digit after '.'")
		}
	}
	if p.eat('e') || p.eat('E') {
		if !p.eat('+') {
			p.eat('-')
		}
		if p.digits() == 0 {
			return "", p.want("a digit in the exponent")
		}
	}
	return p.s[start:p.i], nil
}

func (p *jsonScanner) digits() int {
	n := 0
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// skip checks and passes over any value.
func (p *jsonScanner) skip(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	p.space()
	if p.i >= len(p.s) {
		return p.want("a value")
	}
	open := p.s[p.i]
	if open != '{' && open != '[' {
		_, err := p.scalar()
		return err
	}
	p.i++
	p.space()
	if open == '{' && p.eat('}') || open == '[' && p.eat(']') {
		return nil
	}
	for {
		p.space()
		if open == '{' {
			if _, err := p.string(); err != nil {
				return err
			}
			p.space()
			if !p.eat(':') {
				return p.want("':'")
			}
		}
		if err := p.skip(depth + 1); err != nil {
			return err
		}
		p.space()
		if p.eat(',') {
			continue
		}
		if open == '{' && p.eat('}') || open == '[' && p.eat(']') {
			return nil
		}
		return p.want("',' or a closing bracket")
	}
}
