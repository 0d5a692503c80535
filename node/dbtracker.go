package node

import (
	"sync"
	"sync/atomic"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
)

// dbTracker remembers every database CometBFT opens: its Stop leaves some
// (the transaction indexer's) open, which would keep their locks and make
// an in-process restart fail.
type dbTracker struct {
	mu  sync.Mutex
	dbs []*closableDB
}

func (t *dbTracker) provide(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	guarded := &closableDB{DB: db}
	t.mu.Lock()
	t.dbs = append(t.dbs, guarded)
	t.mu.Unlock()
	return guarded, nil
}

// closeAll closes every tracked database; closing one CometBFT already
// closed returns an error, which is expected and ignored.
func (t *dbTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, db := range t.dbs {
		_ = db.Close()
	}
	t.dbs = nil
}

// closableDB makes reads of a closed database look empty instead of
// failing. CometBFT's Stop does not wait for its per-peer consensus
// goroutines (queryMaj23Routine sleeps between steps and re-checks that the
// node runs only once per loop), and its block store panics on any read
// error, so a read racing shutdown used to kill the process. A goroutine
// that outlives the node has nothing left to serve; writes still fail.
type closableDB struct {
	dbm.DB
	closed atomic.Bool
}

func (d *closableDB) Get(key []byte) ([]byte, error) {
	v, err := d.DB.Get(key)
	if err != nil && d.closed.Load() {
		return nil, nil
	}
	return v, err
}

func (d *closableDB) Has(key []byte) (bool, error) {
	ok, err := d.DB.Has(key)
	if err != nil && d.closed.Load() {
		return false, nil
	}
	return ok, err
}

func (d *closableDB) Close() error {
	d.closed.Store(true)
	return d.DB.Close()
}
