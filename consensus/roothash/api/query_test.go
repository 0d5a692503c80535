package api

import (
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
)

func TestBlockView_RoundTrip(t *testing.T) {
	h := Header{Namespace: registry.RuntimeID{1}, Round: 3, Type: Normal, StateRoot: Hash{2}, MessagesHash: MessagesHash(nil)}
	raw, _ := json.Marshal(BlockView{Header: h, Hash: h.Hash(), Height: 9})
	v, err := DecodeBlock(raw)
	if err != nil || v.Header != h || v.Height != 9 {
		t.Fatalf("%+v %v", v, err)
	}
	bad, _ := json.Marshal(BlockView{Header: h, Hash: Hash{1}})
	if _, err := DecodeBlock(bad); err == nil {
		t.Fatal("a block whose hash does not match its header decoded")
	}
	rv, _ := json.Marshal(RoundView{Latest: BlockView{Header: h, Hash: h.Hash()}, Round: &RoundState{Round: 4, IncomingUpTo: 2}})
	r, err := DecodeRound(rv)
	if err != nil || r.Round.Round != 4 || r.Latest.Header != h {
		t.Fatalf("%+v %v", r, err)
	}
}

func FuzzDecodeBlock(f *testing.F) {
	h := Header{Round: 1}
	raw, _ := json.Marshal(BlockView{Header: h, Hash: h.Hash()})
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := DecodeBlock(b); err == nil && v.Header.Hash() != v.Hash {
			t.Fatal("decoded a block with a wrong hash")
		}
	})
}

func FuzzDecodeRound(f *testing.F) {
	h := Header{Round: 1}
	raw, _ := json.Marshal(RoundView{Latest: BlockView{Header: h, Hash: h.Hash()}, Round: &RoundState{Round: 2}})
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeRound(b)
		_, _ = DecodeIncoming(b)
	})
}

func FuzzParseBlockEvent(f *testing.F) {
	h := Header{Round: 1}
	hash := h.Hash()
	f.Add(EventFinalized, registry.RuntimeID{1}.String(), "1", hex.EncodeToString(hash[:]))
	f.Fuzz(func(t *testing.T, typ, runtime, round, hash string) {
		attrs := map[string]string{"runtime": runtime, "round": round, "header_hash": hash, "state_root": hash, "io_root": hash}
		ev, ok, err := ParseBlockEvent(typ, func(k string) string { return attrs[k] })
		if ok && err == nil && ev.Type == 0 {
			t.Fatal("parsed a block event without a header type")
		}
	})
}
