// Package serve is the program progression dashboard (`tally serve`): the
// Level Progression Summary and Points Detail of each partner, the program
// team's and PBMs' overviews, and a JSON API with the same figures, read
// from the lake's latest published snapshot and filtered on the server by
// who is asking (RULES.md section 16).
//
// Security model, in short: a user proves who it is with its access token
// (users.Authenticate, constant time, the file holds only SHA-256 hashes),
// as a bearer token or once through the sign-in form in exchange for a
// server-side session (a random id in an HttpOnly, SameSite=Strict cookie,
// Secure over HTTPS). A partner the user may not see answers exactly as one
// that does not exist (404). Failed sign-ins from an address are slowed
// down. Pages carry a Content-Security-Policy that allows nothing external
// and no script; state-changing POSTs must come from the same origin.
package serve

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"tally/pipeline/users"
)

// Options configure a Server.
type Options struct {
	Lake        string // the lake directory
	Addr        string // host:port to listen on (Run)
	UsersFile   string
	TLSCert     string // with TLSKey: serve HTTPS
	TLSKey      string
	BehindProxy bool // a reverse proxy terminates HTTPS: trust its X-Forwarded-For, mark cookies Secure
	Logger      *slog.Logger

	now func() time.Time // tests move the clock
}

// Server answers the dashboard's pages and API.
type Server struct {
	opts     Options
	log      *slog.Logger
	data     *tracker
	users    *directory
	sessions *sessions
	throttle *throttle
	mux      *http.ServeMux
	now      func() time.Time
}

// New checks the users file and prepares the server; the lake is read at
// the first request (and may be empty until the first publish).
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Lake == "" {
		return nil, fmt.Errorf("serve: no lake directory: %w", ErrUsage)
	}
	if opts.UsersFile == "" {
		return nil, fmt.Errorf("serve: --users is required: %w", ErrUsage)
	}
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		return nil, fmt.Errorf("serve: --tls-cert and --tls-key go together: %w", ErrUsage)
	}
	dir, err := newDirectory(opts.UsersFile, opts.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, users: dir,
		data:     &tracker{lake: opts.Lake, log: opts.Logger},
		sessions: &sessions{m: map[string]session{}}, throttle: &throttle{m: map[string]*failures{}},
		now: opts.now}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes()
	return s, nil
}

// ErrUsage is wrapped by the errors of options that cannot work: exit 2.
var ErrUsage = errors.New("bad usage")

// Close releases the snapshot in use.
func (s *Server) Close() { s.data.close() }

// ServeHTTP answers one request, with the headers every answer carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.secure(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

// csp allows the page's own stylesheet (by its hash) and nothing else: no
// script, no external style, font, image, frame or form target.
var csp = "default-src 'none'; style-src '" + styleHash() + "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(stylesheet))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /signin", s.signinForm)
	m.HandleFunc("POST /signin", s.signin)
	m.HandleFunc("POST /signout", s.signout)
	m.HandleFunc("GET /{$}", s.page(s.home))
	m.HandleFunc("GET /find", s.page(s.find))
	m.HandleFunc("GET /partners/{id}", s.page(s.partnerPage))
	m.HandleFunc("GET /partners/{id}/points", s.page(s.pointsPage))
	m.HandleFunc("GET /api/partners", s.api(s.apiList))
	m.HandleFunc("GET /api/partners/{id}", s.api(s.apiPartner))
	m.HandleFunc("GET /api/partners/{id}/points", s.api(s.apiPoints))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { s.apiError(w, http.StatusNotFound, "not found") })
	m.HandleFunc("/", s.page(func(w http.ResponseWriter, r *http.Request, _ *request) { s.notFound(w, r) }))
	s.mux = m
}

// request is what a handler needs: who asks, and the snapshot it answers
// from.
type request struct {
	id   identity
	data *dataset
}

// sees tells whether the user may see the partner and the snapshot has it.
func (q *request) sees(partnerID string) bool {
	if q.data.partner(partnerID) < 0 {
		return false
	}
	return q.id.user.Sees(partnerID)
}

func (q *request) visible() []string {
	return q.data.visible(q.id.user.Sees, q.id.user.Role == users.Program)
}

// page wraps a page handler: a request without a valid session or token
// gets the sign-in form with 401.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.identify(r)
		if err != nil {
			s.refused(r, err)
			if errors.Is(err, errThrottled) {
				s.tooMany(w, r)
				return
			}
			if errors.Is(err, errBadToken) {
				clearSession(w, s.secure(r))
			}
			s.renderSignin(w, r, http.StatusUnauthorized, "", r.URL.RequestURI())
			return
		}
		d, err := s.data.acquire(r.Context())
		if err != nil {
			s.unavailable(w, r, err)
			return
		}
		defer d.release()
		h(w, r, &request{id: id, data: d})
	}
}

// api wraps an API handler: no token, or a wrong one, is 401.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.identify(r)
		if err != nil {
			s.refused(r, err)
			if errors.Is(err, errThrottled) {
				w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter(r)))
				s.apiError(w, http.StatusTooManyRequests, "too many failed sign-ins; wait and try again")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tally"`)
			s.apiError(w, http.StatusUnauthorized, "a valid access token is required (Authorization: Bearer TOKEN)")
			return
		}
		d, err := s.data.acquire(r.Context())
		if err != nil {
			s.log.Error("dashboard: no snapshot to serve", "err", err)
			s.apiError(w, http.StatusServiceUnavailable, "no published snapshot can be read")
			return
		}
		defer d.release()
		h(w, r, &request{id: id, data: d})
	}
}

func (s *Server) refused(r *http.Request, err error) {
	if errors.Is(err, errNoCredentials) {
		return // a first visit, not a refusal worth a line
	}
	s.log.Warn("dashboard: request refused", "reason", err.Error(), "client", s.clientAddr(r), "method", r.Method, "path", r.URL.Path)
}

func (s *Server) retryAfter(r *http.Request) int {
	return int(s.throttle.wait(s.clientAddr(r), s.now()).Seconds()) + 1
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	d, err := s.data.acquire(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "no snapshot", "error": err.Error()})
		return
	}
	defer d.release()
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "as_of": d.asOf})
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.identify(r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderSignin(w, r, http.StatusOK, "", r.URL.Query().Get("next"))
}

// signin exchanges a token for a session.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	client := s.clientAddr(r)
	if !s.sameOrigin(r) {
		s.log.Warn("dashboard: sign-in refused", "reason", "cross-origin request", "client", client, "origin", r.Header.Get("Origin"))
		s.forbidden(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.renderSignin(w, r, http.StatusBadRequest, "The form could not be read.", "")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	now := s.now()
	if s.throttle.wait(client, now) > 0 {
		s.log.Warn("dashboard: sign-in refused", "reason", errThrottled.Error(), "client", client)
		s.tooMany(w, r)
		return
	}
	u, ok := s.users.current().Authenticate(strings.TrimSpace(r.PostForm.Get("token")))
	if !ok {
		s.throttle.fail(client, now)
		s.log.Warn("dashboard: sign-in refused", "reason", errBadToken.Error(), "client", client)
		s.renderSignin(w, r, http.StatusUnauthorized, "That token is not valid.", next)
		return
	}
	s.throttle.succeed(client)
	id, err := s.sessions.open(u, now)
	if err != nil {
		s.log.Error("dashboard: session", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds())})
	s.log.Info("dashboard: signed in", "user", u.Name, "role", string(u.Role), "client", client)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		s.forbidden(w, r)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess, ok := s.sessions.get(c.Value, s.now()); ok {
			s.log.Info("dashboard: signed out", "user", sess.user, "client", s.clientAddr(r))
		}
		s.sessions.end(c.Value)
	}
	clearSession(w, s.secure(r))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func clearSession(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// safeNext keeps a redirect after sign-in on this site: a local path only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, q *request) {
	u := q.id.user
	if u.Role == users.Partner {
		http.Redirect(w, r, partnerPath(u.Partners[0]), http.StatusSeeOther)
		return
	}
	v := homeView{Page: s.view(r, q, "Program progression")}
	if u.Role == users.Program {
		o := q.data.overview()
		v.Overview = &o
		v.Chart = distributionChart(q.data, o)
	} else {
		v.Title = "Your partners"
		for _, id := range q.visible() {
			v.Partners = append(v.Partners, q.data.row(id))
		}
		v.Missing = len(u.Partners) - len(v.Partners)
	}
	s.render(w, http.StatusOK, "home", v)
}

// find takes a partner id from the lookup form to its page.
func (s *Server) find(w http.ResponseWriter, r *http.Request, q *request) {
	id := strings.TrimSpace(r.URL.Query().Get("partner"))
	if id == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, partnerPath(id), http.StatusSeeOther)
}

func (s *Server) partnerPage(w http.ResponseWriter, r *http.Request, q *request) {
	id := r.PathValue("id")
	if !q.sees(id) {
		s.denied(r, q, id)
		s.notFound(w, r)
		return
	}
	sum := q.data.summary(id)
	v := partnerView{Page: s.view(r, q, "Partner "+id), S: sum, PartnerID: id}
	s.render(w, http.StatusOK, "partner", v)
}

func (s *Server) pointsPage(w http.ResponseWriter, r *http.Request, q *request) {
	id := r.PathValue("id")
	if !q.sees(id) {
		s.denied(r, q, id)
		s.notFound(w, r)
		return
	}
	p, err := q.data.points(r.Context(), id)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	v := pointsView{Page: s.view(r, q, "Points detail, partner "+id), P: p, PartnerID: id}
	s.render(w, http.StatusOK, "points", v)
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, q *request) {
	l := List{Snapshot: q.data.snapshot(), AsOf: q.data.asOf, Partners: []Row{}}
	for _, id := range q.visible() {
		l.Partners = append(l.Partners, q.data.row(id))
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) apiPartner(w http.ResponseWriter, r *http.Request, q *request) {
	id := r.PathValue("id")
	if !q.sees(id) {
		s.denied(r, q, id)
		s.apiError(w, http.StatusNotFound, "not found")
		return
	}
	writeJSON(w, http.StatusOK, q.data.summary(id))
}

func (s *Server) apiPoints(w http.ResponseWriter, r *http.Request, q *request) {
	id := r.PathValue("id")
	if !q.sees(id) {
		s.denied(r, q, id)
		s.apiError(w, http.StatusNotFound, "not found")
		return
	}
	p, err := q.data.points(r.Context(), id)
	if err != nil {
		s.log.Error("dashboard: points detail", "partner", id, "err", err)
		s.apiError(w, http.StatusServiceUnavailable, "the snapshot could not be read; try again")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// denied logs a request for a partner that the user may not see (or that
// does not exist: the answer is the same, the log says which).
func (s *Server) denied(r *http.Request, q *request, id string) {
	exists := q.data.partner(id) >= 0
	if exists {
		s.log.Warn("dashboard: partner refused", "user", q.id.user.Name, "role", string(q.id.user.Role), "partner", id, "client", s.clientAddr(r))
	}
}

func (s *Server) apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errNoSnapshot) {
		s.renderMessage(w, http.StatusServiceUnavailable, "No snapshot yet", "Nothing has been published in the lake yet; the dashboard shows the first snapshot as soon as it is.")
		return
	}
	s.log.Error("dashboard: no snapshot to serve", "err", err, "path", r.URL.Path)
	s.renderMessage(w, http.StatusServiceUnavailable, "Not available", "The published snapshot could not be read just now. Try again in a moment.")
}

func (s *Server) notFound(w http.ResponseWriter, _ *http.Request) {
	s.renderMessage(w, http.StatusNotFound, "Not found", "There is no such page, or it is not yours to see.")
}

func (s *Server) forbidden(w http.ResponseWriter, _ *http.Request) {
	s.renderMessage(w, http.StatusForbidden, "Refused", "This form was sent from another site.")
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter(r)))
	s.renderMessage(w, http.StatusTooManyRequests, "Too many attempts", "Too many failed sign-ins from your address. Wait a little, then try again.")
}

// Run serves until ctx is done (SIGTERM), then stops accepting and lets the
// requests in flight finish (at most 10 seconds).
func Run(ctx context.Context, opts Options) error {
	s, err := New(opts)
	if err != nil {
		return err
	}
	defer s.Close()
	// The dataset is large and nearly free of pointers, so a collection
	// costs little: collect at 10% growth rather than Go's default 100%,
	// which would let the heap reach twice the dataset. GOGC overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(10)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen %s: %w", opts.Addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	scheme := "http"
	if opts.TLSCert != "" {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	s.log.Info("dashboard: listening", "url", scheme+"://"+ln.Addr().String(), "lake", opts.Lake, "users", opts.UsersFile)
	done := make(chan error, 1)
	go func() {
		if opts.TLSCert != "" {
			done <- srv.ServeTLS(ln, opts.TLSCert, opts.TLSKey)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("dashboard: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func partnerPath(id string) string { return "/partners/" + url.PathEscape(id) }
