package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// A model is one sql/NNN_name.sql file: a single query whose result is the
// relation `name`. The engine creates it (a table, or a view when the file
// says `-- materialize: view`), so a file cannot create anything else, and
// learns what it reads from DuckDB's own parse of the query. A file whose
// header says `-- publish: col, ...` is an output table of the snapshot,
// written sorted by those columns. `-- disable_optimizers: name, ...` turns
// those DuckDB optimizers off while the model runs (DuckDB's
// disabled_optimizers), for a query whose plan they make worse: the file
// says why. The models that carry it turn off build_side_probe_side, which
// picks each hash join's build side from DuckDB's row estimates; without it
// a join builds on the side the join order put there.
type model struct {
	file    string   // path in tallysql.Files
	name    string   // the relation it creates
	query   string   // the file's text
	view    bool     // created as a view: read where it is used, never stored
	publish string   // ORDER BY list of a published model; "" = an intermediate
	disable string   // DuckDB optimizers off while it runs; "" = none
	reads   []string // the relations the query reads, sorted
}

// A check is one sql/checks/name.sql query; every row it returns is a failure.
type check struct {
	file, name, query string
	reads             []string
}

// graph is every model in the order they run, the checks, and when each
// intermediate can go: once the last model that reads it has run, unless a
// check or a published view still needs it.
type graph struct {
	models []model
	checks []check
	// dropAfter[i]: the intermediates to drop once models[i] has run.
	dropAfter [][]string
	// afterChecks: the intermediates the checks kept, dropped once they ran.
	afterChecks []string
	// kept: intermediates a published view reads, dropped by Close only.
	kept map[string]bool
}

// optimizerList is a disable_optimizers header: DuckDB optimizer names.
var optimizerList = regexp.MustCompile(`^[a-z_]+( *, *[a-z_]+)*$`)

// header reads the `-- key: value` lines of a file's leading comment block.
func header(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		c, ok := strings.CutPrefix(line, "--")
		if !ok {
			break
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(c), ":"); ok && !strings.Contains(k, " ") {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// modelName is the relation a model file creates: its base name without the
// number that orders it among equals and without .sql.
func modelName(file string) (string, error) {
	base := strings.TrimSuffix(path.Base(file), ".sql")
	num, name, ok := strings.Cut(base, "_")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" || name == "" {
		return "", fmt.Errorf("engine: model file %s: want NNN_name.sql", file)
	}
	return name, nil
}

// readsOf asks DuckDB's parser which relations a query reads: every base
// table reference that is not one of the query's own CTEs.
func readsOf(ctx context.Context, db *sql.DB, file, query string) ([]string, error) {
	var text string
	if err := db.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", query).Scan(&text); err != nil {
		return nil, fmt.Errorf("engine: parse %s: %w", file, err)
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(text), &parsed); err != nil {
		return nil, fmt.Errorf("engine: parse %s: %w", file, err)
	}
	if parsed["error"] == true {
		return nil, fmt.Errorf("engine: %s is not one SELECT query: %v", file, parsed["error_message"])
	}
	if stmts, _ := parsed["statements"].([]any); len(stmts) != 1 {
		return nil, fmt.Errorf("engine: %s holds %d statements, want one query", file, len(stmts))
	}
	tables, ctes := map[string]bool{}, map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "BASE_TABLE" {
				if name, ok := v["table_name"].(string); ok {
					tables[name] = true
				}
			}
			if m, ok := v["cte_map"].(map[string]any); ok {
				entries, _ := m["map"].([]any)
				for _, e := range entries {
					if e, ok := e.(map[string]any); ok {
						if k, ok := e["key"].(string); ok {
							ctes[k] = true
						}
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(parsed)
	var reads []string
	for t := range tables {
		if !ctes[t] {
			reads = append(reads, t)
		}
	}
	slices.Sort(reads)
	return reads, nil
}

// plan reads every model and check, orders the models by what they read
// (among models ready at once, by file name), and works out when each
// intermediate can be dropped. fsys holds the files (sql.Files); inputs are the relations loaded before the
// models run (raw and rule tables); anything else a query reads must be a
// model, or planning fails naming the file and the relation.
func plan(ctx context.Context, db *sql.DB, fsys fs.FS, inputs map[string]bool) (*graph, error) {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == macrosFile })
	slices.Sort(files)
	byName := map[string]*model{}
	var models []*model
	for _, f := range files {
		text, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		name, err := modelName(f)
		if err != nil {
			return nil, err
		}
		if prev, ok := byName[name]; ok {
			return nil, fmt.Errorf("engine: %s and %s both create %s", prev.file, f, name)
		}
		if inputs[name] {
			return nil, fmt.Errorf("engine: %s creates %s, which is an input", f, name)
		}
		h := header(string(text))
		m := &model{file: f, name: name, query: trimSemicolon(string(text)), publish: h["publish"], disable: h["disable_optimizers"]}
		if m.disable != "" && !optimizerList.MatchString(m.disable) {
			return nil, fmt.Errorf("engine: %s: disable_optimizers %q, want optimizer names separated by commas", f, m.disable)
		}
		switch h["materialize"] {
		case "", "table":
		case "view":
			m.view = true
		default:
			return nil, fmt.Errorf("engine: %s: materialize %q, want table or view", f, h["materialize"])
		}
		if m.reads, err = readsOf(ctx, db, f, m.query); err != nil {
			return nil, err
		}
		byName[name] = m
		models = append(models, m)
	}
	known := func(file, rel string) error {
		if byName[rel] == nil && !inputs[rel] {
			return fmt.Errorf("engine: %s reads %s, which no model creates and no input provides", file, rel)
		}
		return nil
	}
	for _, m := range models {
		for _, r := range m.reads {
			if err := known(m.file, r); err != nil {
				return nil, err
			}
		}
	}

	checkFiles, err := fs.Glob(fsys, "checks/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(checkFiles)
	g := &graph{kept: map[string]bool{}}
	for _, f := range checkFiles {
		text, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		c := check{file: f, name: strings.TrimSuffix(path.Base(f), ".sql"), query: trimSemicolon(string(text))}
		if c.reads, err = readsOf(ctx, db, f, c.query); err != nil {
			return nil, err
		}
		for _, r := range c.reads {
			if err := known(f, r); err != nil {
				return nil, err
			}
		}
		g.checks = append(g.checks, c)
	}

	// Kahn's algorithm; among the models ready at once, the first file name.
	waiting := map[string]int{}
	readers := map[string][]string{}
	for _, m := range models {
		for _, r := range m.reads {
			if byName[r] != nil {
				waiting[m.name]++
				readers[r] = append(readers[r], m.name)
			}
		}
	}
	var ready []*model
	for _, m := range models {
		if waiting[m.name] == 0 {
			ready = append(ready, m)
		}
	}
	for len(ready) > 0 {
		slices.SortFunc(ready, func(a, b *model) int { return strings.Compare(a.file, b.file) })
		m := ready[0]
		ready = ready[1:]
		g.models = append(g.models, *m)
		for _, r := range readers[m.name] {
			if waiting[r]--; waiting[r] == 0 {
				ready = append(ready, byName[r])
			}
		}
	}
	if len(g.models) < len(models) {
		var stuck []string
		for _, m := range models {
			if waiting[m.name] > 0 {
				stuck = append(stuck, m.file)
			}
		}
		return nil, fmt.Errorf("engine: models read each other in a cycle: %s", strings.Join(stuck, ", "))
	}

	// What reading a relation really reads: a view is read where it is used,
	// so its own inputs must live as long as its readers do.
	var expand func(rel string, into map[string]bool)
	expand = func(rel string, into map[string]bool) {
		if into[rel] {
			return
		}
		into[rel] = true
		if m := byName[rel]; m != nil && m.view {
			for _, r := range m.reads {
				expand(r, into)
			}
		}
	}
	uses := func(reads []string) map[string]bool {
		set := map[string]bool{}
		for _, r := range reads {
			expand(r, set)
		}
		return set
	}
	last := map[string]int{}
	for i, m := range g.models {
		for r := range uses(m.reads) {
			last[r] = i
		}
	}
	checked := map[string]bool{}
	for _, c := range g.checks {
		for r := range uses(c.reads) {
			checked[r] = true
		}
	}
	for _, m := range g.models {
		if m.publish != "" {
			for r := range uses([]string{m.name}) {
				if r != m.name && byName[r] != nil && byName[r].publish == "" {
					g.kept[r] = true
				}
			}
		}
	}
	g.dropAfter = make([][]string, len(g.models))
	for _, m := range g.models {
		switch i, read := last[m.name]; {
		case m.publish != "" || g.kept[m.name]:
		case checked[m.name]:
			g.afterChecks = append(g.afterChecks, m.name)
		case !read:
			return nil, fmt.Errorf("engine: %s creates %s, which nothing reads and which is not published", m.file, m.name)
		default:
			g.dropAfter[i] = append(g.dropAfter[i], m.name)
		}
	}
	return g, nil
}

// macrosFile holds the macros every model may call; it runs first and
// creates no relation.
const macrosFile = "macros.sql"

// unneededAfter lists the published models and the intermediates kept for
// them that none of the published models in remaining reads (through the
// views it reads), in the order they ran: what Export can drop once it has
// written everything but remaining.
func (g *graph) unneededAfter(remaining []string) []string {
	byName := map[string]*model{}
	for i := range g.models {
		byName[g.models[i].name] = &g.models[i]
	}
	needed := map[string]bool{}
	var expand func(rel string)
	expand = func(rel string) {
		if needed[rel] {
			return
		}
		needed[rel] = true
		if m := byName[rel]; m != nil && m.view {
			for _, r := range m.reads {
				expand(r)
			}
		}
	}
	for _, r := range remaining {
		expand(r)
	}
	var out []string
	for _, m := range g.models {
		if (m.publish != "" || g.kept[m.name]) && !needed[m.name] {
			out = append(out, m.name)
		}
	}
	return out
}
