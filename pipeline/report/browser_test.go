package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tally/pipeline/lake/laketest"
)

var screenshot = flag.Bool("screenshot", false, "save the report's screenshot as docs/report.png")

// chromium finds the browser; without it the test is skipped, except on
// CI (CI=true), which installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// headless runs chromium on a page with no network, no profile and no
// background services, and returns what it printed on stdout.
func headless(t *testing.T, browser, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(append(base, args...), "file://"+page)...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestReportInBrowser renders report.html in headless Chromium: the DOM it
// builds shows every level's count of the lake, and the page draws.
func TestReportInBrowser(t *testing.T) {
	browser := chromium(t)
	_, dir := written(t)
	page, err := filepath.Abs(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	dom := headless(t, browser, page, "--dump-dom")
	table := regexp.MustCompile(`(?s)<table data-file="level_distribution.csv">.*?</table>`).Find(dom)
	if table == nil {
		t.Fatalf("the rendered DOM has no level table:\n%.2000s", dom)
	}
	header := regexp.MustCompile(`<th[^>]*>([^<]*)</th>`).FindAllSubmatch(table, -1)
	now := -1
	for i, h := range header {
		if string(h[1]) == "now" {
			now = i
		}
	}
	if now < 0 {
		t.Fatal("the level table has no column now")
	}
	shown := map[string]string{}
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllSubmatch(table, -1) {
		cells := regexp.MustCompile(`<td[^>]*>([^<]*)</td>`).FindAllSubmatch(tr[1], -1)
		if len(cells) > now {
			level := string(cells[0][1])
			if level == "–" {
				level = ""
			}
			shown[level] = string(cells[now][1])
		}
	}
	want := pairs(t, snapshot(t, ""), "SELECT coalesce(level, ''), count(*)::VARCHAR FROM partner_levels GROUP BY level")
	sameCounts(t, "level in the browser", shown, want)
	if n := bytes.Count(dom, []byte("<svg")); n < 3 {
		t.Errorf("the DOM has %d SVG charts", n)
	}

	checkTCVShown(t, dom)

	png := filepath.Join(t.TempDir(), "report.png")
	headless(t, browser, page, "--screenshot="+png, "--window-size=1280,2000", "--hide-scrollbars")
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG")) || len(b) < 10_000 {
		t.Fatalf("screenshot: %d bytes, not a drawn page", len(b))
	}
	if *screenshot {
		root, err := laketest.Root()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 300_000 {
			t.Fatalf("screenshot is %d bytes; keep docs/report.png under 300 KB", len(b))
		}
		if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "docs", "report.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkTCVShown: the page's TCV booked (the year-over-year table) is the
// sum of the base rows of bookings and OEM credits, and each source's TCV
// the sum of its base rows, in whole dollars.
func checkTCVShown(t *testing.T, dom []byte) {
	t.Helper()
	now := snapshot(t, "")
	dollars := func(q string, args ...any) map[string]string {
		out := map[string]string{}
		for k, v := range pairs(t, now, q, args...) {
			out[k] = "$" + groupThousands(v)
		}
		return out
	}
	want := dollars(`SELECT 'tcv_booked_usd', round(sum(round(tcv_usd, 2)))::BIGINT::VARCHAR FROM points_ledger
		WHERE program_year = ? AND component = 'base' AND source IN ('booking', 'oem_credit')`, year)
	yoy := pageTable(t, dom, "year_over_year.csv")
	this := slices.Index(yoy[0], "this year")
	found := false
	for _, row := range yoy[1:] {
		if row[0] == "tcv_booked_usd" {
			found = true
			if row[this] != want["tcv_booked_usd"] {
				t.Errorf("the page shows TCV booked %s, the base rows hold %s", row[this], want["tcv_booked_usd"])
			}
		}
	}
	if !found {
		t.Error("the page shows no TCV booked")
	}
	bySource := dollars(`SELECT source, round(sum(round(tcv_usd, 2)))::BIGINT::VARCHAR FROM points_ledger
		WHERE program_year = ? AND component = 'base' AND tcv_usd IS NOT NULL GROUP BY source`, year)
	cells := pageTable(t, dom, "points_by_source.csv")
	tcv := slices.Index(cells[0], "tcv usd")
	for _, row := range cells[1:] {
		if w, ok := bySource[row[0]]; ok && row[tcv] != w {
			t.Errorf("%s: the page shows TCV %s, its base rows hold %s", row[0], row[tcv], w)
		}
	}
}

func groupThousands(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// overflowProbe, put at the end of a copy of the page, measures after
// layout whether the page or any element in it reaches past the viewport's
// right edge, and writes what it found into the DOM as JSON.
const overflowProbe = `<script>
(function () {
  var w = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > w) bad.push("page: scrollWidth " + document.documentElement.scrollWidth);
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect(), s = e.closest("section");
    if (r.right > w + 0.5) bad.push((s ? s.id : "") + " " + e.tagName + " right edge " + Math.round(r.right));
  });
  var p = document.createElement("pre");
  p.id = "overflow-probe";
  p.textContent = JSON.stringify({width: w, overflowing: bad});
  document.body.appendChild(p);
})();
</script>`

type overflow struct {
	Width       int      `json:"width"`
	Overflowing []string `json:"overflowing"`
}

// measureOverflow opens a copy of page, with the probe and extra HTML put
// before </body>, in Chromium 1280 pixels wide.
func measureOverflow(t *testing.T, browser, page, extra string) overflow {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	probed := bytes.Replace(b, []byte("</body>"), []byte(extra+overflowProbe+"</body>"), 1)
	p := filepath.Join(t.TempDir(), "probed.html")
	if err := os.WriteFile(p, probed, 0o644); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, browser, p, "--dump-dom", "--window-size=1280,2000", "--hide-scrollbars")
	m := regexp.MustCompile(`<pre id="overflow-probe">([^<]*)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe wrote nothing:\n%.2000s", dom)
	}
	var o overflow
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReportFitsA1280PixelPage: at 1280 pixels nothing on the page, table
// or chart, reaches past the right edge (no horizontal scrolling). A page
// with an element too wide is caught, so the measure can fail.
func TestReportFitsA1280PixelPage(t *testing.T) {
	browser := chromium(t)
	_, dir := written(t)
	page, err := filepath.Abs(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	o := measureOverflow(t, browser, page, "")
	if o.Width != 1280 {
		t.Fatalf("measured at %d pixels, want 1280", o.Width)
	}
	if len(o.Overflowing) > 0 {
		t.Errorf("at 1280 pixels %d elements overflow the page, e.g. %v", len(o.Overflowing), o.Overflowing[:min(10, len(o.Overflowing))])
	}
	if wide := measureOverflow(t, browser, page, `<table><tr><td style="white-space: nowrap">`+strings.Repeat("W", 400)+`</td></tr></table>`); len(wide.Overflowing) == 0 {
		t.Error("a table cell 400 characters wide that may not wrap is not found to overflow: the probe measures nothing")
	}
}
