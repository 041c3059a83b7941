package report

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"

	"tally/pipeline/chart"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"chart":    func(c *chart.BarChart) (template.HTML, error) { return c.HTML() },
	"chartCSS": func() template.CSS { return chart.CSS },
	"rows":     shownRows,
	"cell": func(v string, numeric bool) string {
		switch {
		case v == "":
			return "–"
		case numeric:
			return groupDigits(v)
		}
		return v
	},
}).Parse(pageText))

// htmlRows is how many rows of a section the page shows; the CSV has all.
const htmlRows = 40

type shown struct {
	T      *Table
	Shown  [][]string
	Hidden int
	File   string
}

func shownRows(t any, max int, file string) shown {
	var tab *Table
	switch t := t.(type) {
	case *Table:
		tab = t
	case Table:
		tab = &t
	}
	if len(tab.Numeric) < len(tab.Columns) {
		c := *tab
		c.Numeric = append(make([]bool, 0, len(c.Columns)), c.Numeric...)
		for len(c.Numeric) < len(c.Columns) {
			c.Numeric = append(c.Numeric, false)
		}
		tab = &c
	}
	s := shown{T: tab, Shown: tab.Rows, File: file}
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
func (s *Section) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(s.Table.Columns); err != nil {
		return err
	}
	if err := cw.WriteAll(s.Table.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Dir is where a program year's report lives in a lake.
func Dir(lakeDir, programYear string) string {
	return filepath.Join(lakeDir, "reports", "program_year="+programYear)
}

// Write writes report.html and one CSV per section into Dir(lakeDir, year)
// and returns the files written. The directory is filled aside and renamed
// into place, so readers see the old report or the new one, never a mix.
func (r *Report) Write(lakeDir string) ([]string, error) {
	dst := Dir(lakeDir, r.ProgramYear)
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-"+filepath.Base(dst)+"-")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	names := []string{"report.html"}
	var buf bytes.Buffer
	if err := r.HTML(&buf); err != nil {
		return nil, fmt.Errorf("report: render: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "report.html"), buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, s := range r.Sections {
		buf.Reset()
		if err := s.CSV(&buf); err != nil {
			return nil, fmt.Errorf("report: %s.csv: %w", s.ID, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, s.ID+".csv"), buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		names = append(names, s.ID+".csv")
	}
	old := tmp + ".old"
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, errors.Join(fmt.Errorf("report: %w", err), os.Rename(old, dst))
	}
	done = true
	_ = os.RemoveAll(old)
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = filepath.Join(dst, n)
	}
	return files, nil
}
