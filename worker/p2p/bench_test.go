package p2p

import (
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
)

// BenchmarkClient_StorageApply is one authenticated request and signed
// answer over loopback mutual TLS (the connection is reused).
func BenchmarkClient_StorageApply(b *testing.B) {
	srvKey, cliKey := signer(b, 1), signer(b, 2)
	_, _, addr := serveB(b, srvKey, cliKey)
	c := NewClient(cliKey)
	defer c.Close()
	p := Peer{Key: srvKey.Public(), Addr: addr}
	req := &ApplyRequest{Runtime: registry.RuntimeID{1}, Round: 1, StateLog: make([]byte, 4096), IOLog: make([]byte, 4096)}
	for b.Loop() {
		if _, err := c.StorageApply(b.Context(), p, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClient_SubmitTx is one gossip message of 100 transfer-sized
// transactions over loopback mutual TLS, as a worker forwards what it
// admitted to each peer of the committee.
func BenchmarkClient_SubmitTx(b *testing.B) {
	srvKey, cliKey := signer(b, 1), signer(b, 2)
	_, rec, addr := serveB(b, srvKey, cliKey)
	rec.mu.Lock()
	rec.discard = true
	rec.mu.Unlock()
	c := NewClient(cliKey)
	defer c.Close()
	p := Peer{Key: srvKey.Public(), Addr: addr}
	m := &TxMsg{Runtime: registry.RuntimeID{1}, Txs: make([][]byte, 100)}
	for i := range m.Txs {
		m.Txs[i] = make([]byte, 215)
	}
	for b.Loop() {
		if err := c.SubmitTx(b.Context(), p, m); err != nil {
			b.Fatal(err)
		}
	}
}
