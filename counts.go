package main

import (
	"maps"
	"slices"
)

// sortedCounts iterates reason counts in reason order.
func sortedCounts(m map[string]int64) func(func(string, int64) bool) {
	return func(yield func(string, int64) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
