package serve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"tally/pipeline/publish"
)

// tracker follows the lake's latest snapshot. Each request acquires the
// current dataset; when latest names another snapshot, or a run has
// published the same as_of again, the request that notices loads the new
// one (the others wait for it) and the old one closes when its last request
// ends. lake.Open reads only what latest names, which a publish moves last,
// so a half-published snapshot is never seen.
type tracker struct {
	lake string
	log  *slog.Logger

	loadMu sync.Mutex
	cur    atomic.Pointer[dataset]
}

// errNoSnapshot is returned while the lake has nothing published.
var errNoSnapshot = errors.New("nothing has been published in the lake yet")

// acquire returns the dataset of the latest snapshot, holding a reference
// the caller must release.
func (t *tracker) acquire(ctx context.Context) (*dataset, error) {
	for {
		d, err := t.fresh(ctx)
		if err != nil {
			return nil, err
		}
		if d.acquire() {
			return d, nil
		}
		// retired between fresh and acquire: a newer one is in place
	}
}

// fresh returns the current dataset if it is still the latest snapshot's,
// else loads the latest.
func (t *tracker) fresh(ctx context.Context) (*dataset, error) {
	if d := t.cur.Load(); d != nil && t.current(d) {
		return d, nil
	}
	t.loadMu.Lock()
	defer t.loadMu.Unlock()
	old := t.cur.Load()
	if old != nil && t.current(old) {
		return old, nil // another request loaded it meanwhile
	}
	d, err := loadDataset(ctx, t.lake)
	if err != nil {
		if errors.Is(err, publish.ErrNoSnapshot) {
			return nil, errNoSnapshot
		}
		if old != nil && ctx.Err() == nil {
			// Keep answering from the snapshot already loaded; say so.
			t.log.Error("dashboard: cannot load the latest snapshot; still serving the previous one", "as_of", old.asOf, "err", err)
			return old, nil
		}
		return nil, err
	}
	t.cur.Store(d)
	if old != nil {
		old.retire()
	}
	t.log.Info("dashboard: serving snapshot", "as_of", d.asOf, "run_id", d.runID, "partners", len(d.ids))
	return d, nil
}

// current tells whether d is still what latest names, unreplaced.
func (t *tracker) current(d *dataset) bool {
	dir, err := publish.Latest(t.lake)
	return err == nil && dir == d.dir && !d.snap.Replaced()
}

// close retires the dataset in use.
func (t *tracker) close() {
	if d := t.cur.Swap(nil); d != nil {
		d.retire()
	}
}
