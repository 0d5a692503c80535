package agent

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// DB is an agent's local database: a Pebble store whose every write is
// synced to disk before it returns, so that what an agent records before
// acting (an updater's choice of root, above all) survives a crash.
type DB struct {
	p *pebble.DB
}

// OpenDB opens or creates the database in dir.
func OpenDB(dir string) (*DB, error) {
	p, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("agent: opening database %s: %w", dir, err)
	}
	return &DB{p: p}, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.p.Close() }

// Get returns a copy of the value at key; ok is false when there is none.
func (d *DB) Get(key []byte) (val []byte, ok bool, err error) {
	v, c, err := d.p.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("agent: database read: %w", err)
	}
	defer c.Close()
	return append([]byte(nil), v...), true, nil
}

// Put writes the pairs atomically and syncs them before returning.
func (d *DB) Put(kv ...[2][]byte) error {
	b := d.p.NewBatch()
	for _, p := range kv {
		if err := b.Set(p[0], p[1], nil); err != nil {
			return err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("agent: database write: %w", err)
	}
	return nil
}

// Delete removes keys and syncs before returning.
func (d *DB) Delete(keys ...[]byte) error {
	b := d.p.NewBatch()
	for _, k := range keys {
		if err := b.Delete(k, nil); err != nil {
			return err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("agent: database write: %w", err)
	}
	return nil
}

// Scan calls fn for every key with prefix, in key order.
func (d *DB) Scan(prefix []byte, fn func(key, val []byte) error) error {
	upper := append([]byte(nil), prefix...)
	for i := len(upper) - 1; i >= 0; i-- {
		if upper[i] < 0xff {
			upper[i]++
			upper = upper[:i+1]
			break
		}
	}
	it, err := d.p.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}

// KV is a pair for Put.
func KV(key, val []byte) [2][]byte { return [2][]byte{key, val} }

// quietLogger keeps Pebble's informational lines out of the agent's log.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
