package serve

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tally/pipeline/chart"
	"tally/pipeline/lake/laketest"
)

// chromium finds the browser; without it the test is skipped, except on
// CI (CI=true), which installs it (as the report's browser test does).
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

// TestDashboardInBrowser drives headless Chromium through the DevTools
// protocol: a partner user signs in with the form, sees its summary at
// 1280 pixels without horizontal scrolling (styles applied under the
// Content-Security-Policy), follows the link to the points detail, finds
// another partner's page "not found", and signs out.
func TestDashboardInBrowser(t *testing.T) {
	browser := chromium(t)
	f := start(t, lakeDir, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := launch(ctx, t, browser)
	defer b.close()
	if _, err := b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		t.Fatal(err)
	}
	summary := f.http.URL + "/partners/" + own

	b.navigate(t, summary)
	if !b.evalBool(t, `document.querySelector('form#signin input[name=token]') !== null`) {
		t.Fatalf("no sign-in form at %s:\n%s", summary, b.evalString(t, `document.body.innerText`))
	}
	b.evalString(t, fmt.Sprintf(`document.querySelector('#token').value = %q; document.querySelector('form#signin button').click(); ''`, f.tokens["partner"]))
	b.waitFor(t, `location.pathname === '/partners/`+own+`' && document.readyState === 'complete' && document.querySelector('#summary') !== null`)

	_, body := f.get(t, "/api/partners/"+own, f.tokens["partner"])
	var s Summary
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if got := b.evalString(t, `document.querySelector('#performance-points').textContent`); got != chart.GroupDigits(s.Performance) {
		t.Errorf("the page shows %q performance points, the API %s", got, s.Performance)
	}
	if got := b.evalString(t, `document.querySelector('#level').textContent`); got != s.Level {
		t.Errorf("the page shows level %q, the API %s", got, s.Level)
	}
	if got := b.evalString(t, `document.querySelector('#as-of').textContent`); got != s.AsOf {
		t.Errorf("as_of %q on the page, %s in the API", got, s.AsOf)
	}
	b.checkLayout(t, "summary")
	if *screenshot {
		b.save(t, "dashboard.png")
	}
	if !b.evalBool(t, `document.querySelectorAll('svg rect').length > 0 && document.querySelectorAll('svg line.rule').length > 0`) {
		t.Error("the points-to-date chart has no bars or no threshold")
	}

	b.evalString(t, `document.querySelector('#points-link').click(); ''`)
	b.waitFor(t, `location.pathname === '/partners/`+own+`/points' && document.readyState === 'complete' && document.querySelector('#points-detail') !== null`)
	b.checkLayout(t, "points detail")

	b.navigate(t, f.http.URL+"/partners/"+other)
	if got := b.evalString(t, `(document.querySelector('#message') || {}).textContent || ''`); got != "Not found" {
		t.Errorf("another partner's page: %q, want Not found", got)
	}
	if strings.Contains(b.evalString(t, `document.body.innerText`), other) {
		t.Error("the not-found page names the other partner")
	}

	b.navigate(t, summary)
	b.evalString(t, `document.querySelector('form[action="/signout"] button').click(); ''`)
	b.waitFor(t, `location.pathname === '/signin' && document.readyState === 'complete'`)
	b.navigate(t, summary)
	if !b.evalBool(t, `document.querySelector('form#signin') !== null && document.querySelector('#summary') === null`) {
		t.Error("after signing out the summary is still shown")
	}
}

var screenshot = flag.Bool("screenshot", false, "save the partner summary's screenshot as docs/dashboard.png")

// save writes a screenshot of the whole page under docs/.
func (b *devtools) save(t *testing.T, name string) {
	t.Helper()
	res, err := b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Data []byte `json:"data"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatal(err)
	}
	root, err := laketest.Root()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "docs", name), r.Data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkLayout: nothing wider than the 1280-pixel window, and the page's
// stylesheet applied (the policy allowed it).
func (b *devtools) checkLayout(t *testing.T, page string) {
	t.Helper()
	width := b.evalString(t, `String(document.documentElement.scrollWidth) + ' ' + String(window.innerWidth)`)
	var sw, iw int
	fmt.Sscanf(width, "%d %d", &sw, &iw)
	if iw != 1280 || sw > iw {
		t.Errorf("%s: the page is %d pixels wide in a %d-pixel window", page, sw, iw)
	}
	if got := b.evalString(t, `getComputedStyle(document.querySelector('header')).borderBottomStyle`); got != "solid" {
		t.Errorf("%s: the stylesheet is not applied (header border %q)", page, got)
	}
}

// devtools is a minimal client of Chromium's DevTools protocol over a
// WebSocket, enough to navigate, evaluate and wait.
type devtools struct {
	cmd  *exec.Cmd
	conn net.Conn
	r    *bufio.Reader
	id   int
	ctx  context.Context
}

var devtoolsURL = regexp.MustCompile(`ws://[^\s]+`)

func launch(ctx context.Context, t *testing.T, browser string) *devtools {
	t.Helper()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir="+t.TempDir(), "about:blank")
	cmd.Dir = t.TempDir()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &devtools{cmd: cmd, ctx: ctx}
	sc := bufio.NewScanner(stderr)
	var browserWS string
	var seen strings.Builder
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if m := devtoolsURL.FindString(sc.Text()); m != "" {
			browserWS = m
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if browserWS == "" {
		b.close()
		t.Fatalf("chromium printed no DevTools address:\n%s", seen.String())
	}
	u, err := url.Parse(browserWS)
	if err != nil {
		t.Fatal(err)
	}
	// The first page target's own socket.
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	for range 50 {
		resp, err := http.Get("http://" + u.Host + "/json/list")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
		}
		if err == nil && len(targets) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	page := ""
	for _, tg := range targets {
		if tg.Type == "page" {
			page = tg.WS
			break
		}
	}
	if page == "" {
		b.close()
		t.Fatal("chromium has no page target")
	}
	if err := b.dial(page); err != nil {
		b.close()
		t.Fatal(err)
	}
	return b
}

func (b *devtools) close() {
	if b.conn != nil {
		_ = b.conn.Close()
	}
	if b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	}
}

// dial opens the WebSocket (RFC 6455 client handshake).
func (b *devtools) dial(ws string) error {
	u, err := url.Parse(ws)
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	b.conn, b.r = conn, bufio.NewReader(conn)
	resp, err := http.ReadResponse(b.r, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("devtools handshake: %s", resp.Status)
	}
	return nil
}

func (b *devtools) write(msg []byte) error {
	var h bytes.Buffer
	h.WriteByte(0x81) // final text frame
	switch n := len(msg); {
	case n < 126:
		h.WriteByte(0x80 | byte(n))
	case n < 1<<16:
		h.WriteByte(0x80 | 126)
		_ = binary.Write(&h, binary.BigEndian, uint16(n))
	default:
		h.WriteByte(0x80 | 127)
		_ = binary.Write(&h, binary.BigEndian, uint64(n))
	}
	mask := make([]byte, 4)
	_, _ = rand.Read(mask)
	h.Write(mask)
	for i, c := range msg {
		h.WriteByte(c ^ mask[i%4])
	}
	_, err := b.conn.Write(h.Bytes())
	return err
}

func (b *devtools) read() ([]byte, error) {
	var msg []byte
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(b.r, hdr[:]); err != nil {
			return nil, err
		}
		n := uint64(hdr[1] & 0x7f)
		switch n {
		case 126:
			var l uint16
			if err := binary.Read(b.r, binary.BigEndian, &l); err != nil {
				return nil, err
			}
			n = uint64(l)
		case 127:
			if err := binary.Read(b.r, binary.BigEndian, &n); err != nil {
				return nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(b.r, payload); err != nil {
			return nil, err
		}
		switch hdr[0] & 0x0f {
		case 0x8:
			return nil, errors.New("devtools closed the connection")
		case 0x9, 0xA: // ping, pong
			continue
		}
		msg = append(msg, payload...)
		if hdr[0]&0x80 != 0 {
			return msg, nil
		}
	}
}

// call sends one command and returns its result, skipping events.
func (b *devtools) call(method string, params any) (json.RawMessage, error) {
	b.id++
	req, _ := json.Marshal(map[string]any{"id": b.id, "method": method, "params": params})
	if dl, ok := b.ctx.Deadline(); ok {
		_ = b.conn.SetDeadline(dl)
	}
	if err := b.write(req); err != nil {
		return nil, err
	}
	for {
		msg, err := b.read()
		if err != nil {
			return nil, err
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(msg, &resp) != nil || resp.ID != b.id {
			continue
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		return resp.Result, nil
	}
}

func (b *devtools) eval(t *testing.T, expr string) json.RawMessage {
	t.Helper()
	res, err := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatal(err)
	}
	if r.Exception != nil {
		t.Fatalf("%s: %s", expr, r.Exception.Text)
	}
	return r.Result.Value
}

func (b *devtools) evalString(t *testing.T, expr string) string {
	t.Helper()
	var s string
	_ = json.Unmarshal(b.eval(t, expr), &s)
	return s
}

func (b *devtools) evalBool(t *testing.T, expr string) bool {
	t.Helper()
	var v bool
	_ = json.Unmarshal(b.eval(t, expr), &v)
	return v
}

func (b *devtools) navigate(t *testing.T, to string) {
	t.Helper()
	if _, err := b.call("Page.navigate", map[string]any{"url": to}); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, fmt.Sprintf(`location.href === %q && document.readyState === 'complete'`, to))
}

// waitFor evaluates cond until it holds (navigations replace the page in
// between, so a failed evaluation is tried again).
func (b *devtools) waitFor(t *testing.T, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := b.call("Runtime.evaluate", map[string]any{"expression": cond, "returnByValue": true})
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
		}
		if json.Unmarshal(res, &r) == nil && r.Result.Value {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waited 30 s for %s; the page is %s:\n%.1000s", cond, b.evalString(t, `location.href`), b.evalString(t, `document.body ? document.body.innerText : ''`))
}
