package report

import (
	"math"
	"strconv"
)

// Series is one set of bars of a chart: a value per category.
type Series struct {
	Name   string
	Values []float64
}

// BarChart is a vertical bar chart: one group of bars per category, one bar
// per series side by side, or piled up when Stacked. Values may be
// negative (a cap removes points); bars then hang below the zero line.
type BarChart struct {
	Title      string
	Categories []string
	Series     []Series
	Stacked    bool
}

// palette is colour-blind safe (Okabe-Ito) and prints in grey distinctly.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// svg is the geometry of a chart, drawn by the template as inline SVG.
type svg struct {
	Title         string
	Width, Height int
	Bars          []svgBar
	Ticks         []svgTick
	Labels        []svgText
	Legend        []svgLegend
	ZeroY         float64
	Left, Right   float64
}

type svgBar struct {
	X, Y, W, H float64
	Fill       string
	Tip        string // shown on hover: category, series, value
}

type svgTick struct {
	Y     float64
	Label string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string
	Rotate bool
}

type svgLegend struct {
	X, Y float64
	Fill string
	Name string
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

// draw lays the chart out. An empty chart (no categories) is nil.
func (c BarChart) draw() *svg {
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

	g := &svg{Title: c.Title, Width: int(width), Height: int(math.Ceil(height)), ZeroY: y(0), Left: marginLeft, Right: width - marginRight}
	for v := lo; v <= hi+step/2; v += step {
		g.Ticks = append(g.Ticks, svgTick{Y: round1(y(v)), Label: tickLabel(v)})
	}
	if len(c.Series) > 1 {
		x := marginLeft
		for k, s := range c.Series {
			g.Legend = append(g.Legend, svgLegend{X: x, Y: marginTop - 4, Fill: palette[k%len(palette)], Name: s.Name})
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
			g.Bars = append(g.Bars, svgBar{X: round1(x), Y: round1(top), W: round1(math.Max(barW-1, 1)), H: round1(bottom - top),
				Fill: palette[k%len(palette)], Tip: tip})
		}
		lx := round1(x0 + inner/2)
		g.Labels = append(g.Labels, svgText{X: lx, Y: round1(top + plotHeight + 14), Text: cat, Anchor: "middle", Rotate: rotate})
	}
	if rotate {
		for i := range g.Labels {
			g.Labels[i].Anchor = "end"
		}
	}
	return g
}

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
		return groupDigits(strconv.FormatFloat(v, 'f', 0, 64))
	}
	return groupDigits(strconv.FormatFloat(v, 'f', 2, 64))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
