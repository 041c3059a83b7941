package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// account is a dashboard user and the partners it may see.
type account struct {
	name, role, token string
	partners          []string
}

// picker draws partner ids, the same for the same seed.
type picker struct {
	r   *rand.Rand
	ids []string
}

func newPicker(seed int64, ids []string) *picker {
	return &picker{r: rand.New(rand.NewPCG(uint64(seed), 0x7a11)), ids: ids}
}

// distinct draws n different ids (n at most len(ids)).
func (p *picker) distinct(n int) []string {
	seen := map[int]bool{}
	var out []string
	for len(out) < n {
		i := p.r.IntN(len(p.ids))
		if !seen[i] {
			seen[i] = true
			out = append(out, p.ids[i])
		}
	}
	return out
}

// route is one of the pages the clients ask, with its share of requests.
type route struct {
	name   string
	path   func(id string) string
	weight int
}

// routes: the partner page twice as often as the points detail or the
// API's summary.
var routes = []route{
	{"/partners/{id}", func(id string) string { return "/partners/" + url.PathEscape(id) }, 2},
	{"/partners/{id}/points", func(id string) string { return "/partners/" + url.PathEscape(id) + "/points" }, 1},
	{"/api/partners/{id}", func(id string) string { return "/api/partners/" + url.PathEscape(id) }, 1},
}

type loadOptions struct {
	base     string // http://host:port
	accounts []account
	clients  int
	duration time.Duration
	seed     int64
}

// sample is one answered (or failed) request.
type sample struct {
	route   int
	latency time.Duration
	failed  string // "" when the answer was 200 with a body
}

// results are the samples of every client.
type results struct {
	elapsed time.Duration
	samples [][]sample // per route
	fails   map[string]int
}

// load signs each client in through the form, as the account it is given
// (a tenth are PBM or partner users, the rest the program team), then lets
// every client ask pages of random partners it may see, one request after
// another, until the duration is over.
func load(ctx context.Context, o loadOptions) (*results, error) {
	tr := &http.Transport{MaxIdleConns: o.clients * 2, MaxIdleConnsPerHost: o.clients * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	type client struct {
		http *http.Client
		acc  account
	}
	clients := make([]client, o.clients)
	for i := range clients {
		acc := o.accounts[accountOf(i, len(o.accounts))]
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: tr, Jar: jar, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if err := signIn(ctx, c, o.base, acc.token); err != nil {
			return nil, fmt.Errorf("client %d (%s): %w", i, acc.name, err)
		}
		clients[i] = client{c, acc}
	}
	total := 0
	for _, r := range routes {
		total += r.weight
	}
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	per := make([][]sample, o.clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i]
			rnd := rand.New(rand.NewPCG(uint64(o.seed), uint64(i)))
			for ctx.Err() == nil {
				id := c.acc.partners[rnd.IntN(len(c.acc.partners))]
				w, ri := rnd.IntN(total), 0
				for w >= routes[ri].weight {
					w -= routes[ri].weight
					ri++
				}
				s := ask(ctx, c.http, o.base+routes[ri].path(id))
				if ctx.Err() != nil && s.failed != "" {
					break // cut off by the end of the run, not a failure
				}
				s.route = ri
				per[i] = append(per[i], s)
			}
		}()
	}
	wg.Wait()
	res := &results{elapsed: time.Since(t0), samples: make([][]sample, len(routes)), fails: map[string]int{}}
	for _, ss := range per {
		for _, s := range ss {
			res.samples[s.route] = append(res.samples[s.route], s)
			if s.failed != "" {
				res.fails[routes[s.route].name+": "+s.failed]++
			}
		}
	}
	return res, nil
}

// accountOf is the account of client i of n accounts (the program team,
// the PBM, then partners): one client in ten is the PBM, one in ten a
// partner, the others the program team.
func accountOf(i, n int) int {
	switch {
	case i%10 == 1 && n > 1:
		return 1
	case i%10 == 2 && n > 2:
		return 2 + (i/10)%(n-2)
	}
	return 0
}

// signIn posts the token to the sign-in form; the jar keeps the session
// cookie.
func signIn(ctx context.Context, c *http.Client, base, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/signin", strings.NewReader(url.Values{"token": {token}, "next": {"/"}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-in answered %s", resp.Status)
	}
	u, _ := url.Parse(base)
	if len(c.Jar.Cookies(u)) == 0 {
		return fmt.Errorf("sign-in set no session cookie")
	}
	return nil
}

func ask(ctx context.Context, c *http.Client, u string) sample {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return sample{failed: err.Error()}
	}
	resp, err := c.Do(req)
	if err != nil {
		return sample{latency: time.Since(t0), failed: "transport error"}
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s := sample{latency: time.Since(t0)}
	switch {
	case err != nil:
		s.failed = "body cut short"
	case resp.StatusCode != http.StatusOK:
		s.failed = resp.Status
	case n == 0:
		s.failed = "empty body"
	}
	return s
}

func (r *results) errors() int {
	n := 0
	for _, v := range r.fails {
		n += v
	}
	return n
}

func (r *results) requests() int {
	n := 0
	for _, ss := range r.samples {
		n += len(ss)
	}
	return n
}

// percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// stats are one route's figures.
type stats struct {
	requests, errors   int
	p50, p90, p99, max time.Duration
}

func (r *results) stats(route int) stats {
	ss := r.samples[route]
	lat := make([]time.Duration, 0, len(ss))
	st := stats{requests: len(ss)}
	for _, s := range ss {
		if s.failed != "" {
			st.errors++
		}
		lat = append(lat, s.latency)
	}
	slices.Sort(lat)
	st.p50, st.p90, st.p99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
	if len(lat) > 0 {
		st.max = lat[len(lat)-1]
	}
	return st
}

func (r *results) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "%d requests in %.1f s (%.0f/s), %d errors\n", r.requests(), r.elapsed.Seconds(),
		float64(r.requests())/r.elapsed.Seconds(), r.errors())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\terrors\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for i, rt := range routes {
		st := r.stats(i)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", rt.name, st.requests, st.errors, ms(st.p50), ms(st.p90), ms(st.p99), ms(st.max))
	}
	tw.Flush()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.fails {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(w, "failed: %s (%d)\n", k, r.fails[k])
	}
}
