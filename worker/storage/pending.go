package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/atoll-dev/atoll/consensus/codec"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
)

// candidate is a round's verified but not yet finalized results.
//
//	{ "prev_state_root": bstr .size 32, "state_log": bstr, "io_log": bstr }
//
// Write logs are in the MKVS write-log encoding.
type candidate struct {
	PrevStateRoot roothash.Hash `cbor:"prev_state_root"`
	StateLog      []byte        `cbor:"state_log"`
	IOLog         []byte        `cbor:"io_log"`
}

// pending stores candidates keyed by
//
//	round u64 BE | state root (32) | io root (32)
//
// so that everything below a round is one range.
type pending struct {
	db   *pebble.DB
	sync bool
}

// pendingMemTable is the candidate store's memtable size: a few rounds of
// candidates (a full round's write logs are megabytes). A candidate lives
// from its receipt to its round's finalization, a second or two, so with
// room in memory its record and the range deletion that prunes it meet in
// one memtable and the flush writes neither; with Pebble's default 4 MB
// every round's candidates went to disk and through compactions.
const pendingMemTable = 64 << 20

func openPending(dir string, sync bool) (*pending, error) {
	opts := &pebble.Options{Logger: quietLogger{}, MemTableSize: pendingMemTable}
	opts.EnsureDefaults()
	for i := range opts.Levels {
		// Write logs are mostly keys, hashes and signatures.
		opts.Levels[i].Compression = pebble.NoCompression
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("storage: opening candidate store %s: %w", dir, err)
	}
	return &pending{db: db, sync: sync}, nil
}

func pendingKey(round uint64, state, io roothash.Hash) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 72), round)
	return append(append(k, state[:]...), io[:]...)
}

func (p *pending) put(round uint64, state, io roothash.Hash, c *candidate) error {
	opt := pebble.NoSync
	if p.sync {
		opt = pebble.Sync
	}
	if err := p.db.Set(pendingKey(round, state, io), codec.Marshal(c), opt); err != nil {
		return fmt.Errorf("storage: stashing round %d: %w", round, err)
	}
	return nil
}

func (p *pending) get(round uint64, state, io roothash.Hash) (*candidate, bool, error) {
	v, closer, err := p.db.Get(pendingKey(round, state, io))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: reading candidate of round %d: %w", round, err)
	}
	defer closer.Close()
	var c candidate
	if err := codec.Unmarshal(v, &c); err != nil {
		return nil, false, fmt.Errorf("storage: candidate of round %d is corrupt: %w", round, err)
	}
	return &c, true, nil
}

// pruneBelow drops candidates of rounds before round.
func (p *pending) pruneBelow(round uint64) error {
	return p.db.DeleteRange(binary.BigEndian.AppendUint64(nil, 0), binary.BigEndian.AppendUint64(nil, round), pebble.NoSync)
}

func (p *pending) close() error { return p.db.Close() }

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(f string, args ...any) {
	panic(fmt.Sprintf(f, args...))
}
