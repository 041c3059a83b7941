package serve

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"tally/pipeline/users"
)

// sessionCookie names the browser's session; its value is a random id
// that only the server can map to a user.
const sessionCookie = "tally_session"

// sessionTTL is how long a sign-in lasts; then the form is shown again.
const sessionTTL = 8 * time.Hour

type session struct {
	user      string
	tokenHash string // the token it was opened with: a changed or removed token ends it
	expires   time.Time
}

// sessions is the server-side store of signed-in browsers.
type sessions struct {
	mu sync.Mutex
	m  map[string]session
}

func (s *sessions) open(u *users.User, now time.Time) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m { // drop the expired ones now and then
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = session{user: u.Name, tokenHash: u.TokenSHA256, expires: now.Add(sessionTTL)}
	return id, nil
}

func (s *sessions) get(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if ok && now.After(v.expires) {
		delete(s.m, id)
		return session{}, false
	}
	return v, ok
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// throttle slows down guessing: after freeFailures failed sign-ins (form or
// bearer token) from one client address, each further attempt must wait,
// twice as long after every failure, up to maxDelay. A success clears it.
type throttle struct {
	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n     int
	until time.Time // no attempt before
	last  time.Time
}

const (
	freeFailures = 5
	firstDelay   = time.Second
	maxDelay     = 5 * time.Minute
	forgetAfter  = time.Hour // a quiet address starts afresh
)

// wait is how long the client must still wait before its next attempt.
func (t *throttle) wait(client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.m[client]
	if f == nil || now.After(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

func (t *throttle) fail(client string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) > 100_000 { // bounded: forget the quiet ones
		for k, v := range t.m {
			if now.Sub(v.last) > forgetAfter {
				delete(t.m, k)
			}
		}
	}
	f := t.m[client]
	if f == nil || now.Sub(f.last) > forgetAfter {
		f = &failures{}
		t.m[client] = f
	}
	f.n++
	f.last = now
	if f.n >= freeFailures {
		d := firstDelay << min(f.n-freeFailures, 20)
		f.until = now.Add(min(d, maxDelay))
	}
}

func (t *throttle) succeed(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, client)
}

// directory is the users file, read again when it changes on disk, so
// that `tally users add` takes effect without a restart.
type directory struct {
	path string
	log  *slog.Logger

	mu  sync.Mutex
	d   *users.Directory
	fi  os.FileInfo
	bad os.FileInfo // the version that failed to load, reported once
}

func newDirectory(path string, log *slog.Logger) (*directory, error) {
	d, fi, err := users.Load(path)
	if err != nil {
		return nil, err
	}
	return &directory{path: path, log: log, d: d, fi: fi}, nil
}

// current returns the users as the file now says. A file that no longer
// loads keeps the last good version in force, logged as an error.
func (u *directory) current() *users.Directory {
	u.mu.Lock()
	defer u.mu.Unlock()
	fi, err := os.Lstat(u.path)
	if err == nil && sameVersion(fi, u.fi) || err == nil && u.bad != nil && sameVersion(fi, u.bad) {
		return u.d
	}
	d, nfi, err := users.Load(u.path)
	if err != nil {
		u.bad = fi
		u.log.Error("dashboard: the users file no longer loads; the previous version stays in force", "file", u.path, "err", err)
		return u.d
	}
	u.d, u.fi, u.bad = d, nfi, nil
	u.log.Info("dashboard: users file reloaded", "file", u.path, "users", len(d.Users))
	return u.d
}

func sameVersion(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// identity is who made a request and how.
type identity struct {
	user    *users.User
	session string // the session id when signed in through the form
}

var (
	errNoCredentials = errors.New("no token")
	errBadToken      = errors.New("wrong token")
	errThrottled     = errors.New("too many failed sign-ins")
)

// identify reads the bearer token or the session cookie. A bearer token is
// tried like a sign-in: its failures count against the client address.
func (s *Server) identify(r *http.Request) (identity, error) {
	now := s.now()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return identity{}, errBadToken
		}
		client := s.clientAddr(r)
		if s.throttle.wait(client, now) > 0 {
			return identity{}, errThrottled
		}
		u, ok := s.users.current().Authenticate(strings.TrimSpace(token))
		if !ok {
			s.throttle.fail(client, now)
			return identity{}, errBadToken
		}
		s.throttle.succeed(client)
		return identity{user: u}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return identity{}, errNoCredentials
	}
	sess, ok := s.sessions.get(c.Value, now)
	if !ok {
		return identity{}, errBadToken
	}
	u, ok := s.users.current().Lookup(sess.user)
	if !ok || subtle.ConstantTimeCompare([]byte(u.TokenSHA256), []byte(sess.tokenHash)) != 1 {
		s.sessions.end(c.Value)
		return identity{}, errBadToken
	}
	return identity{user: u, session: c.Value}, nil
}

// clientAddr is the address failed sign-ins are counted by: the peer, or
// behind a trusted reverse proxy the address it put last in
// X-Forwarded-For (the one the proxy itself saw).
func (s *Server) clientAddr(r *http.Request) string {
	if s.opts.BehindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if a := strings.TrimSpace(parts[len(parts)-1]); a != "" {
				return a
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sameOrigin refuses a state-changing request from another site. A
// browser says where a request comes from in Sec-Fetch-Site (which must be
// same-origin, or none for what the user did itself) or, older ones, in
// Origin (which must name this server). A client that sends neither is not
// a browser, and a forged request needs a browser to carry the victim's
// cookie. The session cookie's SameSite=Strict is the first guard; this is
// the second.
func (s *Server) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null" and the like
	}
	return strings.EqualFold(u.Host, r.Host) && (u.Scheme == "https" || u.Scheme == "http" && !s.secure(r))
}

// secure tells whether the browser reached us over HTTPS: directly (TLS),
// or through a proxy that terminates it (--behind-proxy assumes it does).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || s.opts.BehindProxy
}
