package rpcnode

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/rpc/backendtest"
)

// TestBackend_Conformance runs rpc/backendtest against backends over one
// network of three nodes (committee of 2 workers and 1 backup, 2 storage
// nodes) on the real consensus application and roothash, P2P on loopback.
// Each subtest gets a fresh backend on the running network.
func TestBackend_Conformance(t *testing.T) {
	payer := key(42)
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, payers: []ed25519.PrivateKey{payer}})
	backendtest.Run(t, func(t *testing.T) *backendtest.Harness {
		b := tn.backend(t, 0, nil)
		return &backendtest.Harness{Backend: b, Payer: payer, Advance: func(t testing.TB) { advance(t, b) }}
	})
}
