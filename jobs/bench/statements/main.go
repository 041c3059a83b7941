// Command statements times every statement of sql/ on a raw directory
// landed by `tally extract`, then the checks and the export, to find where
// a run's compute time goes (BENCHMARKS.md):
//
//	bin/tally extract --input .bench/landing-10000000 --rulebook fixtures/rulebook.yaml --out /tmp/x10
//	go run -tags=duckdb_arrow ./jobs/bench/statements -raw /tmp/x10/raw
//
// It prints the seconds of each statement that took at least -min seconds,
// the peak RSS sampled while it ran, its model file and first line; -set
// name=value tries a DuckDB setting. Nothing is published; the export
// goes to a temporary directory that is removed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/rulebook"
	tallysql "tally/sql"
)

func main() {
	raw := flag.String("raw", "", "the raw/ directory of a landed run (required)")
	rb := flag.String("rulebook", "fixtures/rulebook.yaml", "the rulebook")
	asOf := flag.String("as-of", "2026-11-22", "the snapshot date")
	memory := flag.String("memory-limit", "3GB", "DuckDB memory_limit")
	min := flag.Float64("min", 0.2, "print statements that took at least this many seconds")
	var sets []string
	flag.Func("set", "a DuckDB setting to try, name=value (repeatable)", func(v string) error {
		sets = append(sets, v)
		return nil
	})
	flag.Parse()
	if err := run(*raw, *rb, *asOf, *memory, *min, sets); err != nil {
		fmt.Fprintln(os.Stderr, "statements:", err)
		os.Exit(1)
	}
}

func run(raw, rbPath, asOfText, memory string, min float64, sets []string) error {
	if raw == "" {
		return fmt.Errorf("-raw is required")
	}
	ctx := context.Background()
	rb, err := rulebook.Load(rbPath)
	if err != nil {
		return err
	}
	asOf, err := date.Parse(asOfText)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tally-statements-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	e, err := engine.Open(ctx, engine.Settings{MemoryLimit: memory, PrivateRaw: true, TempDir: tmp + "/duckdb"})
	if err != nil {
		return err
	}
	defer e.Close()
	for _, set := range sets {
		name, value, ok := strings.Cut(set, "=")
		if !ok {
			return fmt.Errorf("-set %q: want name=value", set)
		}
		if _, err := e.DB().ExecContext(ctx, "SET "+name+" = ?", value); err != nil {
			return fmt.Errorf("-set %q: %w", set, err)
		}
	}
	peaks := sample(200 * time.Millisecond)
	t := time.Now()
	if err := e.LoadRaw(ctx, raw); err != nil {
		return err
	}
	if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil {
		return err
	}
	fmt.Printf("%8.2f load\n", time.Since(t).Seconds())
	names, err := engine.Models()
	if err != nil {
		return err
	}
	models := time.Now()
	for _, name := range names {
		text, err := fs.ReadFile(tallysql.Files, name)
		if err != nil {
			return err
		}
		for _, stmt := range statements(string(text)) {
			t := time.Now()
			if _, err := e.DB().ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			p := peaks.take()
			if s := time.Since(t).Seconds(); s >= min {
				fmt.Printf("%8.2f %s %s %s\n", s, p, name, firstLine(stmt))
			}
		}
	}
	fmt.Printf("%8.2f models\n", time.Since(models).Seconds())
	t = time.Now()
	checks, err := e.Checks(ctx)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if !c.Passed {
			fmt.Printf("check %s failed: %d rows\n", c.Name, c.FailingRows)
		}
	}
	fmt.Printf("%8.2f %s checks\n", time.Since(t).Seconds(), peaks.take())
	t = time.Now()
	if err := e.Release(ctx); err != nil {
		return err
	}
	if err := os.Mkdir(tmp+"/export", 0o755); err != nil {
		return err
	}
	if _, err := e.Export(ctx, tmp+"/export"); err != nil {
		return err
	}
	fmt.Printf("%8.2f %s export\n", time.Since(t).Seconds(), peaks.take())
	return nil
}

// peaks is the highest RSS sampled since the last take.
type peaks struct {
	mu  sync.Mutex
	rss uint64
}

// sample reads the process's RSS every interval.
func sample(interval time.Duration) *peaks {
	p := &peaks{}
	go func() {
		for range time.Tick(interval) {
			rss := rssBytes()
			p.mu.Lock()
			p.rss = max(p.rss, rss)
			p.mu.Unlock()
		}
	}()
	return p
}

// take formats the peak (GiB) and resets it.
func (p *peaks) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := fmt.Sprintf("%5.2f GiB", float64(p.rss)/(1<<30))
	p.rss = 0
	return out
}

// rssBytes is the process's resident set size, from /proc/self/status.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// statements splits a model file at each line that ends a statement (a ';'
// at the end of a line that is not a comment), the way the models are
// written.
func statements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		cur.WriteString(line)
		trimmed := strings.TrimSpace(line)
		if strings.HasSuffix(trimmed, ";") && !strings.HasPrefix(trimmed, "--") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return slices.DeleteFunc(out, func(s string) bool { return firstLine(s) == "" })
}

// firstLine is a statement's first line that is not a comment.
func firstLine(stmt string) string {
	for _, line := range strings.Split(stmt, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return line
		}
	}
	return ""
}
