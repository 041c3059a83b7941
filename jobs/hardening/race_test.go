//go:build race

package hardening_test

func init() { raceEnabled = true }
