// Command profile times each model of sql/ on a raw directory landed by
// `tally extract`, for finding where the rules spend their time:
//
//	bin/tally extract --input LANDING --rulebook fixtures/rulebook.yaml --out /tmp/x
//	go run -tags=duckdb_arrow ./tools/profile -raw /tmp/x/raw/... -rulebook fixtures/rulebook.yaml -as-of 2026-11-22 [-explain REGEXP]
//	    [-save /tmp/models.duckdb]
//
// It prints each model's seconds, slowest first, then the seconds of the
// load, the models, the checks and the export, wall and process CPU.
// -explain prints DuckDB's EXPLAIN ANALYZE of the models whose names,
// without their number, match; -copy-raw loads the raw tables as copies
// in DuckDB (`tally run` reads them as views of their Parquet files).
// BENCHMARKS.md keeps what was found.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"tally/pipeline/date"
	"tally/pipeline/engine"
	"tally/pipeline/rulebook"

	"tally/tools/internal/cputime"
)

func main() {
	raw := flag.String("raw", "", "raw directory (<table>/<table>.parquet)")
	rb := flag.String("rulebook", "fixtures/rulebook.yaml", "rulebook")
	asOf := flag.String("as-of", "", "as_of date")
	explain := flag.String("explain", "", "EXPLAIN ANALYZE the models whose names match this regular expression")
	memory := flag.String("memory-limit", "2.6GB", "DuckDB memory_limit (tally run's default)")
	save := flag.String("save", "", "after the run, copy every relation (the intermediates kept) and the raw views' rows to this DuckDB file, for trying a model's query by hand")
	copyRaw := flag.Bool("copy-raw", false, "load the raw tables as copies in DuckDB instead of views of their Parquet files (tally run reads the files in place)")
	flag.Parse()
	if err := run(*raw, *rb, *asOf, *explain, *memory, *save, *copyRaw); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(raw, rbPath, asOfText, explain, memory, save string, copyRaw bool) error {
	ctx := context.Background()
	asOf, err := date.Parse(asOfText)
	if err != nil {
		return err
	}
	rb, err := rulebook.Load(rbPath)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	e, err := engine.Open(ctx, engine.Settings{MemoryLimit: memory, PrivateRaw: !copyRaw, TempDir: tmp, KeepIntermediates: explain != "" || save != ""})
	if err != nil {
		return err
	}
	defer e.Close()
	var load, compute, checks, export timing
	if err := load.of(func() error { return e.LoadRaw(ctx, raw) }); err != nil {
		return err
	}
	if err := e.LoadRules(ctx, rb.Tables(asOf)); err != nil {
		return err
	}
	var steps []engine.Step
	if err := compute.of(func() (err error) { steps, err = e.Run(ctx); return err }); err != nil {
		return err
	}
	if err := checks.of(func() error { _, err := e.Checks(ctx); return err }); err != nil {
		return err
	}
	if err := export.of(func() error { _, err := e.Export(ctx, tmp); return err }); err != nil {
		return err
	}
	slices.SortFunc(steps, func(a, b engine.Step) int { return int((b.Seconds - a.Seconds) * 1e6) })
	for _, s := range steps {
		fmt.Printf("%8.3f  %s\n", s.Seconds, s.Name)
	}
	for _, t := range []struct {
		name string
		timing
	}{{"load", load}, {"compute", compute}, {"checks", checks}, {"export", export}} {
		fmt.Printf("%8.3f  %-8s (%.3f s of CPU)\n", t.wall, t.name, t.cpu)
	}
	if save != "" {
		if err := saveRelations(ctx, e, save); err != nil {
			return err
		}
	}
	if explain == "" {
		return nil
	}
	re, err := regexp.Compile(explain)
	if err != nil {
		return err
	}
	for _, s := range steps {
		_, name, _ := strings.Cut(s.Name, "_")
		if !re.MatchString(name) {
			continue
		}
		text, err := e.ExplainAnalyze(ctx, name)
		if err != nil {
			return err
		}
		fmt.Printf("\n== %s\n%s", s.Name, text)
	}
	return nil
}

// saveRelations copies every table and view of the engine's database into
// a new DuckDB file, views as tables, so that a model's query can be run
// again by hand on what it read.
func saveRelations(ctx context.Context, e *engine.Engine, file string) error {
	db := e.DB()
	if _, err := db.ExecContext(ctx, "ATTACH '"+strings.ReplaceAll(file, "'", "''")+"' AS saved"); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' ORDER BY 1")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		q := `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
		if _, err := db.ExecContext(ctx, "CREATE TABLE saved."+q+" AS SELECT * FROM main."+q); err != nil {
			return fmt.Errorf("save %s: %w", n, err)
		}
	}
	_, err = db.ExecContext(ctx, "DETACH saved")
	return err
}

// timing is how long a step took: wall and process CPU seconds.
type timing struct{ wall, cpu float64 }

// of runs f and records its time.
func (t *timing) of(f func() error) error {
	t0, c0 := time.Now(), cputime.Seconds()
	err := f()
	t.wall, t.cpu = time.Since(t0).Seconds(), cputime.Seconds()-c0
	return err
}
