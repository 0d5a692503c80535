package roothash_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

func TestService_Query(t *testing.T) {
	h := newHarness(t, defaultNet())
	gen := h.latest()
	if gen.Header.Round != 0 || gen.Header.StateRoot != api.Hash(h.doc.Registry.Runtimes[0].GenesisStateRoot) || gen.Header != roothash.GenesisHeader(h.doc.Registry.Runtimes[0]) {
		t.Fatalf("genesis %+v", gen.Header)
	}
	for r := uint64(1); r <= 3; r++ {
		h.finalizeRound(results(r, nil), nil)
	}
	b, err := api.DecodeBlock(h.query(api.QueryBlock, api.BlockQueryData(h.rt, 2)))
	if err != nil || b.Header.Round != 2 || b.Header.StateRoot != results(2, nil).StateRoot || b.Height != 3 {
		t.Fatalf("block 2: %+v %v", b, err)
	}
	next, _ := api.DecodeBlock(h.query(api.QueryBlock, api.BlockQueryData(h.rt, 3)))
	if next.Header.PreviousHash != b.Hash {
		t.Fatal("block 3 does not chain to block 2")
	}
	// Closed rounds leave no commitments behind.
	h.kv().Iterate([]byte("roothash/commit/"), func(k, _ []byte) bool {
		t.Fatalf("commitment key %x left after its round closed", k)
		return false
	})
	all := query[[]api.BlockView](t, nil, h.kv(), "blocks", nil)
	if len(all) != 1 || all[0].Header.Round != 3 {
		t.Fatalf("blocks %+v", all)
	}
	// The worker-facing view of the pending round.
	v := h.round()
	if v.Round.Round != 4 || v.Latest.Hash != next.Hash || len(v.Round.Committee.Workers) != 3 || len(v.Round.Committee.Storage) != 2 {
		t.Fatalf("round view %+v", v)
	}
	p := query[roothash.Params](t, nil, h.kv(), "params", nil)
	if p != roothash.DefaultParams() {
		t.Fatalf("params %+v", p)
	}
	for _, c := range []struct {
		path string
		data []byte
		want error
	}{
		{"latest", []byte("zz"), service.ErrInvalid},
		{"latest", []byte(registry.RuntimeID{9}.String()), service.ErrNotFound},
		{"block", []byte("{"), service.ErrInvalid},
		{"block", api.BlockQueryData(h.rt, 99), service.ErrNotFound},
		{"round", nil, service.ErrInvalid},
		{"incoming", nil, service.ErrInvalid},
		{"nothing", nil, service.ErrUnknownQuery},
	} {
		if _, err := roothash.New().Query(h.kv(), 0, c.path, c.data); !errors.Is(err, c.want) {
			t.Errorf("%s %q: %v, want %v", c.path, c.data, err, c.want)
		}
	}
}

func TestService_ChangeParameters(t *testing.T) {
	h := newHarness(t, defaultNet())
	p := roothash.DefaultParams()
	p.BlockHistory = 2
	ctx := &service.Context{KV: state.NewOverlay(h.kv())}
	if err := roothash.New().ChangeParameters(ctx.KV, codec.Marshal(&p), false); err != nil {
		t.Fatal(err)
	}
	if got := roothash.GetParams(ctx.KV); got.BlockHistory != roothash.DefaultParams().BlockHistory {
		t.Fatal("a dry-run parameter change wrote")
	}
	bad := p
	bad.BlockHistory = 0
	if err := roothash.New().ChangeParameters(ctx.KV, codec.Marshal(&bad), true); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("zero history accepted: %v", err)
	}
	if err := roothash.New().ChangeParameters(ctx.KV, []byte{0xff}, true); !errors.Is(err, service.ErrBadBody) {
		t.Fatalf("garbage change: %v", err)
	}
	if err := roothash.New().ChangeParameters(ctx.KV, codec.Marshal(&p), true); err != nil || roothash.GetParams(ctx.KV) != p {
		t.Fatalf("change not applied: %v", err)
	}
}

// TestService_Determinism runs the same dishonest round on three
// applications, one of them restarted mid-round and once crashed between
// FinalizeBlock and Commit, and compares every app hash.
func TestService_Determinism(t *testing.T) {
	run := func(restart bool) [][]byte {
		s := newScene(t, defaultNet(), 0)
		var hashes [][]byte
		p, _ := s.honestProposal(true)
		bad := s.good
		bad.IORoot[1] ^= 1
		s.submit(s.rc.commitment(s.honest[0], p, s.good, nil), s.rc.commitment(s.faulty, p, bad, nil))
		s.block()
		hashes = append(hashes, s.lastRes.AppHash)
		if restart {
			s.restart(false)
		}
		s.backupsCommit(p, s.good, 3)
		if restart {
			s.restart(true)
		}
		s.block()
		hashes = append(hashes, s.lastRes.AppHash)
		s.until(30)
		hashes = append(hashes, s.lastRes.AppHash)
		return hashes
	}
	a, b, c := run(false), run(false), run(true)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) || !bytes.Equal(a[i], c[i]) {
			t.Fatalf("step %d: app hashes differ", i)
		}
	}
}

func TestService_BlockHistory(t *testing.T) {
	ctx, _, _ := memNet(t)
	svc := roothash.New()
	p := roothash.DefaultParams()
	p.BlockHistory = 2
	if err := svc.ChangeParameters(ctx.KV, codec.Marshal(&p), true); err != nil {
		t.Fatal(err)
	}
	// Nobody commits: every RoundTimeout (10) blocks a round fails.
	var failed []string
	for ctx.Height = 1; ctx.Height <= 41; ctx.Height++ {
		ctx.Events = nil
		if err := svc.EndBlock(ctx); err != nil {
			t.Fatal(err)
		}
		for _, e := range ctx.Events {
			failed = append(failed, e.Type)
		}
	}
	equalLines(t, "events", failed, []string{api.EventRoundFailed, api.EventRoundFailed, api.EventRoundFailed, api.EventRoundFailed})
	id := h0(ctx)
	for round, kept := range []bool{false, false, false, true, true} {
		_, err := svc.Query(ctx.KV, 0, "block", api.BlockQueryData(id, uint64(round)))
		if kept != (err == nil) {
			t.Errorf("round %d: kept %v, query error %v", round, kept, err)
		}
	}
}

func h0(ctx *service.Context) registry.RuntimeID { return registry.SortedRuntimeIDs(ctx.KV)[0] }

func TestParseBlockEvent(t *testing.T) {
	h := newHarness(t, defaultNet())
	h.finalizeRound(results(1, nil), nil)
	l := h.latest()
	found := false
	for _, e := range h.lastRes.TxResults[len(h.lastRes.TxResults)-1].Events {
		attr := func(k string) string {
			for _, a := range e.Attributes {
				if a.Key == k {
					return a.Value
				}
			}
			return ""
		}
		ev, ok, err := api.ParseBlockEvent(e.Type, attr)
		if !ok {
			continue
		}
		found = true
		if err != nil || ev.Type != api.Normal || ev.Round != 1 || ev.HeaderHash != l.Hash || ev.StateRoot != l.Header.StateRoot || ev.Runtime != h.rt {
			t.Fatalf("%+v %v", ev, err)
		}
		if _, _, err := api.ParseBlockEvent(e.Type, func(string) string { return "x" }); err == nil {
			t.Fatal("garbage attributes parsed")
		}
	}
	if !found {
		t.Fatal("no block event")
	}
}
