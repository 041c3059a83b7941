// Command sqltime runs a SQL script on a DuckDB database and prints each
// statement's wall and CPU seconds (the process's user and system time,
// which moves less than wall time when other work shares the machine),
// for comparing two formulations of a model on the relations
// `tools/profile -save` kept:
//
//	go run -tags=duckdb_arrow ./tools/profile -raw RAW -as-of 2026-11-22 -save /tmp/models.duckdb
//	go run -tags=duckdb_arrow ./tools/sqltime /tmp/models.duckdb script.sql
//
// Statements are separated by a line that ends in ";;". The rows of a
// query that is not CREATE, COPY, SET, ATTACH or DETACH are printed (the
// first 40). The database argument "" is an in-memory database.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"tally/tools/internal/cputime"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sqltime DATABASE SCRIPT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "sqltime:", err)
		os.Exit(1)
	}
}

func run(database, script string) error {
	db, err := sql.Open("duckdb", database)
	if err != nil {
		return err
	}
	defer db.Close()
	text, err := os.ReadFile(script)
	if err != nil {
		return err
	}
	for _, stmt := range strings.Split(string(text), ";;\n") {
		stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";;"))
		if stmt == "" {
			continue
		}
		t0, c0 := time.Now(), cputime.Seconds()
		n, err := execute(db, stmt)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
		first, _, _ := strings.Cut(stmt, "\n")
		if len(first) > 90 {
			first = first[:90]
		}
		fmt.Printf("%8.3f s wall %8.3f s cpu %10d rows  %s\n", time.Since(t0).Seconds(), cputime.Seconds()-c0, n, first)
	}
	return nil
}

// execute runs stmt and prints its first rows unless it makes or sets
// something; it returns how many rows it gave.
func execute(db *sql.DB, stmt string) (int, error) {
	rows, err := db.Query(stmt)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	word, _, _ := strings.Cut(strings.ToUpper(strings.TrimLeft(stmt, " \t\n(")), " ")
	quiet := map[string]bool{"CREATE": true, "COPY": true, "SET": true, "ATTACH": true, "DETACH": true}[word]
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if !quiet && n < 40 {
			fmt.Println(vals...)
		}
		n++
	}
	return n, rows.Err()
}
