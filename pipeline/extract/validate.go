package extract

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The validation of one table is SQL over the staged rows (see staged):
// a view, checked_<table>, that gives each row its values as text, its
// typed values, its key and its first failing check (_fault, NULL when it
// passes), in the order of table.checks. Duplicate keys are found by a
// GROUP BY on the key (dups_<table>), exactly; final_<table> adds them.
// Rows whose key is also on another row are rejected, every copy: the
// first copy names the second, every later copy the first (a copy with a
// problem of its own is rejected for that problem).
//
// Names in the SQL: v:<col> is a column's text, trimmed, NULL when empty
// (a list column: its list, NULL when empty); b:<col> what a typed source
// found wrong with it (JSONL: an object where text belongs); d:<col> a date
// column's date; ok:<col> and x:<col> whether a decimal column's text is a
// plain decimal with at most its places, and its value; u:<col> an
// upper-cased column's text in upper case.

// staged is where the rows of one table wait to be checked: a relation
// (rel) with, for each table column the input has, an expression giving
// its text, and with _n (the row number), _malformed and
// _malformed_reason (NULL, or why the row is no record at all) unless
// numbered is false (CSV: the row number is then the place of the row in
// values_<table>, see csv.go).
type staged struct {
	rel      string               // the FROM item holding the rows: a table, or read_csv(...)
	numbered bool                 // rel has _n, _malformed and _malformed_reason
	cols     map[string]stagedCol // table column -> how it is read; absent columns are missing
	keep     []string             // more select items values_<table> keeps (what raw reads)
	raw      string               // SQL over rawRel: the row as read (a CSV line, a JSON object)
	rawRel   string               // the relation raw reads, with _n; "" = rows_<table>
	refused  []Reject             // rows the reader could not read as records (CSV), rejected as malformed
	rows     int64                // rows read as records
	input    *inputFile           // the file read, if any: named in read errors

	// number, when rel is not numbered, makes rows_<table> once
	// values_<table> is made, and counts rows and refused
	number func(ctx context.Context) error
	sorted bool // rows_<table> may not give the rows in row order (number made it with a join)
}

// stagedCol is how a table column is read from the staged relation.
type stagedCol struct {
	expr  string // SQL giving VARCHAR (or VARCHAR[] when array), as read: not yet trimmed
	array bool   // a list column read as a list (JSONL, Parquet, PostgreSQL) rather than ';'-separated text
	bad   string // SQL giving STRUCT(reason, detail) when the source found the value unusable (JSONL types); "" when it never does
}

// ident quotes a name for SQL.
func ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// lit is a SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func v(col string) string  { return ident("v:" + col) }
func d(col string) string  { return ident("d:" + col) }
func x(col string) string  { return ident("x:" + col) }
func ok(col string) string { return ident("ok:" + col) }
func u(col string) string  { return ident("u:" + col) }

// fault is a SQL struct of a reason and a detail about column col; detail
// is SQL.
func fault(reason, col, detail string) string {
	return fmt.Sprintf("{'reason': %s, 'detail': %s || %s}", lit(reason), lit("column "+col+": "), detail)
}

// valuesSQL makes values_<table>, the rows with their values, parsed once:
// the text of every column, its date, decimal and upper-case forms, and
// the row's key.
func valuesSQL(t *table, s *staged) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE OR REPLACE TABLE %s AS\nWITH s AS (\n  SELECT ", ident("values_"+t.name))
	items := append(slices.Clone(s.keep), "false AS _rejected")
	if s.numbered {
		items = append(items, "_n", "_malformed", "_malformed_reason")
	}
	b.WriteString(strings.Join(items, ", "))
	for _, c := range t.cols {
		sc, present := s.cols[c.name]
		switch {
		case !present:
			fmt.Fprintf(&b, ",\n    NULL::VARCHAR AS %s", v(c.name))
		case c.list && sc.array:
			fmt.Fprintf(&b, ",\n    CASE WHEN len(%s) > 0 THEN tally_list(%s) END AS %s", sc.expr, sc.expr, v(c.name))
		default:
			fmt.Fprintf(&b, ",\n    tally_text(%s) AS %s", sc.expr, v(c.name))
		}
		if present && sc.bad != "" {
			fmt.Fprintf(&b, ",\n    %s AS %s", sc.bad, ident("b:"+c.name))
		}
	}
	fmt.Fprintf(&b, "\n  FROM %s\n), p AS (\n  SELECT s.*", s.rel)
	malformed := "_malformed IS NULL"
	if !s.numbered {
		malformed = "true"
	}
	for _, c := range t.cols {
		switch {
		case c.typ == dateType:
			fmt.Fprintf(&b, ",\n    tally_date(%s) AS %s", v(c.name), d(c.name))
		case c.typ == decimalType:
			// a plain decimal (an optional sign, digits, an optional point and
			// digits; no exponent) with at most scale places once trailing zeros go
			fmt.Fprintf(&b, ",\n    regexp_full_match(%s, '[+-]?([0-9]+([.][0-9]{0,%d}0*)?|[.][0-9]{0,%d}0*)') AS %s",
				v(c.name), scale(c.name), scale(c.name), ok(c.name))
			// x: the value when it is within the column's bound (checkRange):
			// exactly what its DECIMAL(18,scale) holds, so the cast fails beyond it
			fmt.Fprintf(&b, ",\n    CASE WHEN %s THEN try_cast(%s AS DECIMAL(18,%d)) END AS %s", ok(c.name), v(c.name), scale(c.name), x(c.name))
		}
		if c.upper {
			fmt.Fprintf(&b, ",\n    upper(%s) AS %s", v(c.name), u(c.name))
		}
	}
	// the key's text, and whether it is complete (every value present)
	var parts, present, absent []string
	for _, k := range t.key {
		e := v(k)
		if t.column(k).upper {
			e = u(k)
		}
		parts = append(parts, "coalesce("+e+", '')")
		present = append(present, e+" IS NOT NULL")
		absent = append(absent, e+" IS NULL")
	}
	if len(parts) == 1 {
		fmt.Fprintf(&b, ",\n    %s AS _key", parts[0])
	} else {
		fmt.Fprintf(&b, ",\n    CASE WHEN %s THEN '' ELSE concat_ws('|', %s) END AS _key", strings.Join(absent, " AND "), strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ",\n    %s AND %s AS _keyed", strings.Join(present, " AND "), malformed)
	b.WriteString("\n  FROM s\n)\nSELECT * FROM p")
	return b.String()
}

// checkedSQL is the view of t's rows (rows_<table>: values_<table> with
// row numbers) with their first fault.
func checkedSQL(t *table, s *staged) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s AS\nSELECT p.*, ", ident("checked_"+t.name))
	if len(t.checks) > 0 {
		var steps []string
		steps = append(steps, "CASE WHEN _malformed IS NOT NULL THEN {'reason': _malformed_reason, 'detail': _malformed} END")
		for _, c := range t.checks {
			steps = append(steps, checkSQL(t, s, c))
		}
		fmt.Fprintf(&b, "coalesce(\n    %s) AS _fault", strings.Join(steps, ",\n    "))
	}
	fmt.Fprintf(&b, "\nFROM %s p", ident("rows_"+t.name))
	for _, c := range t.checks {
		switch c.kind {
		case checkPartner:
			fmt.Fprintf(&b, "\nLEFT JOIN extract_partners ep ON ep.partner_id = p.%s", v(c.col))
		case checkCurrency:
			fmt.Fprintf(&b, "\nLEFT JOIN extract_fx fx ON fx.currency = p.%s", u(c.col))
		}
	}
	return b.String()
}

// checkSQL is one check as a CASE giving its fault, NULL when it passes.
func checkSQL(t *table, s *staged, c check) string {
	col := t.column(c.col)
	when := func(cond, reason, detail string) string {
		return fmt.Sprintf("CASE WHEN %s THEN %s END", cond, fault(reason, c.col, detail))
	}
	switch c.kind {
	case checkValue:
		var steps []string
		if sc, present := s.cols[c.col]; present && sc.bad != "" {
			b := ident("b:" + c.col)
			steps = append(steps, fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN {'reason': %s.reason, 'detail': %s || %s.detail} END", b, b, lit("column "+c.col+": "), b))
		}
		if col.required {
			steps = append(steps, when(v(c.col)+" IS NULL", ReasonMissingValue, lit("a required value is empty")))
		}
		switch col.typ {
		case dateType:
			steps = append(steps, when(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", v(c.col), d(c.col)), ReasonBadDate,
				fmt.Sprintf("tally_quote(%s) || ' is not a YYYY-MM-DD calendar date'", v(c.col))))
		case decimalType:
			steps = append(steps, when(fmt.Sprintf("%s IS NOT NULL AND NOT %s", v(c.col), ok(c.col)), ReasonBadDecimal,
				fmt.Sprintf("tally_quote(%s) || ' is not a plain decimal number with at most %d places'", v(c.col), scale(c.col))))
		case booleanType:
			steps = append(steps, when(fmt.Sprintf("%s IS NOT NULL AND lower(%s) NOT IN ('true', 'false')", v(c.col), v(c.col)), ReasonBadBoolean,
				fmt.Sprintf("tally_quote(%s) || ' is not true or false'", v(c.col))))
		}
		if len(steps) == 0 {
			return "NULL"
		}
		return "coalesce(" + strings.Join(steps, ", ") + ")"
	case checkCountry:
		return when(fmt.Sprintf("NOT regexp_full_match(%s, '[A-Za-z]{2}')", v(c.col)), ReasonBadCountry,
			fmt.Sprintf("tally_quote(%s) || ' is not a two-letter ISO 3166 country code'", v(c.col)))
	case checkOneOf:
		return when(fmt.Sprintf("NOT list_contains(%s, %s)", setSQL(c.set), v(c.col)), c.reason,
			fmt.Sprintf("tally_quote(%s) || ' is not one of ' || array_to_string(%s, ', ')", v(c.col), setSQL(c.set)))
	case checkRuleName:
		what := map[string]string{"license_types": "a license type in the rulebook", "activities": "a lifecycle activity in the rulebook"}[c.set]
		return when(fmt.Sprintf("NOT list_contains(%s, %s)", setSQL(c.set), v(c.col)), c.reason,
			fmt.Sprintf("tally_quote(%s) || %s", v(c.col), lit(" is not "+what)))
	case checkPartner:
		return when(fmt.Sprintf("%s IS NOT NULL AND ep.partner_id IS NULL", v(c.col)), ReasonUnknownPartner,
			fmt.Sprintf("tally_quote(%s) || ' is not an accepted partner_id'", v(c.col)))
	case checkCurrency:
		return when(fmt.Sprintf("%s <> 'USD' AND (fx.currency IS NULL OR fx.first_from > %s)", u(c.col), d(c.other)), ReasonNoFXRate,
			fmt.Sprintf("'no fx_rates row for ' || tally_quote(%s) || ' valid on or before ' || CAST(%s AS VARCHAR)", u(c.col), d(c.other)))
	case checkNegative:
		return when(fmt.Sprintf("%s AND CASE WHEN %s IS NULL THEN starts_with(%s, '-') ELSE %s < 0 END", ok(c.col), x(c.col), v(c.col), x(c.col)),
			ReasonNegativeTCV, fmt.Sprintf("tally_quote(%s) || ' is negative'", v(c.col)))
	case checkNonPositive:
		return when(fmt.Sprintf("%s AND CASE WHEN %s IS NULL THEN starts_with(%s, '-') ELSE %s <= 0 END", ok(c.col), x(c.col), v(c.col), x(c.col)),
			ReasonNonpositiveRate, fmt.Sprintf("tally_quote(%s) || ' is not positive'", v(c.col)))
	case checkRange:
		return when(fmt.Sprintf("%s AND %s IS NULL", ok(c.col), x(c.col)), ReasonOutOfRange,
			fmt.Sprintf("tally_quote(%s) || %s", v(c.col), lit(" is out of range: want less than "+limit(c.col))))
	case checkRangeUSD:
		// in DOUBLE: the bound is far from where a double loses a millionth
		usd := fmt.Sprintf("CAST(%s AS DOUBLE) * CAST(fx.max_rate AS DOUBLE)", x(c.col))
		return when(fmt.Sprintf("%s <> 'USD' AND %s >= %s", u(c.other), usd, MaxTCVUSD), ReasonOutOfRange,
			fmt.Sprintf("tally_quote(%s) || ' ' || %s || ' is ' || CAST(CAST(%s AS DECIMAL(38,2)) AS VARCHAR) || ' USD at the highest usd_per_unit of ' || %s || %s",
				v(c.col), u(c.other), usd, u(c.other), lit(": want less than "+MaxTCVUSD+" USD")))
	case checkRequiredIf:
		other := v(c.other)
		if def, ok := defaults[c.other+"@"+t.name]; ok {
			other = fmt.Sprintf("coalesce(%s, %s)", other, lit(def))
		}
		if c.when != "" {
			return when(fmt.Sprintf("%s IS NULL AND %s = %s", v(c.col), other, lit(c.when)), ReasonMissingValue,
				lit(fmt.Sprintf("a value is required when %s is %q", c.other, c.when)))
		}
		return when(fmt.Sprintf("%s IS NULL AND %s <> %s", v(c.col), other, lit(c.unless)), ReasonMissingValue,
			fmt.Sprintf("%s || %s", lit("a value is required when "+c.other+" is "), other))
	case checkNotBefore:
		return when(fmt.Sprintf("%s < %s", d(c.col), d(c.other)), ReasonEndBeforeStart,
			fmt.Sprintf("CAST(%s AS VARCHAR) || %s || CAST(%s AS VARCHAR)", d(c.col), lit(" is before "+c.other+" "), d(c.other)))
	}
	panic(fmt.Sprintf("extract: check kind %d", c.kind))
}

// setSQL is a named set of allowed values as a list (extract_names).
func setSQL(set string) string {
	return fmt.Sprintf("(SELECT list(name ORDER BY pos) FROM extract_names WHERE set_name = %s)", lit(set))
}

// dupsSQL finds the keys on more than one row, with their first two rows.
func dupsSQL(t *table) string {
	c := ident("checked_" + t.name)
	return fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS
WITH k AS (SELECT _key, min(_n) AS first FROM %s WHERE _keyed GROUP BY _key HAVING count(*) > 1)
SELECT k._key, k.first, min(c._n) AS second FROM k JOIN %s c ON c._key = k._key AND c._keyed AND c._n > k.first GROUP BY ALL`,
		ident("dups_"+t.name), c, c)
}

// finalSQL is the view of every row with its fault, duplicates included.
func finalSQL(t *table) string {
	label := "column "
	if len(t.key) > 1 {
		label = "columns "
	}
	detail := lit(label+strings.Join(t.key, "|")+": key ") + " || tally_quote(c._key) || ' is also on row ' ||"
	return fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS
SELECT c.* EXCLUDE (_fault), coalesce(c._fault, CASE
    WHEN k.first = c._n THEN {'reason': %s, 'detail': %s CAST(k.second AS VARCHAR)}
    WHEN k.first IS NOT NULL THEN {'reason': %s, 'detail': %s CAST(k.first AS VARCHAR)} END) AS _fault
FROM %s c LEFT JOIN %s k ON k._key = CASE WHEN c._keyed THEN c._key END`,
		ident("final_"+t.name), lit(ReasonDuplicateKey), detail, lit(ReasonDuplicateKey), detail,
		ident("checked_"+t.name), ident("dups_"+t.name))
}

// typedSQL is the select list of an accepted row as its raw Parquet row
// (rows.go): row_number, then every column in its type.
func typedSQL(t *table, s *staged) string {
	sel := []string{"_n AS row_number"}
	for _, c := range t.cols {
		var e string
		switch {
		case c.list && s.cols[c.name].array:
			e = v(c.name)
		case c.list:
			e = fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN tally_list(string_split(%s, ';')) END", v(c.name), v(c.name))
		case c.typ == dateType:
			e = d(c.name)
		case c.typ == decimalType:
			e = fmt.Sprintf("CAST(%s AS DECIMAL(18,%d))", x(c.name), scale(c.name))
		case c.typ == booleanType:
			e = fmt.Sprintf("coalesce(lower(%s) = 'true', false)", v(c.name))
		case c.upper && c.name == "currency" && !c.required:
			e = fmt.Sprintf("coalesce(%s, 'USD')", u(c.name))
		case c.upper:
			e = u(c.name)
		case c.name == "status" && defaults["status@"+t.name] != "":
			e = fmt.Sprintf("coalesce(%s, %s)", v(c.name), lit(defaults["status@"+t.name]))
		default:
			e = v(c.name)
		}
		sel = append(sel, e+" AS "+ident(c.name))
	}
	return strings.Join(sel, ", ")
}

// macros are the SQL functions the checks use.
var macros = []string{
	// a cell's text: blanks around it trimmed, empty is NULL
	// (most cells have no blanks: those are kept as they are, not copied by trim)
	`CREATE OR REPLACE MACRO tally_text(s) AS
		CASE WHEN s = '' THEN NULL
		     WHEN ascii(s) NOT IN (32, 9) AND NOT suffix(s, ' ') AND NOT suffix(s, chr(9)) THEN s
		     ELSE nullif(trim(s, ' \t'), '') END`,
	// a list's elements trimmed, blank ones dropped; an empty list is NULL
	"CREATE OR REPLACE MACRO tally_list(l) AS nullif(list_filter(list_transform(l, e -> trim(e, ' \t')), e -> e IS NOT NULL AND e <> ''), [])",
	// YYYY-MM-DD, years 1 to 9999, a day that exists
	`CREATE OR REPLACE MACRO tally_date(s) AS
		CASE WHEN s LIKE '____-__-__' AND ascii(s) BETWEEN 48 AND 57 AND NOT starts_with(s, '0000')
		     THEN try_cast(s AS DATE) END`,
	// Go's %q of a string, for details: quotes, with \ " and control characters escaped
	`CREATE OR REPLACE MACRO tally_quote(s) AS
		'"' || replace(replace(replace(replace(replace(s, '\', '\\'), '"', '\"'), chr(10), '\n'), chr(13), '\r'), chr(9), '\t') || '"'`,
	// a CSV field as encoding/csv writes it
	`CREATE OR REPLACE MACRO tally_csv_field(f) AS
		CASE WHEN f IS NULL OR f = '' THEN ''
		     WHEN regexp_matches(f, '[,"\r\n]') OR f = '\.' OR regexp_matches(f, '^\s') THEN '"' || replace(f, '"', '""') || '"'
		     ELSE f END`,
}
