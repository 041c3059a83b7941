// Package hardening holds the tests that try to lose or corrupt the
// numbers: tally run killed at every step, broken inputs (fixtures/bad),
// byte-for-byte determinism, readers during a republish, hostile values in
// the inputs and the rulebook, and the modes of what a run writes. The
// package has no code of its own; docs/faults.md lists what the tests try
// and what holds.
package hardening
