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
