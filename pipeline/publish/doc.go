// Package publish owns the lake: the directory that `tally run` publishes
// snapshots into and that reports, dashboards and `tally query` read from.
//
// Layout of a lake directory DIR:
//
//	DIR/.lock                                  one writer at a time (see Lock)
//	DIR/snapshots/as_of=YYYY-MM-DD/<table>.parquet + manifest.json
//	DIR/snapshots/.staging-<run id>/           a snapshot being written (hidden)
//	DIR/latest                                 one line: "snapshots/as_of=YYYY-MM-DD"
//	DIR/current -> snapshots/as_of=...         relative symbolic link
//	DIR/failed/<run id>/...                    failing check rows kept for inspection
//
// # Publishing protocol
//
// A writer takes the lake's lock, calls Begin to get a Staging directory,
// writes its table files there, and calls Commit with the run's Manifest.
// Commit writes manifest.json, fsyncs everything, and only then moves the
// snapshot into place with a rename, so a reader that globs
// snapshots/as_of=* or follows latest or current sees either the previous
// complete snapshot or the new complete one, never a half-written directory.
// Hidden names (.staging-*, .old-*, .prune-*) are never matched by
// snapshots/as_of=* globs.
//
// Replacing an existing as_of (a re-run of the same day) uses an atomic
// directory exchange (renameat2 RENAME_EXCHANGE) where the platform supports
// it; elsewhere the existing snapshot is first renamed aside to .old-<run id>
// and the staging directory renamed into its place, which leaves a moment in
// which as_of=X is absent (absent, never partial).
//
// latest and current are moved only forward: committing an as_of older than
// the one latest names (a backfill) publishes that snapshot but leaves latest
// and current alone, because they name the newest snapshot.
//
// The new latest and current are written under temporary names before the
// snapshot is renamed into place; then current and latest are renamed over
// the old ones. latest naming the snapshot is the commit point (for a
// backfill, the rename): if any step before it fails (a full disk, an I/O
// error), the rename is undone and Commit returns an error, so an error
// always means nothing was published.
//
// # Recovery after a killed run
//
// Begin (and so every run) first repairs what a killed writer may have left:
//
//   - .old-<run id>: the previous version of a snapshot, renamed aside by a
//     writer that died before removing it. If the as_of it belongs to (read
//     from its manifest.json) is missing, the writer died between the two
//     renames and the old snapshot is renamed back into place; otherwise it
//     is removed.
//   - .staging-<run id> and .prune-*: unfinished writes and prunes; removed.
//   - .latest.tmp-* and current.tmp-* in DIR: removed.
//   - latest, when it is missing, empty, garbage or names a snapshot that
//     is gone: rewritten to name the newest snapshot on disk (or removed,
//     with current, when none is left). A latest that names a snapshot on
//     disk is kept, even an older one (an operator's rollback).
//   - current, when it does not point where latest does: re-pointed.
//
// Other directories of the lake that are replaced whole (the program-year
// reports under DIR/reports/) are published by PublishDir, the same way:
// written aside, put in place by ReplaceDir, under the lock of their parent
// directory, whose stale staging directories it removes first.
//
// Recovery, Commit and Prune assume the caller holds the lake's lock: they
// delete other runs' leftovers, which is only safe when no other writer runs.
package publish
