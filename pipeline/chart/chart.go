// Package chart draws the bar charts of tally's pages (the program-year
// report and the dashboard) as inline SVG: no script, font or image to
// fetch, so a page stays one self-contained file and passes a
// Content-Security-Policy that forbids every external source.
package chart

import (
	_ "embed"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one set of bars of a chart: a value per category.
type Series struct {
	Name   string
	Values []float64
}

// Rule is a horizontal reference line across the plot, such as a level's
// threshold drawn against the points to date.
type Rule struct {
	Name  string
	Value float64
}

// BarChart is a vertical bar chart: one group of bars per category, one bar
// per series side by side, or piled up when Stacked. Values may be
// negative (a cap removes points); bars then hang below the zero line.
// Rules are drawn over the bars, and the value axis reaches them.
type BarChart struct {
	Title      string
	Categories []string
	Series     []Series
	Stacked    bool
	Rules      []Rule
}

// palette is colour-blind safe (Okabe-Ito) and prints in grey distinctly.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// SVG is the geometry of a chart, drawn by the figure template.
type SVG struct {
	Title         string
	Width, Height int
	Bars          []Bar
	Ticks         []Tick
	Labels        []Text
	Legend        []Legend
	Rules         []RuleLine
	ZeroY         float64
	Left, Right   float64
}

// Bar is one drawn bar.
type Bar struct {
	X, Y, W, H float64
	Fill       string
	Tip        string // shown on hover: category, series, value
}

// Tick is a gridline of the value axis.
type Tick struct {
	Y     float64
	Label string
}

// Text is a category label.
type Text struct {
	X, Y   float64
	Text   string
	Anchor string
	Rotate bool
}

// Legend is one series' swatch and name.
type Legend struct {
	X, Y float64
	Fill string
	Name string
}

// RuleLine is a drawn Rule: its height and the label above its right end.
type RuleLine struct {
	Y     float64
	Label string
}

// Layout of every chart, in SVG user units (the SVG scales to its box).
const (
	plotHeight   = 180.0
	marginTop    = 16.0
	marginLeft   = 64.0
	marginRight  = 12.0
	marginBottom = 24.0
	legendRow    = 18.0
	minGroup     = 28.0
	minWidth     = 560.0
	maxWidth     = 900.0
	charWidth    = 6.5 // of an 11px label, roughly
)

// Draw lays the chart out. An empty chart (no categories) is nil.
func (c BarChart) Draw() *SVG {
	if len(c.Categories) == 0 || len(c.Series) == 0 {
		return nil
	}
	lo, hi := 0.0, 0.0
	for i := range c.Categories {
		pos, neg := 0.0, 0.0
		for _, s := range c.Series {
			v := s.Values[i]
			if c.Stacked {
				if v >= 0 {
					pos += v
				} else {
					neg += v
				}
			} else {
				pos, neg = math.Max(pos, v), math.Min(neg, v)
			}
		}
		hi, lo = math.Max(hi, pos), math.Min(lo, neg)
	}
	for _, r := range c.Rules {
		hi, lo = math.Max(hi, r.Value), math.Min(lo, r.Value)
	}
	if hi == lo {
		hi = 1
	}
	step := niceStep((hi - lo) / 5)
	hi = math.Ceil(hi/step) * step
	lo = math.Floor(lo/step) * step

	legendH := 0.0
	if len(c.Series) > 1 {
		legendH = legendRow
	}
	width := math.Min(maxWidth, math.Max(minWidth, marginLeft+marginRight+minGroup*float64(len(c.Categories))))
	plotW := width - marginLeft - marginRight
	groupW := plotW / float64(len(c.Categories))
	longest := 0
	for _, cat := range c.Categories {
		longest = max(longest, len(cat))
	}
	// Labels wider than their group are turned 40 degrees; the bottom
	// margin grows to hold them.
	rotate := charWidth*float64(longest) > groupW-4
	bottom := marginBottom
	if rotate {
		bottom = 20 + 0.65*charWidth*float64(longest)
	}
	top := marginTop + legendH
	height := top + plotHeight + bottom
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*plotHeight }

	g := &SVG{Title: c.Title, Width: int(width), Height: int(math.Ceil(height)), ZeroY: y(0), Left: marginLeft, Right: width - marginRight}
	for v := lo; v <= hi+step/2; v += step {
		g.Ticks = append(g.Ticks, Tick{Y: round1(y(v)), Label: tickLabel(v)})
	}
	if len(c.Series) > 1 {
		x := marginLeft
		for k, s := range c.Series {
			g.Legend = append(g.Legend, Legend{X: x, Y: marginTop - 4, Fill: palette[k%len(palette)], Name: s.Name})
			x += 24 + 7*float64(len(s.Name))
		}
	}
	inner := groupW * 0.8
	barW := inner
	if !c.Stacked {
		barW = inner / float64(len(c.Series))
	}
	for i, cat := range c.Categories {
		x0 := marginLeft + groupW*float64(i) + (groupW-inner)/2
		pos, neg := 0.0, 0.0
		for k, s := range c.Series {
			v := s.Values[i]
			var from, to float64
			x := x0
			switch {
			case c.Stacked && v >= 0:
				from, to = pos, pos+v
				pos = to
			case c.Stacked:
				from, to = neg, neg+v
				neg = to
			default:
				from, to = 0, v
				x = x0 + barW*float64(k)
			}
			top, bottom := y(math.Max(from, to)), y(math.Min(from, to))
			tip := cat + " · " + s.Name + ": " + tickLabel(v)
			if len(c.Series) == 1 {
				tip = cat + ": " + tickLabel(v)
			}
			g.Bars = append(g.Bars, Bar{X: round1(x), Y: round1(top), W: round1(math.Max(barW-1, 1)), H: round1(bottom - top),
				Fill: palette[k%len(palette)], Tip: tip})
		}
		lx := round1(x0 + inner/2)
		g.Labels = append(g.Labels, Text{X: lx, Y: round1(top + plotHeight + 14), Text: cat, Anchor: "middle", Rotate: rotate})
	}
	if rotate {
		for i := range g.Labels {
			g.Labels[i].Anchor = "end"
		}
	}
	for _, r := range c.Rules {
		g.Rules = append(g.Rules, RuleLine{Y: round1(y(r.Value)), Label: r.Name + " " + tickLabel(r.Value)})
	}
	return g
}

//go:embed figure.html.tmpl
var figureText string

var figure = template.Must(template.New("figure").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
}).Parse(figureText))

// HTML renders the chart as a <figure> holding an inline <svg>, for a page's
// html/template; a nil or empty chart renders nothing. Style it with CSS.
func (c *BarChart) HTML() (template.HTML, error) {
	if c == nil {
		return "", nil
	}
	g := c.Draw()
	if g == nil {
		return "", nil
	}
	var b strings.Builder
	if err := figure.Execute(&b, g); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // html/template escaped every value
}

// CSS styles the figures HTML draws; a page puts it in its <style>.
const CSS template.CSS = `svg { max-width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
svg .grid { stroke: var(--rule); stroke-width: 1; }
svg .zero { stroke: var(--ink); stroke-width: 1; }
svg .rule { stroke: #D55E00; stroke-width: 1.5; stroke-dasharray: 6 3; }
svg .rule-label { fill: #A04000; }
`

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return GroupDigits(strconv.FormatFloat(v, 'f', 0, 64))
	}
	return GroupDigits(strconv.FormatFloat(v, 'f', 2, 64))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// GroupDigits puts thousands separators into plain decimal text
// ("-1234567.50" -> "-1,234,567.50"); other text is returned as it is.
func GroupDigits(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac, hasFrac := strings.Cut(rest, ".")
	if whole == "" || !allDigits(whole) || (hasFrac && !allDigits(frac)) {
		return s
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := sign + b.String()
	if hasFrac {
		out += "." + frac
	}
	return out
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
