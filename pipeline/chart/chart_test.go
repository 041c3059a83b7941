package chart

import (
	"strings"
	"testing"
)

func TestRulesReachTheAxis(t *testing.T) {
	c := BarChart{Title: "points", Categories: []string{"Feb", "Mar"}, Series: []Series{{Name: "points", Values: []float64{10, 20}}},
		Rules: []Rule{{Name: "select", Value: 900}}}
	g := c.Draw()
	if len(g.Rules) != 1 || g.Rules[0].Label != "select 900" {
		t.Fatalf("rules %+v", g.Rules)
	}
	top := g.Ticks[len(g.Ticks)-1]
	if top.Label != "1,000" {
		t.Errorf("the axis ends at %s, want 1,000 to hold the rule at 900", top.Label)
	}
	if g.Rules[0].Y < top.Y || g.Rules[0].Y > g.ZeroY {
		t.Errorf("rule at y %v outside the plot (%v..%v)", g.Rules[0].Y, top.Y, g.ZeroY)
	}
}

func TestHTMLEscapes(t *testing.T) {
	c := &BarChart{Title: `<script>alert(1)</script>`, Categories: []string{`"><b>`}, Series: []Series{{Name: "s", Values: []float64{1}}},
		Rules: []Rule{{Name: "<i>", Value: 2}}}
	h, err := c.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<b>", "<i>"} {
		if strings.Contains(string(h), bad) {
			t.Errorf("%s reached the SVG unescaped", bad)
		}
	}
	if !strings.Contains(string(h), "<svg") || !strings.Contains(string(h), `class="rule"`) {
		t.Errorf("no chart drawn:\n%s", h)
	}
	var none *BarChart
	if h, err := none.HTML(); h != "" || err != nil {
		t.Errorf("nil chart: %q, %v", h, err)
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{"1234567.50": "1,234,567.50", "-1000": "-1,000", "12": "12", "n/a": "n/a", "": ""} {
		if got := GroupDigits(in); got != want {
			t.Errorf("GroupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
