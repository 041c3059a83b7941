package report_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
