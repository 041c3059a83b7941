package serve

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"tally/pipeline/chart"
)

//go:embed pages.html.tmpl
var pagesText string

//go:embed style.css
var styleFile string

// stylesheet is the pages' one <style>, the charts' rules included; the
// Content-Security-Policy allows it by its hash.
var stylesheet = styleFile + string(chart.CSS)

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"num":        chart.GroupDigits,
	"chart":      func(c *chart.BarChart) (template.HTML, error) { return c.HTML() },
	"partnerURL": partnerPath,
	"pointsURL":  func(id string) string { return partnerPath(id) + "/points" },
	"show": func(s string) string {
		if s == "" {
			return "–"
		}
		return s
	},
	"val": func(p *string) string {
		if p == nil {
			return "–"
		}
		return *p
	},
	"yesno": func(b *bool) string {
		switch {
		case b == nil:
			return "unknown"
		case *b:
			return "yes"
		}
		return "no"
	},
	"label":   func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"css":     func() template.CSS { return template.CSS(stylesheet) },
	"deref":   func(b *bool) bool { return b != nil && *b },
	"columns": columns,
}).Parse(pagesText))

// Page is what every page shows around its content.
type Page struct {
	Title       string
	AsOf        string
	RunID       string
	ProgramYear string
	User        string
	Role        string
	SignedIn    bool // through the form: a sign-out button
	Home        bool // the user has a home page beyond its one partner
	Notes       []string
}

func (s *Server) view(r *http.Request, q *request, title string) Page {
	return Page{Title: title, AsOf: q.data.asOf, RunID: q.data.runID, ProgramYear: q.data.programYear,
		User: q.id.user.Name, Role: string(q.id.user.Role), SignedIn: q.id.session != "", Home: q.id.user.Role != "partner"}
}

type homeView struct {
	Page
	Overview *Overview
	Chart    *chart.BarChart
	Partners []Row
	Missing  int // partners assigned to the PBM that the snapshot does not have
}

type partnerView struct {
	Page
	PartnerID string
	S         *Summary
}

// Chart is the points-to-date chart of the summary.
func (v partnerView) Chart() *chart.BarChart { return v.S.chart }

type pointsView struct {
	Page
	PartnerID string
	P         *Points
}

type signinView struct {
	Page
	Message string
	Next    string
}

type messageView struct {
	Page
	Message string
}

// maxMovers is how many movers the home page lists; the API has them all.
const maxMovers = 200

func distributionChart(d *dataset, o Overview) *chart.BarChart {
	bc := &chart.BarChart{Title: "Partners per level as of " + d.asOf, Series: []chart.Series{{Name: "partners"}}}
	for _, l := range o.Distribution {
		name := l.Level
		if name == "" {
			name = "(none)"
		}
		bc.Categories = append(bc.Categories, name)
		bc.Series[0].Values = append(bc.Series[0].Values, float64(l.Partners))
	}
	return bc
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		s.log.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) renderSignin(w http.ResponseWriter, _ *http.Request, status int, msg, next string) {
	s.render(w, status, "signin", signinView{Page: Page{Title: "Sign in"}, Message: msg, Next: safeNext(next)})
}

func (s *Server) renderMessage(w http.ResponseWriter, status int, title, msg string) {
	s.render(w, status, "message", messageView{Page: Page{Title: title}, Message: msg})
}

// columnOrder is how the columns of the published tables are listed;
// a column not named here follows, by name.
var columnOrder = []string{
	"program_year", "audit_on", "previous_level", "earned_level", "outcome", "level_after", "remediation_until", "reenroll_until",
	"reinstated_on", "terminated_on", "level", "valid_from", "valid_to", "reason", "kind", "due_on", "about_on", "days_before",
	"source", "source_id", "detail", "solution_area", "credits", "earned_tier", "tier", "badged", "next_tier", "credits_to_next",
	"benefit", "since", "changed_on", "change", "because", "as_of",
}

// columns lists the columns of records in columnOrder.
func columns(recs []record) []string {
	seen := map[string]bool{}
	for _, r := range recs {
		for k := range r {
			seen[k] = true
		}
	}
	keys := sortedKeys(seen)
	rank := func(k string) int {
		if i := slices.Index(columnOrder, k); i >= 0 {
			return i
		}
		return len(columnOrder)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return rank(a) - rank(b) })
	return keys
}
