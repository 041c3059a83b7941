// Command tally computes a partner program's points and levels and publishes
// them as Parquet snapshots. This file only parses the command line; the
// work is in jobs/ and pipeline/.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tally/jobs"
	"tally/jobs/schedule"
	"tally/pipeline/engine"
	"tally/pipeline/extract"
	"tally/pipeline/lake"
	"tally/pipeline/serve"
	"tally/pipeline/synth"
	"tally/pipeline/users"
)

// global flags
var (
	logFormat string
	logLevel  string
	asJSON    bool
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := execute(ctx, rootCommand(), os.Args[1:])
	stop()
	code := jobs.ExitCode(err)
	if err != nil {
		logError(os.Stderr, os.Args[1:], err, code)
	}
	os.Exit(code)
}

// execute runs the command line args. An error that comes before any
// command's own code runs is cobra's (an unknown command, a missing or
// extra argument, a required flag not set): bad usage, exit 2.
func execute(ctx context.Context, root *cobra.Command, args []string) error {
	started := false
	markStarted(root, &started)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !started && !errors.Is(err, jobs.ErrUsage) {
		err = fmt.Errorf("%w (see `%s --help`): %w", err, cmd.CommandPath(), jobs.ErrUsage)
	}
	return err
}

// markStarted wraps the RunE of c and of every command under it to set
// *started when it begins.
func markStarted(c *cobra.Command, started *bool) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*started = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markStarted(sub, started)
	}
}

// logError writes the error that ends the command: one line "tally: ...",
// or with --log-format json a JSON log record like every other line on
// stderr. args give --log-format when parsing stopped before it.
func logError(w io.Writer, args []string, err error, code int) {
	format := logFormat
	for i, a := range args {
		if a == "--" {
			break
		}
		switch {
		case a == "--log-format" && i+1 < len(args):
			format = args[i+1]
		case strings.HasPrefix(a, "--log-format="):
			format = strings.TrimPrefix(a, "--log-format=")
		}
	}
	if format == "json" {
		slog.New(slog.NewJSONHandler(w, nil)).Error("tally failed", "err", err.Error(), "exit_code", code)
		return
	}
	fmt.Fprintln(w, "tally:", err)
}

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tally",
		Short: "Points and partner levels of a partner program, as Parquet snapshots",
		Long: `tally extracts bookings, claims and capabilities from a landing directory,
applies the program's rulebook in DuckDB, checks the result and publishes a
versioned snapshot of points and levels that dashboards and analysts read.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().BoolVar(&asJSON, "json", false, "print results as JSON on stdout")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%v (see `%s --help`): %w", err, c.CommandPath(), jobs.ErrUsage)
	})
	root.AddCommand(runCommand(), extractCommand(), validateCommand(), reportCommand(), explainCommand(),
		queryCommand(), simulateCommand(), scheduleCommand(), genCommand(), serveCommand(), usersCommand())
	return root
}

func newLogger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", logLevel, jobs.ErrUsage)
	}
	opts := &slog.HandlerOptions{Level: level}
	var log *slog.Logger
	switch logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(os.Stderr, opts))
	case "json":
		log = slog.New(slog.NewJSONHandler(os.Stderr, opts))
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json: %w", logFormat, jobs.ErrUsage)
	}
	// Packages without a logger of their own (publish's recovery) log to
	// the default one: the same format and level.
	slog.SetDefault(log)
	return log, nil
}

// progress is the spinner for a terminal, and none under JSON logs.
func progress() jobs.Progress {
	if logFormat != "text" {
		return jobs.NoProgress{}
	}
	return jobs.TerminalProgress(os.Stderr)
}

func runCommand() *cobra.Command {
	var o jobs.RunOptions
	c := &cobra.Command{
		Use:   "run --input DIR|postgres://... --rulebook FILE --as-of DATE [--out DIR] [--pg-schema NAME]",
		Short: "The nightly job: extract, compute, check and publish the snapshot for as_of",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			o.Progress = progress()
			res, err := jobs.Run(cmd.Context(), o)
			if res != nil && (err == nil || errors.Is(err, jobs.ErrStrict)) {
				printRun(os.Stdout, res)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&o.Input, "input", "", inputHelp)
	f.StringVar(&o.PGSchema, "pg-schema", "", pgSchemaHelp)
	f.StringVar(&o.Rulebook, "rulebook", "", "rulebook YAML (required)")
	f.StringVar(&o.AsOf, "as-of", "", "snapshot date YYYY-MM-DD (required)")
	f.StringVar(&o.Out, "out", "output", "the lake directory")
	f.BoolVar(&o.Strict, "strict", false, "publish nothing and exit 3 if any row is rejected")
	f.BoolVar(&o.AllowEmpty, "allow-empty", false, "publish even when no partner is accepted (otherwise exit 2, nothing published)")
	f.IntVar(&o.Keep, "keep", 0, "keep only the newest N snapshots (0 keeps all)")
	f.DurationVar(&o.Wait, "wait", 0, "wait this long for another run holding the lake's lock (0: fail at once)")
	duckdbFlags(c, &o.DuckDB)
	for _, name := range []string{"input", "rulebook", "as-of"} {
		_ = c.MarkFlagRequired(name)
	}
	return c
}

const (
	inputHelp    = "landing directory of input files, or postgres://user:password@host:port/database (required)"
	pgSchemaHelp = "with a postgres:// --input: the schema holding the tables or views (default public)"
)

func duckdbFlags(c *cobra.Command, s *engine.Settings) {
	f := c.Flags()
	f.StringVar(&s.MemoryLimit, "memory-limit", "2.6GB", "DuckDB memory_limit; larger work spills to --temp-dir (DuckDB allocates some memory beyond it: the default keeps the process under 3 GiB)")
	f.IntVar(&s.Threads, "threads", 0, "DuckDB threads (0: one per core)")
	f.StringVar(&s.TempDir, "temp-dir", "", "DuckDB temp_directory for spilling (default: inside the lake's work area)")
	f.BoolVar(&s.OnDisk, "on-disk", false, "keep the run's tables in a compressed DuckDB file under --temp-dir instead of in memory: slower, but spills several times less (for 100M bookings)")
}

func printRun(w io.Writer, r *jobs.RunResult) {
	if asJSON {
		printJSON(w, r)
		return
	}
	if r.Snapshot != "" {
		fmt.Fprintf(w, "published %s (run %s)\n", r.Snapshot, r.RunID)
	}
	printTables(w, r.Inputs)
	if len(r.Outputs) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "output\trows")
		for _, o := range r.Outputs {
			fmt.Fprintf(tw, "%s\t%d\n", o.Table, o.Rows)
		}
		tw.Flush()
	}
}

func printTables(w io.Writer, tables []extract.TableResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tfile\tread\taccepted\trejected")
	var rejected int64
	for _, t := range tables {
		file := t.File
		switch {
		case t.Source != nil && t.Source.Table != "":
			file = t.Source.Schema + "." + t.Source.Table
		case file == "":
			file = "(absent)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", t.Table, file, t.RowsRead, t.Accepted, t.Rejected)
		rejected += t.Rejected
	}
	tw.Flush()
	if rejected > 0 {
		fmt.Fprintf(w, "%d rows rejected; reasons:\n", rejected)
		for _, t := range tables {
			for reason, n := range sortedCounts(t.Reasons) {
				fmt.Fprintf(w, "  %s: %s %d\n", t.Table, reason, n)
			}
		}
	}
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func extractCommand() *cobra.Command {
	var o jobs.ExtractOptions
	c := &cobra.Command{
		Use:   "extract --input DIR|postgres://... --rulebook FILE [--out DIR] [--pg-schema NAME]",
		Short: "Land the inputs as Parquet in a raw version (raw/run=<run id>/), with rejects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			res, err := jobs.Extract(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				printJSON(os.Stdout, res)
			} else {
				printTables(os.Stdout, res.Tables)
			}
			return nil
		},
	}
	c.Flags().StringVar(&o.Input, "input", "", inputHelp)
	c.Flags().StringVar(&o.PGSchema, "pg-schema", "", pgSchemaHelp)
	c.Flags().StringVar(&o.Rulebook, "rulebook", "", "rulebook YAML (required)")
	c.Flags().StringVar(&o.Out, "out", "output", "the lake directory")
	_ = c.MarkFlagRequired("input")
	_ = c.MarkFlagRequired("rulebook")
	return c
}

func validateCommand() *cobra.Command {
	var o jobs.ExtractOptions
	c := &cobra.Command{
		Use:   "validate --input DIR|postgres://... --rulebook FILE [--pg-schema NAME]",
		Short: "Check inputs and rulebook; publish nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			o.RejectedRows = shownRejects
			if asJSON {
				o.RejectedRows = -1
			}
			res, err := jobs.Validate(cmd.Context(), o)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				printJSON(w, res)
				return nil
			}
			printTables(w, res.Tables)
			printRejects(w, res.RejectedRows, res.Rejects)
			return nil
		},
	}
	c.Flags().StringVar(&o.Input, "input", "", inputHelp)
	c.Flags().StringVar(&o.PGSchema, "pg-schema", "", pgSchemaHelp)
	c.Flags().StringVar(&o.Rulebook, "rulebook", "", "rulebook YAML (required)")
	_ = c.MarkFlagRequired("input")
	_ = c.MarkFlagRequired("rulebook")
	return c
}

// shownRejects is how many rejected rows `tally validate` prints; --json
// gives them all.
const shownRejects = 20

// printRejects lists rejected rows, one a line, and how many are not shown.
func printRejects(w io.Writer, rows []extract.Reject, total int64) {
	if len(rows) == 0 {
		return
	}
	if int64(len(rows)) < total {
		fmt.Fprintf(w, "\nfirst %d rejected rows:\n", len(rows))
	} else {
		fmt.Fprintln(w, "\nrejected rows:")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\trow\tkey\treason\tdetail")
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.Table, r.RowNumber, clean.Replace(r.Key), r.Reason, clean.Replace(r.Detail))
	}
	tw.Flush()
	if more := total - int64(len(rows)); more > 0 {
		fmt.Fprintf(w, "... and %d more (all of them with --json)\n", more)
	}
}

// notBuilt is the answer of a command whose issue is still open.
func notBuilt(name string) func(*cobra.Command, []string) error {
	return func(*cobra.Command, []string) error {
		return fmt.Errorf("%s is not built yet", name)
	}
}

func reportCommand() *cobra.Command {
	var o jobs.ReportOptions
	c := &cobra.Command{
		Use:   "report --program-year ID [--as-of DATE] [--out DIR]",
		Short: "The program-year report (HTML and CSV) from the published lake",
		Long: `report reads the lake's latest snapshot (and, for the start of the year, the
snapshot closest to the year's first day) and writes
DIR/reports/program_year=ID/report.html, one self-contained page that opens
offline, and one CSV file per section beside it. With --as-of DATE it reads
the snapshot as of DATE instead and, when that is not the latest, writes
DIR/reports/as_of=DATE/program_year=ID/; a DATE with no snapshot exits 2.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			res, err := jobs.Report(cmd.Context(), o)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				printJSON(w, res)
				return nil
			}
			fmt.Fprintf(w, "report for %s from the snapshot as of %s:\n", res.ProgramYear, res.AsOf)
			for _, f := range res.Files {
				fmt.Fprintln(w, " ", f)
			}
			return nil
		},
	}
	c.Flags().StringVar(&o.ProgramYear, "program-year", "", "program year id, e.g. FY25 (required)")
	c.Flags().StringVar(&o.AsOf, "as-of", "", "the snapshot to report from, YYYY-MM-DD (default: the latest)")
	c.Flags().StringVar(&o.Out, "out", "output", "the lake directory")
	_ = c.MarkFlagRequired("program-year")
	return c
}

func explainCommand() *cobra.Command {
	var o jobs.ExplainOptions
	var allYears bool
	c := &cobra.Command{
		Use:   "explain --partner ID [--as-of DATE] [--out DIR]",
		Short: "Why a partner has its points and level: ledger, denials, thresholds, history",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := jobs.Explain(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				printJSON(cmd.OutOrStdout(), e)
				return nil
			}
			return e.WriteText(cmd.OutOrStdout(), allYears)
		},
	}
	c.Flags().StringVar(&o.Partner, "partner", "", "partner id (required)")
	c.Flags().StringVar(&o.AsOf, "as-of", "", "snapshot date YYYY-MM-DD (default: the latest)")
	c.Flags().StringVar(&o.Out, "out", "output", "the lake directory")
	c.Flags().BoolVar(&allYears, "all-years", false, "print every ledger row of every year, not only the year of as_of")
	_ = c.MarkFlagRequired("partner")
	return c
}

func queryCommand() *cobra.Command {
	var o jobs.QueryOptions
	var format string
	c := &cobra.Command{
		Use:   "query SQL [--out DIR] [--as-of DATE] [--format table|csv|json]",
		Short: "Ad hoc read-only SQL over the published tables (tables by name)",
		Long: `query runs one SELECT against a snapshot's tables, by name: points_ledger,
partner_levels, level_history, audits, migration, notifications, denials and
rejects. The snapshot is read-only: COPY, ATTACH, CREATE, SET and reading
files outside the snapshot are refused.

Output is a table on a terminal and CSV otherwise, unless --format says.`,
		Example: `  tally query "SELECT level, count(*) FROM partner_levels GROUP BY level"
  tally query --format json "SELECT * FROM points_ledger WHERE partner_id = 'P001'"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.SQL = strings.Join(args, " ")
			f, err := outputFormat(format, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			res, err := jobs.Query(cmd.Context(), o)
			if err != nil {
				return err
			}
			return printResult(cmd.OutOrStdout(), res, f)
		},
	}
	c.Flags().StringVar(&o.Out, "out", "output", "the lake directory")
	c.Flags().StringVar(&o.AsOf, "as-of", "", "snapshot date YYYY-MM-DD (default: the latest)")
	c.Flags().StringVar(&format, "format", "", "table, csv or json (default: table on a terminal, else csv; --json = json)")
	return c
}

// outputFormat resolves --format: --json wins, then the flag, then table on
// a terminal and CSV in a pipe.
func outputFormat(format string, w io.Writer) (string, error) {
	switch {
	case asJSON:
		return "json", nil
	case format == "table", format == "csv", format == "json":
		return format, nil
	case format != "":
		return "", fmt.Errorf("--format %q: want table, csv or json: %w", format, jobs.ErrUsage)
	}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "table", nil
		}
	}
	return "csv", nil
}

// printResult writes query rows as a table, CSV (null = empty cell) or
// JSON (numbers and booleans typed, null as null).
func printResult(w io.Writer, r *lake.Result, format string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(r.Names())
		for _, row := range r.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = v.Text
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		rows := make([][]any, len(r.Rows))
		for i, row := range r.Rows {
			rows[i] = make([]any, len(row))
			for j, v := range row {
				switch {
				case v.Null:
					rows[i][j] = nil
				case lake.IsNumber(r.Columns[j].Type):
					rows[i][j] = json.Number(v.Text)
				case r.Columns[j].Type == "BOOLEAN":
					rows[i][j] = v.Text == "true"
				default:
					rows[i][j] = v.Text
				}
			}
		}
		printJSON(w, struct {
			Columns []lake.Column `json:"columns"`
			Rows    [][]any       `json:"rows"`
		}{r.Columns, rows})
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.Names(), "\t"))
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = v.Text
			if v.Null {
				cells[i] = "NULL"
			}
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cells[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%d rows)\n", len(r.Rows))
	return err
}

func simulateCommand() *cobra.Command {
	var o jobs.SimulateOptions
	var format, csvDir string
	c := &cobra.Command{
		Use:   "simulate --rulebook DRAFT [--as-of DATE] [--out DIR] [--format table|csv|json]",
		Short: "Re-level under a draft rulebook and show who moves, without publishing",
		Long: `simulate recomputes the inputs of a published snapshot (the raw version its
manifest names) under a draft rulebook in a scratch database and compares the draft's levels with the published snapshot
for the same as_of: a from-level x to-level matrix, the partners who move
with their figures and what moved each (the thresholds the draft changes,
against the rules the snapshot holds), and the points by program year and
source. Nothing in the lake changes.

--format csv prints the movers; --csv-dir DIR also writes matrix.csv,
movers.csv and points_by_source.csv there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			f, err := outputFormat(format, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if format == "" && !asJSON {
				f = "table"
			}
			sim, err := jobs.Simulate(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, n := range sim.Notes {
				log.Warn(n)
			}
			if csvDir != "" {
				files, err := sim.WriteCSVDir(csvDir)
				if err != nil {
					return err
				}
				log.Info("simulation written", "files", files)
			}
			w := cmd.OutOrStdout()
			switch f {
			case "json":
				printJSON(w, sim)
				return nil
			case "csv":
				return sim.WriteCSV(w, "movers.csv")
			}
			printSimulation(w, sim)
			return nil
		},
	}
	c.Flags().StringVar(&o.Rulebook, "rulebook", "", "draft rulebook YAML (required)")
	c.Flags().StringVar(&o.AsOf, "as-of", "", "the published snapshot to compare with (default: the latest)")
	c.Flags().StringVar(&o.Out, "out", "output", "the lake directory (read only)")
	c.Flags().StringVar(&format, "format", "", "table, csv or json (default table; --json = json)")
	c.Flags().StringVar(&csvDir, "csv-dir", "", "also write matrix.csv, movers.csv and points_by_source.csv into this directory")
	duckdbFlags(c, &o.DuckDB)
	_ = c.MarkFlagRequired("rulebook")
	return c
}

func printSimulation(w io.Writer, s *jobs.Simulation) {
	fmt.Fprintf(w, "draft %s against the snapshot as of %s (published with %s)\n", s.Draft.Path, s.AsOf, s.Published.Path)
	fmt.Fprintf(w, "%d partners, %d move: %d up, %d down\n\n", s.Partners, s.Moved, s.Up, s.Down)

	levels := slices.Clone(s.Levels)
	cell := map[[2]string]int{}
	for _, m := range s.Matrix {
		cell[[2]string{m.From, m.To}] = m.Partners
		for _, l := range []string{m.From, m.To} {
			if !slices.Contains(levels, l) {
				levels = append(levels, l)
			}
		}
	}
	name := func(l string) string {
		if l == "" {
			return "(none)"
		}
		return l
	}
	fmt.Fprintln(w, "published level (rows) x draft level (columns)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, l := range levels {
		fmt.Fprintf(tw, "%s\t", name(l))
	}
	fmt.Fprintln(tw)
	for _, from := range levels {
		fmt.Fprintf(tw, "%s\t", name(from))
		for _, to := range levels {
			n := cell[[2]string{from, to}]
			if n == 0 {
				fmt.Fprint(tw, ".\t")
			} else {
				fmt.Fprintf(tw, "%d\t", n)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	fmt.Fprintln(w)
	if len(s.Movers) == 0 {
		fmt.Fprintln(w, "no partner changes level")
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "partner\tmove\tpublished\tdraft\tperformance (published -> draft)\tcapability (published -> draft)\tbecause")
		for _, m := range s.Movers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s -> %s\t%s -> %s\t%s\n", m.PartnerID, m.Direction, name(m.PublishedLevel), name(m.DraftLevel),
				m.PublishedPerformance, m.DraftPerformance, m.PublishedCapability, m.DraftCapability, strings.Join(m.Because, "; "))
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "program year\tsource\tpublished\tdraft\tdifference")
	for _, p := range s.Points {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ProgramYear, p.Source, p.Published, p.Draft, p.Difference)
	}
	tw.Flush()
}

func scheduleCommand() *cobra.Command {
	var o jobs.ScheduleOptions
	c := &cobra.Command{
		Use:   "schedule --config FILE",
		Short: "Run jobs on cron schedules until stopped (SIGTERM cancels the running job)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			return jobs.Schedule(cmd.Context(), o)
		},
	}
	c.Flags().StringVar(&o.Config, "config", "", "jobs YAML, e.g. fixtures/jobs.yaml (required)")
	c.Flags().DurationVar(&o.Wait, "wait", 30*time.Minute, "how long a job waits for another run's lock on the lake")
	c.Flags().DurationVar(&o.StopTimeout, "stop-timeout", schedule.DefaultStopTimeout, "on SIGTERM, how long to wait for the cancelled job before exiting 1 without it")
	duckdbFlags(c, &o.DuckDB)
	_ = c.MarkFlagRequired("config")
	return c
}

func genCommand() *cobra.Command {
	var o synth.GenerateOptions
	var rulebookPath string
	c := &cobra.Command{
		Use:   "gen --out DIR --partners N --bookings M [--seed S] [--bad-rows F] [--rulebook FILE]",
		Short: "Write a deterministic synthetic landing directory of any size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			if o.Partners < 1 || o.Bookings < 0 || o.BadRows < 0 || o.BadRows > 1 {
				return fmt.Errorf("--partners must be at least 1, --bookings at least 0, --bad-rows in 0..1: %w", jobs.ErrUsage)
			}
			rb, err := jobs.LoadRulebook(rulebookPath)
			if err != nil {
				return err
			}
			o.Rulebook, o.Logger = rb, log
			res, err := synth.Generate(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				printJSON(os.Stdout, res)
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "table\trows\tbad rows")
			for _, t := range res.Tables {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", t.Table, t.Rows, t.BadRows)
			}
			return tw.Flush()
		},
	}
	f := c.Flags()
	f.StringVar(&o.Out, "out", "", "landing directory to write (required)")
	f.IntVar(&o.Partners, "partners", 0, "number of partners (required)")
	f.Int64Var(&o.Bookings, "bookings", 0, "number of bookings (required)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same files")
	f.Float64Var(&o.BadRows, "bad-rows", 0, "fraction of rows (0..1) made bad on purpose, of every kind")
	f.StringVar(&rulebookPath, "rulebook", "fixtures/rulebook.yaml", "rulebook whose years, license types and activities the data uses")
	for _, name := range []string{"out", "partners", "bookings"} {
		_ = c.MarkFlagRequired(name)
	}
	return c
}

func serveCommand() *cobra.Command {
	var o serve.Options
	c := &cobra.Command{
		Use:   "serve --users FILE [--out DIR] [--addr HOST:PORT] [--tls-cert FILE --tls-key FILE] [--behind-proxy]",
		Short: "The program progression dashboard and its JSON API over the published lake",
		Long: `serve answers the program progression dashboard (pages and JSON API) from
the lake's latest published snapshot, following it as new snapshots are
published. Each user of --users sees only the partners its role allows
(tally users add creates them). SIGTERM stops it gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger()
			if err != nil {
				return err
			}
			o.Logger = log
			return asUsage(serve.Run(cmd.Context(), o))
		},
	}
	f := c.Flags()
	f.StringVar(&o.Lake, "out", "output", "the lake directory")
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.UsersFile, "users", "", "users YAML (required; see tally users add)")
	f.StringVar(&o.TLSCert, "tls-cert", "", "serve HTTPS with this certificate (PEM), with --tls-key")
	f.StringVar(&o.TLSKey, "tls-key", "", "the certificate's private key (PEM)")
	f.BoolVar(&o.BehindProxy, "behind-proxy", false, "a reverse proxy in front terminates HTTPS: mark cookies Secure and count failed sign-ins by its X-Forwarded-For")
	_ = c.MarkFlagRequired("users")
	return c
}

func usersCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "users",
		Short: "Manage the dashboard's users file",
		Args:  cobra.NoArgs,
	}
	var file, name, role string
	var partners []string
	add := &cobra.Command{
		Use:   "add --users FILE --name NAME --role partner|pbm|program [--partners ID,...]",
		Short: "Add a user; prints its new access token once (the file keeps only its SHA-256)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := users.Add(file, name, users.Role(role), partners)
			if err != nil {
				return asUsage(err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				printJSON(w, map[string]any{"name": name, "role": role, "partners": partners, "token": token})
				return nil
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "added %s (%s) to %s; its token, shown this once:\n", name, role, file)
			fmt.Fprintln(w, token)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&file, "users", "", "users YAML to add to (created if absent, mode 0600) (required)")
	f.StringVar(&name, "name", "", "the user's name (required)")
	f.StringVar(&role, "role", "", "partner (its one partner), pbm (its partners) or program (every partner) (required)")
	f.StringSliceVar(&partners, "partners", nil, "partner ids the user sees: one for partner, any number for pbm")
	for _, n := range []string{"users", "name", "role"} {
		_ = add.MarkFlagRequired(n)
	}
	c.AddCommand(add)
	return c
}

// asUsage marks the errors of a users file or serve options that cannot
// work as bad usage (exit 2).
func asUsage(err error) error {
	if errors.Is(err, users.ErrInvalid) || errors.Is(err, serve.ErrUsage) {
		return usageError{err}
	}
	return err
}

type usageError struct{ error }

func (e usageError) Unwrap() error        { return e.error }
func (e usageError) Is(target error) bool { return target == jobs.ErrUsage }
