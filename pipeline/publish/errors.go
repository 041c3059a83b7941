package publish

import "errors"

// Sentinel errors, refined with %w by the functions of this package; test
// for them with errors.Is.
var (
	// ErrLocked: another process holds the lake's lock. The wrapping error
	// names the holder (pid, host, since).
	ErrLocked = errors.New("lake is locked")
	// ErrNoSnapshot: the lake has no published snapshot (for that as_of).
	ErrNoSnapshot = errors.New("no snapshot")
	// ErrChecksFailed: Commit was given a manifest with a failing check;
	// nothing was published.
	ErrChecksFailed = errors.New("audit checks failed")
	// ErrManifest: the manifest's outputs do not match the staged files, or
	// its run id or as_of disagree with the staging's.
	ErrManifest = errors.New("manifest does not match the staged snapshot")
	// ErrInvalid: a malformed as_of, run id or file name.
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed: the Staging was already committed or aborted.
	ErrClosed = errors.New("staging already committed or aborted")
)
