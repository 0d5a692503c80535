package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"syscall"
	"testing"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// Shape of a busy devnet round: 5,000 transfers between accounts of a
// state of 20,000, so 10,000 account leaves change; the IO tree holds the
// 5,000 transactions and their results.
const (
	roundAccounts  = 20_000
	roundTransfers = 5_000
	accountBytes   = 72  // an encoded system account
	txBytes        = 215 // a signed one-instruction transfer
	resultBytes    = 300 // a canonical CBOR result with its logs
)

// roundChain plays the executor: it keeps the state as a memory tree and
// makes each round's write logs and roots.
type roundChain struct {
	state  *mkvs.Tree
	keys   [][]byte // account keys, sorted
	round  uint64
	header roothash.Header
}

func newRoundChain() (*roundChain, mkvs.WriteLog) {
	c := &roundChain{state: mkvs.NewTree()}
	for i := 0; i < roundAccounts; i++ {
		k := sha256.Sum256(binary.BigEndian.AppendUint32([]byte("account"), uint32(i)))
		c.keys = append(c.keys, k[:])
	}
	slices.SortFunc(c.keys, bytes.Compare)
	wl := make(mkvs.WriteLog, len(c.keys))
	for i, k := range c.keys {
		wl[i] = mkvs.LogEntry{Key: k, Value: accountValue(0, i)}
	}
	if err := c.state.ApplyWriteLog(wl); err != nil {
		panic(err)
	}
	c.header = roothash.Header{Namespace: rtID, Type: roothash.Normal, StateRoot: roothash.Hash(c.state.Hash()), IORoot: roothash.Hash(mkvs.EmptyRoot)}
	return c, wl
}

func accountValue(round uint64, i int) []byte {
	v := make([]byte, accountBytes)
	binary.BigEndian.PutUint64(v, round)
	binary.BigEndian.PutUint32(v[8:], uint32(i))
	return v
}

// next makes the next round's apply request (logs encoded as an executor
// sends them) and its finalized header.
func (c *roundChain) next() (*p2p.ApplyRequest, roothash.Header) {
	c.round++
	prev := c.header
	// Every round touches a different, spread out, half of the accounts.
	var sl mkvs.WriteLog
	for i := range c.keys {
		if (uint64(i)*2654435761+c.round)%2 == 0 {
			sl = append(sl, mkvs.LogEntry{Key: c.keys[i], Value: accountValue(c.round, i)})
		}
	}
	if err := c.state.ApplyWriteLog(sl); err != nil {
		panic(err)
	}
	io := mkvs.NewTree()
	var il mkvs.WriteLog
	for i := 0; i < roundTransfers; i++ {
		il = append(il, mkvs.LogEntry{Key: hosted.ResultKey(i), Value: bytes.Repeat([]byte{byte(c.round), byte(i)}, resultBytes/2)})
	}
	for i := 0; i < roundTransfers; i++ {
		il = append(il, mkvs.LogEntry{Key: hosted.TxKey(i), Value: bytes.Repeat([]byte{byte(i), byte(c.round), 7}, txBytes/3)})
	}
	if err := io.ApplyWriteLog(il); err != nil {
		panic(err)
	}
	sb, _ := sl.MarshalBinary()
	ib, _ := il.MarshalBinary()
	c.header = prev.Next(roothash.ComputeResults{StateRoot: roothash.Hash(c.state.Hash()), IORoot: roothash.Hash(io.Hash()), MessagesHash: roothash.MessagesHash(nil)}, int64(c.round))
	return &p2p.ApplyRequest{Runtime: rtID, Round: c.round, PrevStateRoot: prev.StateRoot, StateRoot: c.header.StateRoot, IORoot: c.header.IORoot, StateLog: sb, IOLog: ib}, c.header
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplica_Round is one busy round's whole life on a storage node
// (see roundAccounts): the receipt request decoded, verified and stashed,
// the round finalized (state and IO committed), and the IO tree read back
// in full as the RPC node's indexer does. The store starts with 20,000
// accounts and a few rounds of history. cpu-ns/op is the process's CPU
// time (all goroutines, Pebble's flushes and compactions included) over
// the timed part; the phase metrics split the wall time; loads/op counts
// the tree nodes read from Pebble (node cache misses).
func BenchmarkReplica_Round(b *testing.B) {
	chain, genesis := newRoundChain()
	r, err := OpenReplica(b.TempDir(), mkvs.Namespace(rtID), true)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.KV.ApplyWriteLog(r.KV.EmptyRoot(mkvs.RootState, 0), genesis, r.stateRoot(0, chain.header.StateRoot)); err != nil {
		b.Fatal(err)
	}
	n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: r}
	ctx := context.Background()
	var stash, fin, read, cpu time.Duration
	round := func() {
		req, h := chain.next()
		b.StartTimer()
		c0, t0 := cpuTime(), time.Now()
		if _, err := n.StorageApply(ctx, signature.PublicKey{}, req); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := r.Finalize(ctx, &h, nil); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		root, ok, err := r.KV.RootAt(mkvs.RootIO, h.Round)
		if err != nil || !ok {
			b.Fatalf("io root of round %d: %v", h.Round, err)
		}
		t, err := r.KV.Tree(root)
		if err != nil {
			b.Fatal(err)
		}
		entries := 0
		for _, prefix := range [][]byte{{'T'}, {'R'}} {
			it := t.NewPrefixIterator(prefix)
			for ok := it.First(); ok; ok = it.Next() {
				entries++
			}
			if err := it.Err(); err != nil {
				b.Fatal(err)
			}
		}
		if entries != 2*roundTransfers {
			b.Fatalf("io tree of round %d holds %d entries", h.Round, entries)
		}
		t3 := time.Now()
		cpu += cpuTime() - c0
		b.StopTimer()
		stash, fin, read = stash+t1.Sub(t0), fin+t2.Sub(t1), read+t3.Sub(t2)
	}
	b.StopTimer()
	for i := 0; i < 3; i++ { // history
		round()
	}
	stash, fin, read, cpu = 0, 0, 0, 0
	loads := r.KV.Stats().NodeReads
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		round()
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(stash), "stash-ns/op")
	b.ReportMetric(per(fin), "finalize-ns/op")
	b.ReportMetric(per(read), "readio-ns/op")
	b.ReportMetric(per(cpu), "cpu-ns/op")
	b.ReportMetric(float64(r.KV.Stats().NodeReads-loads)/float64(b.N), "loads/op")
}
