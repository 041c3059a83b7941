// Command benchserve measures the dashboard (`tally serve`) under load on a
// lake of the `tally gen` data: `make bench-serve`. It reuses the lake at
// -lake if one is published there, else builds it from the landing at
// -landing (generated with `tally gen` when absent). It then starts
// `bin/tally serve` on the lake as a child process, adds users with
// `tally users add` (the program team, a PBM, partners), signs each client
// in through the form, and runs -clients concurrent clients for -duration,
// each asking partner pages of random partners it may see:
// /partners/{id}, /partners/{id}/points and /api/partners/{id}. It prints
// requests, errors and latency percentiles per route, the server's start-up
// time (until /healthz answers, which loads the snapshot) and its peak RSS
// (VmHWM of /proc/PID/status), and the load average before and after.
// BENCHMARKS.md keeps the figures.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	bin       string
	lake      string
	landing   string
	partners  int
	bookings  int
	asOf      string
	rulebook  string
	clients   int
	duration  time.Duration
	pbmSize   int
	seed      int64
	keepServe bool
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/tally", "the tally binary (make build)")
	flag.StringVar(&c.lake, "lake", filepath.Join(os.TempDir(), "tally-bench-serve", "lake"), "the lake to serve; built from -landing if nothing is published there")
	flag.StringVar(&c.landing, "landing", ".bench/landing-10000000", "the landing data; generated with tally gen if it has no .complete file")
	flag.IntVar(&c.partners, "partners", 200000, "partners to generate (only when the landing is generated)")
	flag.IntVar(&c.bookings, "bookings", 10000000, "bookings to generate (only when the landing is generated)")
	flag.StringVar(&c.asOf, "as-of", "2026-11-22", "as_of of the run that builds the lake")
	flag.StringVar(&c.rulebook, "rulebook", "fixtures/rulebook.yaml", "rulebook of the run that builds the lake")
	flag.IntVar(&c.clients, "clients", 50, "concurrent clients")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "how long the clients ask")
	flag.IntVar(&c.pbmSize, "pbm-partners", 100, "partners of the PBM user")
	flag.Int64Var(&c.seed, "seed", 1, "seed of the partners each client picks")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	bin, err := filepath.Abs(c.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: build it first (make build): %w", bin, err)
	}
	c.bin = bin
	if err := prepareLake(c); err != nil {
		return err
	}
	ids, err := partnerIDs(c)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("the lake %s has no partners", c.lake)
	}
	work, err := os.MkdirTemp("", "tally-bench-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	accounts, err := addUsers(c, filepath.Join(work, "users.yaml"), ids)
	if err != nil {
		return err
	}

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	loadBefore := loadAverage()
	srv := exec.Command(c.bin, "serve", "--out", c.lake, "--addr", addr, "--users", filepath.Join(work, "users.yaml"), "--log-level", "warn")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	t0 := time.Now()
	if err := srv.Start(); err != nil {
		return fmt.Errorf("tally serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		if srv.ProcessState == nil {
			_ = srv.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				_ = srv.Process.Kill()
				<-exited
			}
		}
	}()
	base := "http://" + addr
	if err := waitHealthy(base, exited, 10*time.Minute); err != nil {
		return err
	}
	startup := time.Since(t0)
	loadedHWM := vmHWM(srv.Process.Pid)
	fmt.Fprintf(os.Stderr, "serving %s: started in %.2f s, peak RSS so far %s; %d clients for %s\n",
		c.lake, startup.Seconds(), gib(loadedHWM), c.clients, c.duration)

	res, err := load(context.Background(), loadOptions{base: base, accounts: accounts, clients: c.clients, duration: c.duration, seed: c.seed})
	if err != nil {
		return err
	}
	peak := vmHWM(srv.Process.Pid)
	loadAfter := loadAverage()
	_ = srv.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		return fmt.Errorf("tally serve did not stop cleanly: %w", err)
	}

	fmt.Printf("lake %s: %d partners; %d clients for %s\n", c.lake, len(ids), c.clients, c.duration)
	fmt.Printf("start-up (until /healthz answers, snapshot loaded): %.2f s; peak RSS after start-up %s, after the load %s\n",
		startup.Seconds(), gib(loadedHWM), gib(peak))
	fmt.Printf("load average before: %s; after: %s\n", loadBefore, loadAfter)
	res.print(os.Stdout)
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// prepareLake publishes the lake from the landing unless it has a latest
// snapshot already.
func prepareLake(c config) error {
	if _, err := os.Stat(filepath.Join(c.lake, "latest")); err == nil {
		fmt.Fprintf(os.Stderr, "reusing the lake %s (remove it to build it again)\n", c.lake)
		return nil
	}
	if _, err := os.Stat(filepath.Join(c.landing, ".complete")); err != nil {
		fmt.Fprintf(os.Stderr, "generating %d partners, %d bookings in %s\n", c.partners, c.bookings, c.landing)
		if err := os.RemoveAll(c.landing); err != nil {
			return err
		}
		if err := command(c.bin, "gen", "--out", c.landing, "--partners", strconv.Itoa(c.partners),
			"--bookings", strconv.Itoa(c.bookings), "--seed", "1").Run(); err != nil {
			return fmt.Errorf("tally gen: %w", err)
		}
		if err := os.WriteFile(filepath.Join(c.landing, ".complete"), nil, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "publishing the lake %s from %s\n", c.lake, c.landing)
	if err := command(c.bin, "run", "--input", c.landing, "--rulebook", c.rulebook, "--as-of", c.asOf,
		"--out", c.lake, "--log-level", "warn").Run(); err != nil {
		return fmt.Errorf("tally run: %w", err)
	}
	return nil
}

func command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

// partnerIDs lists the partners of the lake's latest snapshot.
func partnerIDs(c config) ([]string, error) {
	cmd := exec.Command(c.bin, "query", "--out", c.lake, "--format", "csv", "SELECT partner_id FROM partner_levels ORDER BY partner_id")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tally query: %w", err)
	}
	return parseIDs(out)
}

// parseIDs reads the one-column CSV of tally query, header first.
func parseIDs(out []byte) ([]string, error) {
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("tally query: %w", err)
	}
	var ids []string
	for i, r := range rows {
		if len(r) != 1 {
			return nil, fmt.Errorf("tally query: row %d has %d columns, want 1", i+1, len(r))
		}
		if i > 0 {
			ids = append(ids, r[0])
		}
	}
	return ids, nil
}

// addUsers adds the program team, one PBM with pbmSize partners and one
// partner user per partner client (a tenth of the clients, at least one),
// with tally users add, and returns their tokens.
func addUsers(c config, file string, ids []string) ([]account, error) {
	pick := newPicker(c.seed, ids)
	pbm := pick.distinct(min(c.pbmSize, len(ids)))
	accounts := []account{{name: "program", role: "program"}, {name: "pbm", role: "pbm", partners: pbm}}
	for i := range max(c.clients/10, 1) {
		accounts = append(accounts, account{name: fmt.Sprintf("partner%d", i), role: "partner", partners: pick.distinct(1)})
	}
	for i := range accounts {
		a := &accounts[i]
		args := []string{"users", "add", "--users", file, "--name", a.name, "--role", a.role}
		if len(a.partners) > 0 {
			args = append(args, "--partners", strings.Join(a.partners, ","))
		}
		cmd := exec.Command(c.bin, args...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("tally users add %s: %w: %s", a.name, err, errb.String())
		}
		a.token = strings.TrimSpace(string(out))
	}
	accounts[0].partners = ids
	return accounts, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHealthy polls /healthz until it answers 200: the server listens and
// has loaded the latest snapshot.
func waitHealthy(base string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: limit}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("tally serve exited before it answered: %v", err)
		default:
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("tally serve did not answer /healthz in time")
}

// vmHWM is the process's peak resident set size in bytes, from
// /proc/PID/status; 0 if it cannot be read.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// loadAverage is the 1, 5 and 15 minute load average (/proc/loadavg).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func gib(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }
