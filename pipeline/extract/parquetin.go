package extract

import (
	"context"
	"fmt"
	"strings"
)

// A Parquet landing file is read by DuckDB's read_parquet, in parallel.
// Its top-level columns of strings, integers, booleans, floats, dates,
// timestamps, decimals and UUIDs, and lists of them, are turned into the
// text a CSV file would hold (a DATE is YYYY-MM-DD, a DECIMAL its plain
// decimal text, a timestamp at midnight its date), so the rows are checked
// exactly like CSV rows; a row's number is its place in the file. A table
// column of another type (a struct, a map) makes the file unusable; other
// columns of such types are ignored.

type parquetFile struct {
	in    *inputFile
	path  string   // what DuckDB opens
	names []string // the readable columns, in file order
	texts []string // SQL: each readable column as text (or a list of texts)
	lists []bool
}

func openParquet(ctx context.Context, s *session, in *inputFile, t *table) (*parquetFile, error) {
	p := &parquetFile{in: in, path: in.duckPath()}
	s.rename[p.path] = in.path
	rows, err := s.conn.QueryContext(ctx, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(%s, binary_as_string = true))", lit(p.path)))
	if err != nil {
		return nil, &InputError{File: in.path, Msg: "not a readable Parquet file", Err: s.wrap(err)}
	}
	defer rows.Close()
	wanted := map[string]bool{}
	for _, c := range t.cols {
		wanted[c.name] = true
	}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, s.wrap(err)
		}
		text, list, ok := parquetText(ident(name), typ)
		if !ok {
			if wanted[name] {
				return nil, &InputError{File: in.path, Column: name, Msg: "unsupported Parquet type " + typ + " (want a scalar or a list of scalars)"}
			}
			continue
		}
		p.names = append(p.names, name)
		p.texts = append(p.texts, text)
		p.lists = append(p.lists, list)
	}
	if err := rows.Err(); err != nil {
		return nil, &InputError{File: in.path, Msg: "not a readable Parquet file", Err: s.wrap(err)}
	}
	if _, err := project(in.path, p.names, t.cols); err != nil {
		return nil, err
	}
	return p, nil
}

// parquetText is the SQL that turns a column of DuckDB type typ into text
// (list: a list of texts); ok is false for a type no table column takes.
func parquetText(col, typ string) (text string, list, ok bool) {
	if elem, isList := strings.CutSuffix(typ, "[]"); isList {
		e, _, ok := parquetText("e", elem)
		if !ok || strings.HasSuffix(elem, "[]") {
			return "", false, false
		}
		return fmt.Sprintf("list_transform(%s, e -> %s)", col, e), true, true
	}
	switch {
	case typ == "VARCHAR", typ == "UUID", typ == "BOOLEAN", typ == "DATE",
		strings.HasSuffix(typ, "INT"), typ == "BIGINT", typ == "INTEGER", typ == "SMALLINT", typ == "TINYINT", typ == "HUGEINT",
		strings.HasPrefix(typ, "DECIMAL"), typ == "ENUM":
		return "CAST(" + col + " AS VARCHAR)", false, true
	case typ == "FLOAT", typ == "DOUBLE":
		return "CAST(" + col + " AS VARCHAR)", false, true
	case strings.HasPrefix(typ, "TIMESTAMP"):
		// a timestamp at midnight UTC stands for its date
		return fmt.Sprintf("CASE WHEN CAST(%s AS TIMESTAMP) = CAST(CAST(%s AS TIMESTAMP) AS DATE) THEN CAST(CAST(CAST(%s AS TIMESTAMP) AS DATE) AS VARCHAR) ELSE CAST(%s AS VARCHAR) END",
			col, col, col, col), false, true
	}
	return "", false, false
}

// stage reads the file into land_<table>: the row number and every
// readable column as text.
func (p *parquetFile) stage(ctx context.Context, s *session, t *table) (*staged, error) {
	land := ident("land_" + t.name)
	sel := []string{"file_row_number + 1 AS _n", "NULL::VARCHAR AS _malformed", "NULL::VARCHAR AS _malformed_reason"}
	var raw []string
	for i, name := range p.names {
		sel = append(sel, p.texts[i]+" AS "+ident(field(i)))
		raw = append(raw, ident(name)+" := "+ident(field(i)))
	}
	err := s.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM read_parquet(%s, binary_as_string = true, file_row_number = true)",
		land, strings.Join(sel, ", "), lit(p.path)))
	if err != nil {
		return nil, &InputError{File: p.in.path, Msg: "not a readable Parquet file", Err: err}
	}
	st := &staged{rel: land, numbered: true, rawRel: land, input: p.in, cols: map[string]stagedCol{},
		raw: "to_json(struct_pack(" + strings.Join(raw, ", ") + "))::VARCHAR"}
	for i, name := range p.names {
		k := slicesIndex(t.cols, name)
		switch {
		case k < 0:
		case p.lists[i] && !t.cols[k].list:
			st.cols[name] = stagedCol{expr: "NULL::VARCHAR",
				bad: fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN {'reason': %s, 'detail': 'a list where one value belongs'} END", ident(field(i)), lit(ReasonBadType))}
		default:
			st.cols[name] = stagedCol{expr: ident(field(i)), array: p.lists[i]}
		}
	}
	if st.rows, err = s.count(ctx, "SELECT count(*) FROM "+land); err != nil {
		return nil, err
	}
	return st, nil
}
