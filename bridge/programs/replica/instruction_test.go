package replica

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/update"
)

func sampleInstructions(t testing.TB) []Instruction {
	u := update.Update{HomeDomain: 1000, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	set := testkeys.Set(t, 2, 1, 2, 3)
	m := message.Message{Origin: 1000, Destination: 2000, Body: []byte("x")}
	raw, _ := m.Encode()
	var path Instruction
	path.Path[3] = keccak.Hash{4}
	return []Instruction{
		{Tag: TagInitialize, Remote: 1000, OptimisticSeconds: 60, CommittedRoot: keccak.Hash{1}, Owner: [32]byte{2}, Updaters: set},
		{Tag: TagUpdate, Update: *testkeys.Quorum(u, 1, 2)},
		{Tag: TagProve, Leaf: keccak.Hash{5}, Index: 7, Path: path.Path},
		{Tag: TagProcess, Message: raw},
		{Tag: TagProveAndProcess, Index: 3, Path: path.Path, Message: raw},
		{Tag: TagDoubleUpdate, Update: *testkeys.Quorum(u, 1), Update2: *testkeys.Quorum(u, 2)},
		{Tag: TagDoubleUpdateFromHistory, RecordedRoot: keccak.Hash{9}, Update: *testkeys.Quorum(u, 3)},
		{Tag: TagSetOptimisticSeconds, OptimisticSeconds: 5},
		{Tag: TagSetUpdaters, Updaters: set},
		{Tag: TagSetOwner, Owner: [32]byte{3}},
	}
}

func TestInstruction_Encode(t *testing.T) {
	for _, in := range sampleInstructions(t) {
		b, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInstruction(b)
		if err != nil {
			t.Fatalf("tag %d: %v", in.Tag, err)
		}
		again, _ := got.Encode()
		if !bytes.Equal(again, b) {
			t.Fatalf("tag %d: round trip differs", in.Tag)
		}
		if _, err := DecodeInstruction(b[:len(b)-1]); in.Tag != TagProcess && in.Tag != TagProveAndProcess && !errors.Is(err, ErrInstruction) {
			t.Errorf("tag %d: truncation accepted", in.Tag)
		}
	}
	for _, bad := range [][]byte{nil, {99}, {byte(TagProcess), 1, 2}} {
		if _, err := DecodeInstruction(bad); !errors.Is(err, ErrInstruction) {
			t.Errorf("DecodeInstruction(%x) = %v", bad, err)
		}
	}
}

func TestEvent_Encode(t *testing.T) {
	u := update.Update{HomeDomain: 1000, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	for _, e := range []Event{
		{Kind: EventUpdate, Remote: 1000, ConfirmAt: 99, Update: *testkeys.Quorum(u, 1)},
		{Kind: EventProven, Remote: 1000, Leaf: keccak.Hash{1}, Root: keccak.Hash{2}},
		{Kind: EventProcessed, Remote: 1000, Leaf: keccak.Hash{1}},
		{Kind: EventHandlerFailed, Remote: 1000, Leaf: keccak.Hash{1}},
		{Kind: EventHalted, Remote: 1000, Addresses: []update.Address{testkeys.Addr(1)}},
	} {
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeEvent(b)
		if err != nil {
			t.Fatalf("kind %d: %v", e.Kind, err)
		}
		again, _ := got.Encode()
		if !bytes.Equal(again, b) {
			t.Fatalf("kind %d: round trip differs", e.Kind)
		}
	}
}

func FuzzDecodeInstruction(f *testing.F) {
	for _, in := range sampleInstructions(f) {
		b, _ := in.Encode()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := DecodeInstruction(b)
		if err != nil {
			return
		}
		again, err := in.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encodes differently: %v", err)
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	e := Event{Kind: EventHalted, Remote: 1, Addresses: []update.Address{{1}}}
	b, _ := e.Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		again, err := e.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encodes differently: %v", err)
		}
	})
}

func FuzzDecodeState(f *testing.F) {
	f.Add([]byte{KindState, 255, 0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeState(b)
		_, _ = DecodeRootEntry(b)
		_, _ = DecodeMessageRecord(b)
	})
}
