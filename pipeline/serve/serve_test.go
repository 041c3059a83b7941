package serve

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tally/pipeline/chart"
	"tally/pipeline/lake"
	"tally/pipeline/lake/laketest"
	"tally/pipeline/users"
)

// lakeDir is the example program published once for the package's tests.
var lakeDir string

func TestMain(m *testing.M) { os.Exit(laketest.Main(m.Run, &lakeDir)) }

// The example's partners the role tests use: own is the partner user's,
// the PBM has own and pbmOther, other belongs to neither.
const (
	own      = "P002"
	pbmOther = "P003"
	other    = "P004"
	nobody   = "P999"
)

type fixture struct {
	srv    *Server
	http   *httptest.Server
	tokens map[string]string // by user name: program, pbm, partner
	clock  *clock
	logs   *syncBuffer
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start serves lake to a new users file of three users, one per role.
func start(t *testing.T, lake string, tls bool) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.yaml")
	f := &fixture{tokens: map[string]string{}, clock: &clock{now: time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	for _, u := range []struct {
		name     string
		role     users.Role
		partners []string
	}{{"program", users.Program, nil}, {"pbm", users.PBM, []string{own, pbmOther, nobody}}, {"partner", users.Partner, []string{own}}} {
		tok, err := users.Add(path, u.name, u.role, u.partners)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.name] = tok
	}
	srv, err := New(Options{Lake: lake, UsersFile: path, Logger: slog.New(slog.NewTextHandler(f.logs, nil)), now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	if tls {
		f.http = httptest.NewTLSServer(srv)
	} else {
		f.http = httptest.NewServer(srv)
	}
	t.Cleanup(func() { f.http.Close(); srv.Close() })
	return f
}

// get asks path with the user's bearer token ("" for none) and does not
// follow redirects.
func (f *fixture) get(t *testing.T, path, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", f.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return f.do(t, req)
}

func (f *fixture) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	c := f.http.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestRolesOnEveryRoute asks every route as every role, and without or
// with a wrong token: allowed answers 200, a partner the user may not see
// answers 404 exactly like one that does not exist, no or a wrong token 401.
func TestRolesOnEveryRoute(t *testing.T) {
	f := start(t, lakeDir, false)
	routes := []struct {
		path string
		api  bool
	}{{"/partners/%s", false}, {"/partners/%s/points", false}, {"/api/partners/%s", true}, {"/api/partners/%s/points", true}}
	sees := map[string][]string{"program": {own, pbmOther, other}, "pbm": {own, pbmOther}, "partner": {own}}
	for _, role := range []string{"program", "pbm", "partner"} {
		for _, r := range routes {
			var notFound []string
			for _, id := range []string{own, pbmOther, other, nobody, "P002'\"", "<script>alert(1)</script>"} {
				path := strings.Replace(r.path, "%s", url.PathEscape(id), 1)
				resp, body := f.get(t, path, f.tokens[role])
				want := http.StatusNotFound
				if slices.Contains(sees[role], id) {
					want = http.StatusOK
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s: %d, want %d", role, path, resp.StatusCode, want)
					continue
				}
				if want == http.StatusNotFound {
					notFound = append(notFound, body)
					if strings.Contains(body, id) || strings.Contains(body, "<script>") {
						t.Errorf("%s %s: the 404 echoes the id", role, path)
					}
					continue
				}
				if !strings.Contains(body, id) {
					t.Errorf("%s %s: the answer does not name the partner", role, path)
				}
				for _, hidden := range []string{other, pbmOther} {
					if !slices.Contains(sees[role], hidden) && strings.Contains(body, hidden) {
						t.Errorf("%s %s: the answer names %s", role, path, hidden)
					}
				}
			}
			for _, b := range notFound[1:] {
				if b != notFound[0] {
					t.Errorf("%s %s: a partner it may not see answers differently from one that does not exist:\n%s\n---\n%s", role, r.path, notFound[0], b)
				}
			}
		}
		// The list and the home page hold only what the role sees.
		resp, body := f.get(t, "/api/partners", f.tokens[role])
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s /api/partners: %d", role, resp.StatusCode)
		}
		var list List
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range list.Partners {
			ids = append(ids, p.PartnerID)
		}
		if role == "program" {
			if len(ids) < 40 || !slices.Contains(ids, other) {
				t.Errorf("program sees %d partners", len(ids))
			}
		} else if !slices.Equal(ids, sees[role]) {
			t.Errorf("%s /api/partners lists %v, want %v", role, ids, sees[role])
		}
		resp, body = f.get(t, "/", f.tokens[role])
		switch role {
		case "partner":
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partners/"+own {
				t.Errorf("partner home: %d to %q, want a redirect to its page", resp.StatusCode, resp.Header.Get("Location"))
			}
		case "pbm":
			if resp.StatusCode != 200 || !strings.Contains(body, `href="/partners/`+own+`"`) || !strings.Contains(body, `href="/partners/`+pbmOther+`"`) ||
				strings.Contains(body, other) {
				t.Errorf("pbm home: %d, lists its partners only?\n%s", resp.StatusCode, body)
			}
		case "program":
			if resp.StatusCode != 200 || !strings.Contains(body, "Level distribution") || !strings.Contains(body, "Movers") {
				t.Errorf("program home: %d", resp.StatusCode)
			}
		}
	}
	// No token, or a wrong one: 401 on every route, pages and API alike.
	for _, path := range []string{"/", "/partners/" + own, "/partners/" + own + "/points", "/partners/" + nobody, "/api/partners",
		"/api/partners/" + own, "/api/partners/" + own + "/points", "/api/partners/" + nobody, "/find?partner=" + own} {
		for _, tok := range []string{"", "tally_wrong", f.tokens["partner"] + "x"} {
			f.clock.add(time.Hour) // keep the throttle out of this test
			resp, body := f.get(t, path, tok)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with token %q: %d, want 401", path, tok, resp.StatusCode)
			}
			if strings.Contains(body, "5,572") || strings.Contains(body, "premier") {
				t.Errorf("%s with token %q shows figures", path, tok)
			}
		}
	}
	if strings.Contains(f.logs.String(), f.tokens["partner"]) {
		t.Error("a token reached the log")
	}
	if !strings.Contains(f.logs.String(), "partner refused") {
		t.Error("refusals are not logged")
	}
}

// TestPathTricks: dot segments, encoded slashes and odd ids never reach
// another partner's figures or break out of the page.
func TestPathTricks(t *testing.T) {
	f := start(t, lakeDir, false)
	tok := f.tokens["partner"]
	for _, path := range []string{
		"/partners/" + own + "/../" + other, "/partners/" + own + "/..%2F" + other, "/partners/..%2F" + other,
		"/partners/" + own + "%2F..%2F" + other, "/api/partners/" + own + "/../" + other, "/api/partners/%2E%2E%2F" + other,
		"/partners/" + own + "%00", "/partners/" + own + "/points/../../" + other, "/api/partners/" + own + "%2Fpoints",
		"/partners/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/partners/'%20OR%201=1--", "/api/partners/" + own + "'",
	} {
		resp, body := f.get(t, path, tok)
		if resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusTemporaryRedirect { // the mux cleans dot segments: follow once, with the token
			loc := resp.Header.Get("Location")
			resp, body = f.get(t, loc, tok)
		}
		if resp.StatusCode == http.StatusOK && !strings.Contains(body, own) || strings.Contains(body, other) {
			t.Errorf("%s: %d shows another partner:\n%.300s", path, resp.StatusCode, body)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the page holds a script tag", path)
		}
	}
}

// TestFiguresEqualTheSnapshot compares every partner's API answer with its
// partner_levels row and its ledger, read straight from the snapshot.
func TestFiguresEqualTheSnapshot(t *testing.T) {
	f := start(t, lakeDir, false)
	snap, err := lake.Open(context.Background(), lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	levels, err := snap.Query(context.Background(), "SELECT * FROM partner_levels ORDER BY partner_id")
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := snap.Query(context.Background(), `SELECT l.partner_id, count(*)::VARCHAR, sum(points)::VARCHAR
		FROM points_ledger l JOIN partner_levels p USING (partner_id) WHERE l.program_year = p.program_year GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]string{}
	for _, r := range ledger.Rows {
		rows[r[0].Text] = [2]string{r[1].Text, r[2].Text}
	}
	checked := 0
	for i := range levels.Rows {
		id := levels.Get(i, "partner_id").Text
		_, body := f.get(t, "/api/partners/"+url.PathEscape(id), f.tokens["program"])
		var s Summary
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, body)
		}
		if s.AsOf != snap.AsOf || s.Snapshot.RunID != snap.Manifest.RunID {
			t.Errorf("%s: as_of %s run %s, want %s %s", id, s.AsOf, s.Snapshot.RunID, snap.AsOf, snap.Manifest.RunID)
		}
		for j, c := range levels.Columns {
			v := levels.Rows[i][j]
			got := s.PartnerLevels[c.Name]
			if v.Null != (got == nil) || got != nil && *got != v.Text {
				t.Errorf("%s %s: API %v, partner_levels %q (null %v)", id, c.Name, str(got), v.Text, v.Null)
			}
		}
		for field, col := range map[string]string{s.Level: "level", s.EarnedLevel: "earned_level", s.BaselineLevel: "baseline_level",
			s.Performance: "performance_points", s.Capability: "capability_points", s.NextLevel: "next_level"} {
			if field != levels.Get(i, col).Text {
				t.Errorf("%s %s: %q, partner_levels %q", id, col, field, levels.Get(i, col).Text)
			}
		}
		if s.ToNext != nil && (s.ToNext.Performance != levels.Get(i, "performance_points_to_next").Text || s.ToNext.Capability != levels.Get(i, "capability_points_to_next").Text) {
			t.Errorf("%s: distance %+v", id, s.ToNext)
		}
		var sum int64
		for _, p := range s.Points {
			sum += hundredths(p.Points)
		}
		if want := hundredths(levels.Get(i, "performance_points").Text); sum != want {
			t.Errorf("%s: points by source add up to %d, performance_points %d", id, sum, want)
		}
		if n := len(s.Months); n > 0 && hundredths(s.Months[n-1].ToDate) != sum {
			t.Errorf("%s: the chart's last month is %s, not the year's points", id, s.Months[n-1].ToDate)
		}
		_, body = f.get(t, "/api/partners/"+url.PathEscape(id)+"/points", f.tokens["program"])
		var p Points
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range p.Months {
			for _, g := range m.Sources {
				n += len(g.Rows)
			}
		}
		want := rows[id]
		if want[0] == "" {
			want = [2]string{"0", "0.00"}
		}
		if strings.TrimSpace(want[0]) != strconv.Itoa(n) || hundredths(p.Total) != hundredths(want[1]) || hundredths(p.Total) != hundredths(levels.Get(i, "performance_points").Text) {
			t.Errorf("%s points detail: %d rows totalling %s; the ledger has %s rows totalling %s", id, n, p.Total, want[0], want[1])
		}
		// The page shows the same figure.
		_, page := f.get(t, "/partners/"+url.PathEscape(id), f.tokens["program"])
		if !strings.Contains(page, `<b id="performance-points">`+chart.GroupDigits(levels.Get(i, "performance_points").Text)+`</b>`) ||
			!strings.Contains(page, `<strong id="as-of">`+snap.AsOf+`</strong>`) {
			t.Errorf("%s: the page does not show performance points %s as of %s", id, levels.Get(i, "performance_points").Text, snap.AsOf)
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("checked %d partners", checked)
	}
}

// TestSignInCookie: the form exchanges a token for a session cookie that
// is HttpOnly, SameSite=Strict, and Secure over TLS; a cross-site POST is
// refused; sign-out ends the session.
func TestSignInCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		f := start(t, lakeDir, tls)
		origin := f.http.URL
		post := func(path, origin string, form url.Values, cookie *http.Cookie) (*http.Response, string) {
			req, _ := http.NewRequest("POST", f.http.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			if cookie != nil {
				req.AddCookie(cookie)
			}
			return f.do(t, req)
		}
		resp, _ := post("/signin", "https://evil.example", url.Values{"token": {f.tokens["partner"]}}, nil)
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) > 0 {
			t.Errorf("tls %v: a cross-site sign-in: %d, cookies %v", tls, resp.StatusCode, resp.Cookies())
		}
		resp, _ = post("/signin", "null", url.Values{"token": {f.tokens["partner"]}}, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("tls %v: Origin null: %d", tls, resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", f.http.URL+"/signin", strings.NewReader(url.Values{"token": {f.tokens["partner"]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", origin) // Sec-Fetch-Site decides
		if resp, _ := f.do(t, req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("tls %v: Sec-Fetch-Site cross-site: %d", tls, resp.StatusCode)
		}
		resp, _ = post("/signin", origin, url.Values{"token": {f.tokens["partner"]}, "next": {"//evil.example/x"}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("tls %v: sign-in: %d to %q", tls, resp.StatusCode, resp.Header.Get("Location"))
		}
		var c *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == sessionCookie {
				c = k
			}
		}
		if c == nil {
			t.Fatal("no session cookie")
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != tls || c.Path != "/" || c.MaxAge <= 0 {
			t.Errorf("tls %v: cookie %+v: want HttpOnly, SameSite=Strict, Secure only over TLS", tls, c)
		}
		if strings.Contains(c.Value, f.tokens["partner"]) || len(c.Value) < 40 {
			t.Errorf("the cookie is not a random session id: %q", c.Value)
		}
		req, _ = http.NewRequest("GET", f.http.URL+"/partners/"+own, nil)
		req.AddCookie(c)
		resp, body := f.do(t, req)
		if resp.StatusCode != 200 || !strings.Contains(body, `action="/signout"`) {
			t.Fatalf("with the cookie: %d", resp.StatusCode)
		}
		req, _ = http.NewRequest("GET", f.http.URL+"/partners/"+other, nil)
		req.AddCookie(c)
		if resp, _ := f.do(t, req); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner with the cookie: %d", resp.StatusCode)
		}
		if resp, _ := post("/signout", "https://evil.example", nil, c); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site sign-out: %d", resp.StatusCode)
		}
		if resp, _ := post("/signout", origin, nil, c); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-out: %d", resp.StatusCode)
		}
		req, _ = http.NewRequest("GET", f.http.URL+"/partners/"+own, nil)
		req.AddCookie(c)
		if resp, _ := f.do(t, req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("after sign-out: %d", resp.StatusCode)
		}
		logs := f.logs.String()
		if !strings.Contains(logs, "signed in") || !strings.Contains(logs, "sign-in refused") || strings.Contains(logs, f.tokens["partner"]) {
			t.Errorf("sign-ins and refusals logged without the token?\n%s", logs)
		}
	}
}

// TestSessionExpires: a session ends after sessionTTL.
func TestSessionExpires(t *testing.T) {
	f := start(t, lakeDir, false)
	form := url.Values{"token": {f.tokens["program"]}}
	req, _ := http.NewRequest("POST", f.http.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := f.do(t, req)
	c := resp.Cookies()[0]
	f.clock.add(sessionTTL + time.Minute)
	req, _ = http.NewRequest("GET", f.http.URL+"/", nil)
	req.AddCookie(c)
	if resp, _ := f.do(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an expired session: %d", resp.StatusCode)
	}
}

// TestFailedSignInsSlowDown: after a few failures from one address, even
// the right token must wait; the wait passes; other routes too.
func TestFailedSignInsSlowDown(t *testing.T) {
	f := start(t, lakeDir, false)
	signin := func(tok string) int {
		form := url.Values{"token": {tok}}
		req, _ := http.NewRequest("POST", f.http.URL+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := f.do(t, req)
		return resp.StatusCode
	}
	for i := range freeFailures {
		if code := signin("tally_guess"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	if code := signin(f.tokens["program"]); code != http.StatusTooManyRequests {
		t.Fatalf("the right token right after %d failures: %d, want 429", freeFailures, code)
	}
	if resp, _ := f.get(t, "/api/partners", f.tokens["program"]); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("bearer during the wait: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.clock.add(firstDelay + time.Millisecond)
	if code := signin("tally_guess"); code != http.StatusUnauthorized {
		t.Fatalf("after the wait: %d", code)
	}
	f.clock.add(firstDelay + time.Millisecond) // the wait has doubled
	if code := signin(f.tokens["program"]); code != http.StatusTooManyRequests {
		t.Errorf("the wait did not grow: %d", code)
	}
	f.clock.add(2*firstDelay + time.Millisecond)
	if code := signin(f.tokens["program"]); code != http.StatusSeeOther {
		t.Errorf("the right token after the wait: %d", code)
	}
	if code := signin("tally_guess"); code != http.StatusUnauthorized {
		t.Errorf("a success clears the count: %d", code)
	}
}

// TestSecurityHeaders: every answer forbids external sources and scripts,
// and the pages' one stylesheet is the one the policy allows by hash.
func TestSecurityHeaders(t *testing.T) {
	f := start(t, lakeDir, false)
	for _, c := range []struct{ path, token string }{{"/", f.tokens["program"]}, {"/partners/" + own, f.tokens["partner"]},
		{"/partners/" + own + "/points", f.tokens["partner"]}, {"/signin", ""}, {"/api/partners", f.tokens["pbm"]}, {"/nope", f.tokens["pbm"]}, {"/", ""}} {
		resp, body := f.get(t, c.path, c.token)
		policy := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s: policy %q lacks %s", c.path, policy, want)
			}
		}
		if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "script-src") || strings.Contains(policy, "http") {
			t.Errorf("%s: policy %q allows too much", c.path, policy)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", c.path, resp.Header)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no stylesheet", c.path)
		}
		sum := sha256.Sum256([]byte(m[1]))
		if !strings.Contains(policy, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("%s: the page's stylesheet is not the one the policy allows", c.path)
		}
		if regexp.MustCompile(`(?i)<script|<link|src=|url\(|@import|https?://`).MatchString(body) {
			t.Errorf("%s: the page refers to something external or holds a script", c.path)
		}
	}
}

// TestHealthz answers without a token.
func TestHealthz(t *testing.T) {
	f := start(t, lakeDir, false)
	resp, body := f.get(t, "/healthz", "")
	if resp.StatusCode != 200 || !strings.Contains(body, laketest.AsOf) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	empty := start(t, t.TempDir(), false)
	if resp, _ := empty.get(t, "/healthz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz of an empty lake: %d", resp.StatusCode)
	}
	if resp, _ := empty.get(t, "/api/partners", empty.tokens["program"]); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("an empty lake: %d", resp.StatusCode)
	}
}

// TestUsersFileReloads: a user added while serving can sign in at once.
func TestUsersFileReloads(t *testing.T) {
	f := start(t, lakeDir, false)
	tok, err := users.Add(f.srv.opts.UsersFile, "late", users.Partner, []string{other})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.get(t, "/api/partners/"+other, tok); resp.StatusCode != 200 {
		t.Errorf("a user added while serving: %d", resp.StatusCode)
	}
}
