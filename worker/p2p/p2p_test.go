package p2p

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

func signer(t testing.TB, seed byte) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type recorder struct {
	mu   sync.Mutex
	from []signature.PublicKey
	txs  [][]byte
	rcpt *signature.Signer
	// discard keeps benchmarks from recording every transaction.
	discard bool
}

func (r *recorder) SubmitTx(_ context.Context, from signature.PublicKey, m *TxMsg) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(m.Txs) == 0 {
		return errors.New("no transactions")
	}
	if !r.discard {
		r.from = append(r.from, from)
		r.txs = append(r.txs, m.Txs...)
	}
	return nil
}

func (r *recorder) Propose(context.Context, signature.PublicKey, *ProposalMsg) error { panic("boom") }

func (r *recorder) StorageApply(_ context.Context, _ signature.PublicKey, m *ApplyRequest) (*roothash.SignedReceipt, error) {
	sr := roothash.SignReceipt(r.rcpt, nil, roothash.Receipt{Namespace: m.Runtime, Round: m.Round, StateRoot: m.StateRoot, IORoot: m.IORoot})
	return &sr, nil
}

func (r *recorder) GetDiff(context.Context, signature.PublicKey, *DiffRequest) (*DiffResponse, error) {
	return &DiffResponse{StateLog: []byte{1}}, nil
}

func (r *recorder) GetCheckpoint(context.Context, signature.PublicKey, *CheckpointRequest) (*CheckpointResponse, error) {
	return nil, nil
}

func serveB(b *testing.B, key, client *signature.Signer) (*Server, *recorder, string) {
	return serve(b, key, client.Public())
}

func serve(t testing.TB, key *signature.Signer, allowed ...signature.PublicKey) (*Server, *recorder, string) {
	t.Helper()
	srv, err := NewServer(key, func(k signature.PublicKey) bool {
		for _, a := range allowed {
			if a == k {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{rcpt: key}
	srv.HandleCompute(registry.RuntimeID{1}, rec)
	srv.HandleStorage(registry.RuntimeID{1}, rec)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return srv, rec, l.Addr().String()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestServer_AuthenticatedCalls(t *testing.T) {
	srvKey, cliKey := signer(t, 1), signer(t, 2)
	_, rec, addr := serve(t, srvKey, cliKey.Public())
	c := NewClient(cliKey)
	defer c.Close()
	p := Peer{Key: srvKey.Public(), Addr: addr}
	if err := c.SubmitTx(ctx(t), p, &TxMsg{Runtime: registry.RuntimeID{1}, Txs: [][]byte{[]byte("tx")}}); err != nil {
		t.Fatal(err)
	}
	if len(rec.from) != 1 || rec.from[0] != cliKey.Public() || string(rec.txs[0]) != "tx" {
		t.Fatalf("handler saw %v %q", rec.from, rec.txs)
	}
	if err := c.SubmitTx(ctx(t), p, &TxMsg{Runtime: registry.RuntimeID{1}}); err == nil || !strings.Contains(err.Error(), "no transactions") {
		t.Fatalf("handler error not carried: %v", err)
	}
	r, err := c.StorageApply(ctx(t), p, &ApplyRequest{Runtime: registry.RuntimeID{1}, Round: 4, StateRoot: roothash.Hash{3}})
	if err != nil || r.Verify(nil) != nil || r.Receipt.Round != 4 || r.Node != srvKey.Public() {
		t.Fatalf("receipt %+v %v", r, err)
	}
	if d, err := c.GetDiff(ctx(t), p, &DiffRequest{Runtime: registry.RuntimeID{1}}); err != nil || !bytes.Equal(d.StateLog, []byte{1}) {
		t.Fatalf("diff %+v %v", d, err)
	}
	if _, err := c.GetCheckpoint(ctx(t), p, &CheckpointRequest{Runtime: registry.RuntimeID{1}}); err == nil {
		t.Fatal("nil response accepted")
	}
	if err := c.Propose(ctx(t), p, &ProposalMsg{Proposal: roothash.SignedProposal{Proposal: roothash.Proposal{Namespace: registry.RuntimeID{1}}}}); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("panic not contained: %v", err)
	}
	if err := c.SubmitTx(ctx(t), p, &TxMsg{Runtime: registry.RuntimeID{2}, Txs: [][]byte{[]byte("x")}}); err == nil || !strings.Contains(err.Error(), "not served") {
		t.Fatalf("unserved runtime: %v", err)
	}
	if err := c.SubmitTx(ctx(t), p, &TxMsg{Runtime: registry.RuntimeID{1}, Txs: make([][]byte, MaxGossipTxs+1)}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversized gossip: %v", err)
	}
}

func TestServer_RejectsUnregisteredPeer(t *testing.T) {
	srvKey, stranger := signer(t, 1), signer(t, 3)
	_, rec, addr := serve(t, srvKey, signer(t, 2).Public())
	c := NewClient(stranger)
	defer c.Close()
	c2, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.SubmitTx(c2, Peer{Key: srvKey.Public(), Addr: addr}, &TxMsg{Runtime: registry.RuntimeID{1}, Txs: [][]byte{[]byte("x")}}); err == nil {
		t.Fatal("unregistered peer accepted")
	}
	if len(rec.txs) != 0 {
		t.Fatal("handler reached")
	}
}

func TestClient_RejectsWrongServerKey(t *testing.T) {
	srvKey, cliKey := signer(t, 1), signer(t, 2)
	_, _, addr := serve(t, srvKey, cliKey.Public())
	c := NewClient(cliKey)
	defer c.Close()
	c2, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.SubmitTx(c2, Peer{Key: signer(t, 9).Public(), Addr: addr}, &TxMsg{Runtime: registry.RuntimeID{1}, Txs: [][]byte{[]byte("x")}}); err == nil {
		t.Fatal("impostor server accepted")
	}
}

func TestPeerKey_RoundTrip(t *testing.T) {
	k := signer(t, 5)
	cert, err := certificate(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := PeerKey(cert.Certificate)
	if err != nil || got != k.Public() {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][][]byte{nil, {cert.Certificate[0], cert.Certificate[0]}, {[]byte("junk")}} {
		if _, err := PeerKey(bad); !errors.Is(err, ErrBadCertificate) {
			t.Errorf("bad chain: %v", err)
		}
	}
}

func TestMessages_RoundTrip(t *testing.T) {
	s := signer(t, 1)
	for _, m := range []any{
		&TxMsg{Runtime: registry.RuntimeID{1}, Txs: [][]byte{{1, 2}}},
		&ProposalMsg{Proposal: roothash.SignProposal(s, nil, roothash.Proposal{Round: 2}), Txs: [][]byte{{1}, {}}},
		&ApplyRequest{Runtime: registry.RuntimeID{1}, Round: 3, StateRoot: roothash.Hash{1}, StateLog: []byte{1}, IOLog: []byte{}},
		&DiffRequest{Round: 7}, &DiffResponse{StateRoot: roothash.Hash{2}, StateLog: []byte{}, IOLog: []byte{}},
		&CheckpointRequest{Round: 1, Index: 3}, &CheckpointResponse{Chunk: []byte{4}, Total: 9},
	} {
		b := codec.Marshal(m)
		if err := (cborCodec{}).Unmarshal(b, m); err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if !bytes.Equal(codec.Marshal(m), b) {
			t.Fatalf("%T does not round-trip", m)
		}
	}
}
