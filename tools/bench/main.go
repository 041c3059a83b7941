// Command bench measures the nightly run against the engine's own floor, at
// several sizes, on this machine: `make bench` (BENCH_SIZES=1000000,10000000
// by default; BENCH_SIZES=100000000 make bench for 100M). It generates the
// landing data once per size under BENCH_DATA (default .bench/), runs
// `bin/tally run` as a child process (wall time per step from its manifest,
// peak RSS from the kernel), then measures the floor in the same run:
// DuckDB alone, through the same driver, reading the same landing CSVs into
// zstd Parquet and summing TCV per partner — the least work any DuckDB-based
// pipeline must do. Where the anchors of ../shared/anchors are (BENCH_ANCHORS)
// and /usr/bin/python3 has pandas and yaml, it also runs the pandas peer
// and the DuckDB SQL peer on the same landing, as child processes, and
// prints tally's time against theirs; otherwise it says why it skipped
// them. It prints a table; BENCHMARKS.md keeps the figures.
// BENCH_MEMORY_LIMIT sets --memory-limit (default 2.6GB, tally's); BENCH_ON_DISK=1
// adds --on-disk.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"tally/pipeline/publish"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	bookings   int64
	rows       int64 // input rows of every table
	steps      map[string]float64
	wall       float64
	peakRSS    int64 // bytes
	floor      float64
	floorSteps string
	pandas     peer // the pandas anchor
	duckdb     peer // the DuckDB SQL anchor
}

// peer is one anchor's run: wall seconds and peak RSS, or why it did not run.
type peer struct {
	wall    float64
	peakRSS int64
	skipped string
}

func run() error {
	sizes := os.Getenv("BENCH_SIZES")
	if sizes == "" {
		sizes = "1000000,10000000"
	}
	data := os.Getenv("BENCH_DATA")
	if data == "" {
		data = ".bench"
	}
	bin, _ := filepath.Abs("bin/tally")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: build it first (make build): %w", bin, err)
	}
	var results []result
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("BENCH_SIZES: %q is not a number of bookings", s)
		}
		r, err := measure(bin, data, n)
		if err != nil {
			return err
		}
		results = append(results, r)
		report(results)
	}
	return nil
}

func measure(bin, data string, bookings int64) (result, error) {
	r := result{bookings: bookings}
	input := filepath.Join(data, fmt.Sprintf("landing-%d", bookings))
	partners := max(bookings/50, 100)
	if _, err := os.Stat(filepath.Join(input, ".complete")); err != nil {
		fmt.Fprintf(os.Stderr, "generating %d bookings, %d partners in %s\n", bookings, partners, input)
		os.RemoveAll(input)
		cmd := exec.Command(bin, "gen", "--out", input, "--partners", fmt.Sprint(partners), "--bookings", fmt.Sprint(bookings), "--seed", "1")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return r, fmt.Errorf("gen: %w", err)
		}
		if err := os.WriteFile(filepath.Join(input, ".complete"), nil, 0o644); err != nil {
			return r, err
		}
	}
	lake := filepath.Join(data, fmt.Sprintf("lake-%d", bookings))
	os.RemoveAll(lake)
	fmt.Fprintf(os.Stderr, "running tally on %d bookings\n", bookings)
	cmd := exec.Command(bin, "run", "--input", input, "--rulebook", "fixtures/rulebook.yaml",
		"--as-of", "2026-11-22", "--out", lake, "--log-level", "warn", "--memory-limit", memoryLimit())
	if os.Getenv("BENCH_ON_DISK") != "" {
		cmd.Args = append(cmd.Args, "--on-disk")
	}
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return r, fmt.Errorf("tally run: %w", err)
	}
	r.wall = time.Since(t0).Seconds()
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakRSS = u.Maxrss * 1024
	}
	m, err := publish.ReadManifest(filepath.Join(lake, "snapshots", "as_of=2026-11-22"))
	if err != nil {
		return r, err
	}
	r.steps = map[string]float64{}
	for _, s := range m.Steps {
		r.steps[s.Name] = s.Seconds
	}
	for _, in := range m.Inputs {
		r.rows += in.RowsRead
	}
	os.RemoveAll(lake)

	fmt.Fprintf(os.Stderr, "measuring the engine floor on %d bookings\n", bookings)
	if r.floor, r.floorSteps, err = floor(input); err != nil {
		return r, err
	}
	r.pandas = anchor(bookings, input, "pandas_points.py")
	r.duckdb = anchor(bookings, input, "duckdb_points.sh")
	return r, nil
}

// anchor runs one of the anchors (../shared/anchors) on the landing, for
// the program year of the run's as_of, as a child process.
func anchor(bookings int64, input, script string) peer {
	dir := os.Getenv("BENCH_ANCHORS")
	if dir == "" {
		dir = "../shared/anchors"
	}
	path, err := filepath.Abs(filepath.Join(dir, script))
	if err != nil {
		return peer{skipped: err.Error()}
	}
	if _, err := os.Stat(path); err != nil {
		return peer{skipped: fmt.Sprintf("no %s (BENCH_ANCHORS=%s)", script, dir)}
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pandas, yaml").Run(); err != nil {
		return peer{skipped: "/usr/bin/python3 lacks pandas or yaml (apt-get install -y python3-pandas python3-yaml)"}
	}
	out, err := os.MkdirTemp("", "tally-anchor-")
	if err != nil {
		return peer{skipped: err.Error()}
	}
	defer os.RemoveAll(out)
	args := []string{input, "fixtures/rulebook.yaml", "2026-11-22", filepath.Join(out, "points.csv")}
	cmd := exec.Command(path, args...)
	if filepath.Ext(script) == ".py" {
		cmd = exec.Command("/usr/bin/python3", append([]string{path}, args...)...)
	}
	fmt.Fprintf(os.Stderr, "running the anchor %s on %d bookings\n", script, bookings)
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return peer{skipped: fmt.Sprintf("%s: %v", script, err)}
	}
	p := peer{wall: time.Since(t0).Seconds()}
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.peakRSS = u.Maxrss * 1024
	}
	return p
}

func memoryLimit() string {
	if v := os.Getenv("BENCH_MEMORY_LIMIT"); v != "" {
		return v
	}
	return "2.6GB"
}

// floor: DuckDB reads every landing CSV into zstd Parquet and sums TCV per
// partner from the bookings Parquet.
func floor(input string) (float64, string, error) {
	ctx := context.Background()
	out, err := os.MkdirTemp("", "tally-floor-")
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(out)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "SET memory_limit = ?", memoryLimit()); err != nil {
		return 0, "", err
	}
	files, _ := filepath.Glob(filepath.Join(input, "*.csv"))
	t0 := time.Now()
	for _, f := range files {
		target := filepath.Join(out, strings.TrimSuffix(filepath.Base(f), ".csv")+".parquet")
		q := fmt.Sprintf("COPY (SELECT * FROM read_csv(%s, header = true)) TO %s (FORMAT parquet, COMPRESSION zstd)", lit(f), lit(target))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, "", fmt.Errorf("floor: %s: %w", f, err)
		}
	}
	load := time.Since(t0).Seconds()
	t1 := time.Now()
	var n int64
	q := "SELECT count(*) FROM (SELECT partner_id, sum(tcv) FROM read_parquet(?) GROUP BY partner_id)"
	if err := db.QueryRowContext(ctx, q, filepath.Join(out, "bookings.parquet")).Scan(&n); err != nil {
		return 0, "", fmt.Errorf("floor: sum: %w", err)
	}
	sum := time.Since(t1).Seconds()
	return load + sum, fmt.Sprintf("csv->parquet %.2fs, sum %.2fs", load, sum), nil
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func report(rs []result) {
	fmt.Printf("\n%s, %d cores, %s\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), time.Now().UTC().Format(time.DateOnly))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	// The manifest is written before the snapshot is renamed into place, so
	// it cannot hold the publish step's own time: "publish+other" is the
	// run's wall time less its recorded steps (publishing, and the process's
	// start and clean-up).
	fmt.Fprintln(w, "bookings\tinput rows\textract s\tload s\tcompute s\tchecks s\texport s\tpublish+other s\ttotal s\tpeak RSS\tfloor s\textract/floor\ttotal/floor\tpandas s\tpandas/total\tduckdb peer s\t")
	for _, r := range rs {
		s := r.steps
		other := r.wall - s["extract"] - s["load"] - s["compute"] - s["checks"] - s["export"]
		fmt.Fprintf(w, "%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f GiB\t%.2f\t%.2fx\t%.2fx\t%s\t%s\t%s\t\n",
			r.bookings, r.rows, s["extract"], s["load"], s["compute"], s["checks"], s["export"], other,
			r.wall, float64(r.peakRSS)/(1<<30), r.floor, s["extract"]/r.floor, r.wall/r.floor,
			r.pandas.seconds(), r.pandas.ratio(r.wall), r.duckdb.seconds())
	}
	w.Flush()
	for _, r := range rs {
		fmt.Printf("floor at %d: %s\n", r.bookings, r.floorSteps)
		for _, a := range []struct {
			name string
			p    peer
		}{{"pandas peer", r.pandas}, {"DuckDB peer", r.duckdb}} {
			name, p := a.name, a.p
			if p.skipped != "" {
				fmt.Printf("%s at %d: skipped: %s\n", name, r.bookings, p.skipped)
			} else {
				fmt.Printf("%s at %d: %.2f s, peak RSS %.2f GiB\n", name, r.bookings, p.wall, float64(p.peakRSS)/(1<<30))
			}
		}
	}
}

func (p peer) seconds() string {
	if p.skipped != "" {
		return "-"
	}
	return fmt.Sprintf("%.2f", p.wall)
}

// ratio is how many times faster than the peer tally was.
func (p peer) ratio(tally float64) string {
	if p.skipped != "" {
		return "-"
	}
	return fmt.Sprintf("%.1fx", p.wall/tally)
}
