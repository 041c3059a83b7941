package engine

import "slices"

// FailSortOf makes the export's one-piece sort of the tables named fail
// with err, as DuckDB's does when it runs out of memory, until restore is
// called.
func FailSortOf(err error, tables ...string) (restore func()) {
	old := sortFault
	sortFault = func(t string) error {
		if slices.Contains(tables, t) {
			return err
		}
		return nil
	}
	return func() { sortFault = old }
}
