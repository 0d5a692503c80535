package roothash_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/genesis"
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

// TestService_ReceiptsHistoryWindow: receipts leave the state with their
// block when it falls out of the history window.
func TestService_ReceiptsHistoryWindow(t *testing.T) {
	ctx, _, signers := memNet(t)
	svc := roothash.New()
	p := roothash.DefaultParams()
	p.BlockHistory = 2
	if err := svc.ChangeParameters(ctx.KV, codec.Marshal(&p), true); err != nil {
		t.Fatal(err)
	}
	ctx.Height = 2
	if err := svc.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		ctx.Height++
		res, err := svc.Query(ctx.KV, 0, "round", api.RuntimeQueryData(genesis.SVMRuntimeID))
		if err != nil {
			t.Fatal(err)
		}
		v := res.(api.RoundView)
		r := v.Round
		sched, _ := r.Committee.Scheduler(r.Round, 0)
		prop := api.SignProposal(signers[sched], ctx.ChainContext, api.Proposal{Namespace: v.Runtime, Round: r.Round, PreviousHash: v.Latest.Hash})
		out := results(r.Round, nil)
		body := api.ExecutorCommitBody{Runtime: v.Runtime}
		for _, w := range r.Committee.Workers {
			c := api.Commitment{Namespace: v.Runtime, Round: r.Round, PreviousHash: v.Latest.Hash, Proposal: prop, Results: out}
			for _, s := range r.Committee.Storage {
				c.Receipts = append(c.Receipts, api.SignReceipt(signers[s], ctx.ChainContext, api.Receipt{Namespace: v.Runtime, Round: r.Round, IORoot: out.IORoot, StateRoot: out.StateRoot}))
			}
			body.Commitments = append(body.Commitments, api.SignCommitment(signers[w], ctx.ChainContext, c))
		}
		ctx.Mode, ctx.Signer = service.ModeDeliver, seeded(1, 0).Public()
		if err := svc.ExecTx(ctx, "ExecutorCommit", codec.Marshal(body)); err != nil {
			t.Fatalf("round %d: %v", r.Round, err)
		}
		ctx.Mode = service.ModeSystem
		if err := svc.EndBlock(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for round, kept := range []bool{false, false, false, true, true} {
		_, err := svc.Query(ctx.KV, 0, "receipts", api.BlockQueryData(genesis.SVMRuntimeID, uint64(round)))
		if kept != (err == nil) {
			t.Errorf("round %d: kept %v, query error %v", round, kept, err)
		}
	}
	var stored []string
	ctx.KV.Iterate([]byte("roothash/receipts/"), func(k, _ []byte) bool {
		stored = append(stored, fmt.Sprint(binary.BigEndian.Uint64(k[len(k)-8:])))
		return true
	})
	if !slices.Equal(stored, []string{"3", "4"}) {
		t.Fatalf("receipts stored for rounds %v, want [3 4]", stored)
	}
}
