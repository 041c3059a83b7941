// Command statements times every statement of sql/ on a raw directory
// landed by `tally extract`, then the checks and the export, to find where
// a run's compute time goes (BENCHMARKS.md):
//
//	bin/tally extract --input .bench/landing-10000000 --rulebook fixtures/rulebook.yaml --out /tmp/x10
//	go run -tags=duckdb_arrow ./jobs/bench/statements -raw /tmp/x10/raw
//
// It prints the seconds of each statement that took at least -min seconds,
// the CPU seconds the process used meanwhile (at most 2x the seconds on two
// cores), the peak RSS sampled while it ran, its model file and first
// line; -after FILE times more statements after the export, on the tables
// it read ($TMP in them is a scratch directory: export variants); -set
// name=value tries a DuckDB setting, and -explain prints the plans, with
// each operator's time, of the statements it matches. Nothing is
// published; the export goes to a temporary directory that is removed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	after := flag.String("after", "", "a file of SQL statements to time after the export, on the tables it read (export variants)")
	explainText := flag.String("explain", "", "run the statements whose file name and first line match this regular expression with EXPLAIN ANALYZE, and print the plans")
	var sets []string
	flag.Func("set", "a DuckDB setting to try, name=value (repeatable)", func(v string) error {
		sets = append(sets, v)
		return nil
	})
	flag.Parse()
	var explain *regexp.Regexp
	if *explainText != "" {
		var err error
		if explain, err = regexp.Compile(*explainText); err != nil {
			fmt.Fprintln(os.Stderr, "statements: -explain:", err)
			os.Exit(2)
		}
	}
	if err := run(*raw, *rb, *asOf, *memory, *min, explain, sets, *after); err != nil {
		fmt.Fprintln(os.Stderr, "statements:", err)
		os.Exit(1)
	}
}

func run(raw, rbPath, asOfText, memory string, min float64, explain *regexp.Regexp, sets []string, after string) error {
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
			t, c := time.Now(), cpuSeconds()
			if explain != nil && explain.MatchString(name+" "+firstLine(stmt)) {
				plan, err := explainAnalyze(ctx, e, stmt)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				fmt.Println(plan)
			} else if _, err := e.DB().ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			p := peaks.take()
			if s := time.Since(t).Seconds(); s >= min {
				fmt.Printf("%8.2f %6.2f cpu %s %s %s\n", s, cpuSeconds()-c, p, name, firstLine(stmt))
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
	t, c := time.Now(), cpuSeconds()
	if err := e.Release(ctx); err != nil {
		return err
	}
	if err := os.Mkdir(tmp+"/export", 0o755); err != nil {
		return err
	}
	if _, err := e.Export(ctx, tmp+"/export"); err != nil {
		return err
	}
	fmt.Printf("%8.2f %6.2f cpu %s export\n", time.Since(t).Seconds(), cpuSeconds()-c, peaks.take())
	if after == "" {
		return nil
	}
	text, err := os.ReadFile(after)
	if err != nil {
		return err
	}
	for _, stmt := range statements(strings.ReplaceAll(string(text), "$TMP", tmp)) {
		t, c := time.Now(), cpuSeconds()
		if _, err := e.DB().ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", firstLine(stmt), err)
		}
		fmt.Printf("%8.2f %6.2f cpu %s %s\n", time.Since(t).Seconds(), cpuSeconds()-c, peaks.take(), strings.Join(strings.Fields(stmt), " "))
	}
	return nil
}

// cpuSeconds is the user and system CPU time the process has used.
func cpuSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
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

// take formats the peak (GiB) since the last take, the RSS now included,
// and starts the next one from now.
func (p *peaks) take() string {
	now := rssBytes()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := fmt.Sprintf("%5.2f GiB", float64(max(p.rss, now))/(1<<30))
	p.rss = now
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

// explainAnalyze runs stmt under EXPLAIN ANALYZE (which also executes it)
// and returns its plan, one operator a line, indented under its parent,
// with the rows it produced, its time (summed over threads) and what
// DuckDB says of it.
func explainAnalyze(ctx context.Context, e *engine.Engine, stmt string) (string, error) {
	var kind, text string
	if err := e.DB().QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT json) "+stmt).Scan(&kind, &text); err != nil {
		return "", err
	}
	type node struct {
		Name     string         `json:"operator_name"`
		Rows     int64          `json:"operator_cardinality"`
		Seconds  float64        `json:"operator_timing"`
		Extra    map[string]any `json:"extra_info"`
		Children []*node        `json:"children"`
	}
	var root node
	if err := json.Unmarshal([]byte(text), &root); err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	var b strings.Builder
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		if n.Name != "" {
			keys := slices.Sorted(maps.Keys(n.Extra))
			var extra []string
			for _, k := range keys {
				v := strings.Join(strings.Fields(fmt.Sprint(n.Extra[k])), " ")
				if len(v) > 120 {
					v = v[:120] + "..."
				}
				extra = append(extra, k+"="+v)
			}
			fmt.Fprintf(&b, "%s%s %d rows %.2fs [%s]\n", strings.Repeat("  ", depth), n.Name, n.Rows, n.Seconds, strings.Join(extra, "; "))
			depth++
		}
		for _, c := range n.Children {
			walk(c, depth)
		}
	}
	walk(&root, 0)
	return b.String(), nil
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
