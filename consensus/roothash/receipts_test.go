package roothash_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// TestService_Receipts: a finalized block keeps the storage receipts of
// the commitments for its results, one per storage node, and only those:
// a dishonest worker's receipts for other roots are not evidence of
// anything finalized.
func TestService_Receipts(t *testing.T) {
	h := newHarness(t, defaultNet())
	rc := h.pendingRound()
	p := rc.propose(rc.scheduler(0), [][]byte{{1}})
	good := results(1, nil)
	bad := good
	bad.StateRoot[0] ^= 0xff
	h.submit(rc.commitment(h.signers[rc.c.Workers[0]], p, good, nil))
	h.submit(rc.commitment(h.signers[rc.c.Workers[1]], p, bad, nil))
	h.block()
	for _, b := range rc.c.Backups[:2] {
		h.submit(rc.commitment(h.signers[b], p, good, nil))
	}
	h.block()
	if l := h.latest(); l.Header.Round != 1 || l.Header.StateRoot != good.StateRoot {
		t.Fatalf("latest %+v", l.Header)
	}
	got := query[[]api.SignedReceipt](t, roothash.New(), h.kv(), "receipts", api.BlockQueryData(h.rt, 1))
	var nodes []signature.PublicKey
	for _, r := range got {
		nodes = append(nodes, r.Node)
		if r.Receipt != (api.Receipt{Namespace: h.rt, Round: 1, IORoot: good.IORoot, StateRoot: good.StateRoot}) {
			t.Errorf("receipt of %s is for %+v", h.name(r.Node), r.Receipt)
		}
		if err := r.Verify(h.cc); err != nil {
			t.Errorf("receipt of %s: %v", h.name(r.Node), err)
		}
	}
	if !slices.Equal(nodes, rc.c.Storage) {
		t.Fatalf("receipts by %v, want the storage committee %v", nodes, rc.c.Storage)
	}
	if g := query[[]api.SignedReceipt](t, roothash.New(), h.kv(), "receipts", api.BlockQueryData(h.rt, 0)); g == nil || len(g) != 0 {
		t.Fatalf("genesis block receipts %v, want an empty list", g)
	}
	for _, c := range []struct {
		data []byte
		want error
	}{
		{api.BlockQueryData(h.rt, 2), service.ErrNotFound},
		{[]byte("{"), service.ErrInvalid},
	} {
		if _, err := roothash.New().Query(h.kv(), 0, "receipts", c.data); !errors.Is(err, c.want) {
			t.Errorf("receipts %s: %v, want %v", c.data, err, c.want)
		}
	}
}
