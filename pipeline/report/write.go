package report

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tally/pipeline/chart"
	"tally/pipeline/publish"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"chart":    func(c *chart.BarChart) (template.HTML, error) { return c.HTML() },
	"chartCSS": func() template.CSS { return chart.CSS },
	"rows":     shownRows,
	"cell":     func(t *Table, r, i int, v string) string { return cellText(v, t.cellKind(r, i)) },
	"num":      func(t *Table, i int) bool { return t.kind(i).Numeric() },
	// a header breaks at its underscores, so a long column name never
	// widens its column past the page
	"header": func(c string) string { return strings.ReplaceAll(c, "_", " ") },
}).Parse(pageText))

// htmlRows is how many rows of a section the page shows; the CSV has all.
const htmlRows = 40

type shown struct {
	T      *Table
	Shown  [][]string
	Hidden int
	File   string
	Empty  string
}

func shownRows(t any, max int, file, empty string) shown {
	var tab *Table
	switch t := t.(type) {
	case *Table:
		tab = t
	case Table:
		tab = &t
	}
	s := shown{T: tab, Shown: tab.Rows, File: file, Empty: empty}
	if max > 0 && len(tab.Rows) > max {
		s.Shown, s.Hidden = tab.Rows[:max], len(tab.Rows)-max
	}
	return s
}

// HTML renders the report as one self-contained page: inline CSS, charts
// as inline SVG, no script, font, image or link to fetch.
func (r *Report) HTML(w io.Writer) error {
	title := "Program year report " + r.ProgramYear
	if r.Program != "" {
		title = r.Program + ": " + title
	}
	return page.Execute(w, struct {
		Title   string
		R       *Report
		MaxRows int
	}{title, r, htmlRows})
}

// CSV writes one section's rows, a header first; null is an empty cell.
// A text cell that a spreadsheet would run as a formula (a leading =, +,
// -, @, tab or carriage return) is written with an apostrophe before it;
// numbers are written as they are, negative ones too.
func (s *Section) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(s.Table.Columns))
	for i, c := range s.Table.Columns {
		header[i] = csvCell(c, Text)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for r, row := range s.Table.Rows {
		out := make([]string, len(row))
		for i, v := range row {
			out[i] = csvCell(v, s.Table.cellKind(r, i))
		}
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Dir is where the report of a program year from the lake's latest
// snapshot lives.
func Dir(lakeDir, programYear string) string {
	return filepath.Join(lakeDir, "reports", "program_year="+programYear)
}

// AsOfDir is where the report of a program year from the snapshot as of
// asOf lives, when that snapshot is not the latest (tally report --as-of):
// apart from Dir, so that it never replaces the latest report.
func AsOfDir(lakeDir, asOf, programYear string) string {
	return filepath.Join(lakeDir, "reports", "as_of="+asOf, "program_year="+programYear)
}

// Dir is where this report is written: Dir for the latest snapshot,
// AsOfDir for another.
func (r *Report) Dir(lakeDir string) string {
	if r.Latest {
		return Dir(lakeDir, r.ProgramYear)
	}
	return AsOfDir(lakeDir, r.AsOf, r.ProgramYear)
}

// writeWait is how long Write waits for another process writing a report
// of the same lake.
const writeWait = 2 * time.Minute

// Write writes report.html and one CSV per section into r.Dir(lakeDir)
// and returns the files written. The report is published as a snapshot is
// (publish.PublishDir): written aside, then put in place in one atomic
// exchange, under the lock of the lake's reports/ directory, whose stale
// staging directories are removed first. Readers see the old report or the
// new one, never a mix or none.
func (r *Report) Write(ctx context.Context, lakeDir string) ([]string, error) {
	dst := r.Dir(lakeDir)
	names := []string{"report.html"}
	for _, s := range r.Sections {
		names = append(names, s.ID+".csv")
	}
	err := publish.PublishDir(ctx, dst, writeWait, func(dir string) error {
		var buf bytes.Buffer
		if err := r.HTML(&buf); err != nil {
			return fmt.Errorf("report: render: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "report.html"), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		for _, s := range r.Sections {
			buf.Reset()
			if err := s.CSV(&buf); err != nil {
				return fmt.Errorf("report: %s.csv: %w", s.ID, err)
			}
			if err := os.WriteFile(filepath.Join(dir, s.ID+".csv"), buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: write %s: %w", dst, err)
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = filepath.Join(dst, n)
	}
	return files, nil
}
