// Package sql holds the rules as SQL: the models run in file-name order by
// pipeline/engine, and the checks (checks/*.sql) that return failing rows and
// so block publishing. Each file says which section of RULES.md it computes.
package sql

import "embed"

// Files holds every model (NNN_name.sql) and check (checks/name.sql).
//
//go:embed *.sql checks/*.sql
var Files embed.FS
