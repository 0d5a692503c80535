package storage

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

// BenchmarkNode_StorageApply receipts a round of one transfer: "first" is
// the first copy a node gets (write logs applied on the previous root,
// roots checked, stashed without fsync, receipt signed); "again" is every
// later copy of the same results (another executor's, or this node's own
// worker's), which is only signed.
func BenchmarkNode_StorageApply(b *testing.B) {
	f := buildFixture(b, 1)
	req := applyReq(f, 1)
	b.Run("first", func(b *testing.B) {
		dir := b.TempDir()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// Each iteration's replica is closed at once: b.N of them
			// open together ran out of file descriptors.
			r, err := OpenReplica(filepath.Join(dir, strconv.Itoa(i)), mkvs.Namespace(rtID), true)
			if err != nil {
				b.Fatal(err)
			}
			if err := wrt.SeedGenesis(r.KV, f.genesisLog, f.genesisRoot); err != nil {
				b.Fatal(err)
			}
			n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: r}
			b.StartTimer()
			if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			r.Close()
			os.RemoveAll(filepath.Join(dir, strconv.Itoa(i)))
			b.StartTimer()
		}
	})
	b.Run("again", func(b *testing.B) {
		n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: newReplica(b, f, true)}
		if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReplica_FinalizeFetched catches a replica up by one round of
// one transfer with write logs from peers: "local" is the apply alone
// (logs already in memory), "peer" fetches them from an honest storage
// node over loopback P2P, "forgedFirst" asks a forging node first (its
// logs are applied, refused and reported) and then the honest one.
func BenchmarkReplica_FinalizeFetched(b *testing.B) {
	f := buildFixture(b, 1)
	sl, il := wrt.FromRHPLog(f.results[1].StateWriteLog), wrt.FromRHPLog(f.results[1].IOWriteLog)
	me := signer(b, 3)
	honest, forger := servedChain(b, f, me.Public(), Faults{ForgeDiffs: true})
	client := p2p.NewClient(me)
	defer client.Close()
	for _, bc := range []struct {
		name  string
		fetch Fetcher
	}{
		{"local", fetcherFunc(func(context.Context, *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error) { return sl, il, nil })},
		{"peer", &PeerFetcher{Runtime: rtID, Client: client, Peers: func() []p2p.Peer { return []p2p.Peer{honest} }}},
		{"forgedFirst", &PeerFetcher{Runtime: rtID, Client: client, Peers: func() []p2p.Peer { return []p2p.Peer{forger, honest} },
			OnFailure: func(p2p.Peer, uint64, error) {}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r, err := OpenReplica(filepath.Join(dir, strconv.Itoa(i)), mkvs.Namespace(rtID), true)
				if err != nil {
					b.Fatal(err)
				}
				if err := wrt.SeedGenesis(r.KV, f.genesisLog, f.genesisRoot); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := r.Finalize(context.Background(), &f.headers[1], bc.fetch); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				// Pebble preallocates each log at 110% of its memtable:
				// keeping b.N replicas filled the disk.
				r.Close()
				os.RemoveAll(filepath.Join(dir, strconv.Itoa(i)))
				b.StartTimer()
			}
		})
	}
}
