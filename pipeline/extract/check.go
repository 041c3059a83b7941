package extract

import (
	"fmt"
	"slices"
	"strings"

	"tally/pipeline/date"
	"tally/pipeline/decimal"
)

// rowCheck turns one record's values into typed fields. It keeps the first
// problem found; converters read columns in column order, so that is the
// first problem in column order. After a problem every call returns a zero
// value, which the caller drops with the row.
type rowCheck struct {
	rec   *record
	cols  []column
	fault fault
	mem   *arena
}

func (c *rowCheck) ok() bool { return c.fault.reason == "" }

func (c *rowCheck) fail(i int, reason, format string, args ...any) {
	if c.fault.reason == "" {
		c.fault = fault{reason: reason, detail: "column " + c.cols[i].name + ": " + fmt.Sprintf(format, args...)}
	}
}

// scalar is column i's text ("" for null); false once the row is rejected.
func (c *rowCheck) scalar(i int) (string, bool) {
	if !c.ok() {
		return "", false
	}
	v := &c.rec.vals[i]
	switch v.kind {
	case text:
		return v.text, true
	case null:
		if c.cols[i].required {
			c.fail(i, ReasonMissingValue, "a required value is empty")
			return "", false
		}
		return "", true
	case list:
		c.fail(i, ReasonBadType, "a list where one value belongs")
	default:
		c.fail(i, ReasonBadType, "%s where one value belongs", v.text)
	}
	return "", false
}

// str is a text value; "" when null.
func (c *rowCheck) str(i int) string {
	s, _ := c.scalar(i)
	return s
}

// optStr is a text value that may be null.
func (c *rowCheck) optStr(i int) *string {
	s, ok := c.scalar(i)
	if !ok || s == "" {
		return nil
	}
	return c.mem.string(s)
}

// upper is a text value in ASCII upper case (currency, country).
func (c *rowCheck) upper(i int) string {
	return strings.ToUpper(c.str(i)) // returns s itself when already upper case
}

// date is a YYYY-MM-DD value; ok is false when null or rejected.
func (c *rowCheck) date(i int) (int32, bool) {
	s, ok := c.scalar(i)
	if !ok || s == "" {
		return 0, false
	}
	d, err := date.Parse(s)
	if err != nil {
		c.fail(i, ReasonBadDate, "%q is not a YYYY-MM-DD calendar date", s)
		return 0, false
	}
	return int32(d), true
}

// optDate is a date that may be null.
func (c *rowCheck) optDate(i int) *int32 {
	d, ok := c.date(i)
	if !ok {
		return nil
	}
	return c.mem.date(d)
}

// decimal is a plain decimal with at most scale places, scaled.
func (c *rowCheck) decimal(i, scale int) (int64, bool) {
	s, ok := c.scalar(i)
	if !ok || s == "" {
		return 0, false
	}
	v, err := decimal.Parse(s, scale)
	if err != nil {
		c.fail(i, ReasonBadDecimal, "%q is not a plain decimal number with at most %d places", s, scale)
		return 0, false
	}
	return v, true
}

// boolean is true or false (in any case); null is def.
func (c *rowCheck) boolean(i int, def bool) bool {
	s, ok := c.scalar(i)
	switch {
	case !ok || s == "":
		return def
	case strings.EqualFold(s, "true"):
		return true
	case strings.EqualFold(s, "false"):
		return false
	}
	c.fail(i, ReasonBadBoolean, "%q is not true or false", s)
	return def
}

// oneOf is a value from a closed list; null is def ("" when there is no
// default, and then a required column has already failed).
func (c *rowCheck) oneOf(i int, allowed []string, def, reason string) string {
	s, ok := c.scalar(i)
	switch {
	case !ok:
		return ""
	case s == "":
		return def
	case slices.Contains(allowed, s):
		return s
	}
	c.fail(i, reason, "%q is not one of %s", s, strings.Join(allowed, ", "))
	return ""
}

// member is a value that must be in a set (has); what names the set in
// the message.
func (c *rowCheck) member(i int, has func(string) bool, reason, what string) string {
	s := c.str(i)
	if s != "" && !has(s) {
		c.fail(i, reason, "%q is not %s", s, what)
		return ""
	}
	return s
}

// list is a list value: an array, or ';'-separated text. Blank elements are
// dropped; an empty list is null.
func (c *rowCheck) list(i int) []string {
	if !c.ok() {
		return nil
	}
	v := &c.rec.vals[i]
	switch v.kind {
	case list:
		if len(v.list) == 0 {
			return nil
		}
		return v.list
	case text:
		return c.mem.split(v.text)
	case badType:
		c.fail(i, ReasonBadType, "%s where a list belongs", v.text)
	}
	return nil
}

// notBefore rejects an end date before its start date; end is column i,
// start column j.
func (c *rowCheck) notBefore(i int, end *int32, j int, start int32) {
	if end != nil && *end < start {
		c.fail(i, ReasonEndBeforeStart, "%s is before %s %s", date.Date(*end), c.cols[j].name, date.Date(start))
	}
}

// required fails column i when a condition makes its value required.
func (c *rowCheck) required(i int, v *int32, why string) {
	if v == nil {
		c.fail(i, ReasonMissingValue, "a value is required when %s", why)
	}
}

// arena hands out the pointers and slices of one batch of rows, so a row
// costs no allocations of its own. It is reset once the batch is written.
type arena struct {
	dates   []int32
	strings []string
	parts   []string
}

func (a *arena) reset() {
	a.dates, a.strings, a.parts = a.dates[:0], a.strings[:0], a.parts[:0]
}

// date returns a pointer to a copy of d. Earlier pointers stay valid when
// append moves the slice: they keep the old array alive.
func (a *arena) date(d int32) *int32 {
	a.dates = append(a.dates, d)
	return &a.dates[len(a.dates)-1]
}

func (a *arena) string(s string) *string {
	a.strings = append(a.strings, s)
	return &a.strings[len(a.strings)-1]
}

// split reads a ';'-separated CSV list.
func (a *arena) split(s string) []string {
	start := len(a.parts)
	for s != "" {
		part, rest, _ := strings.Cut(s, ";")
		if part = trimSpace(part); part != "" {
			a.parts = append(a.parts, part)
		}
		s = rest
	}
	if len(a.parts) == start {
		return nil
	}
	return a.parts[start:len(a.parts):len(a.parts)]
}
