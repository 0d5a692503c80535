package replica

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/codectest"
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

var (
	instructions = codectest.Codec[Instruction]{Decode: DecodeInstruction, Encode: (*Instruction).Encode}
	events       = codectest.Codec[Event]{Decode: DecodeEvent, Encode: (*Event).Encode}
)

func TestInstruction_Encode(t *testing.T) {
	samples := sampleInstructions(t)
	for i, b := range instructions.RoundTrip(t, samples) {
		in := samples[i]
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
	events.RoundTrip(t, []Event{
		{Kind: EventUpdate, Remote: 1000, ConfirmAt: 99, Update: *testkeys.Quorum(u, 1)},
		{Kind: EventProven, Remote: 1000, Leaf: keccak.Hash{1}, Root: keccak.Hash{2}},
		{Kind: EventProcessed, Remote: 1000, Leaf: keccak.Hash{1}},
		{Kind: EventHandlerFailed, Remote: 1000, Leaf: keccak.Hash{1}},
		{Kind: EventHalted, Remote: 1000, Addresses: []update.Address{testkeys.Addr(1)}},
	})
}

func FuzzDecodeInstruction(f *testing.F) {
	instructions.Fuzz(f, sampleInstructions(f))
}

func FuzzDecodeEvent(f *testing.F) {
	events.Fuzz(f, []Event{{Kind: EventHalted, Remote: 1, Addresses: []update.Address{{1}}}})
}

func FuzzDecodeState(f *testing.F) {
	f.Add([]byte{KindState, 255, 0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeState(b)
		_, _ = DecodeRootEntry(b)
		_, _ = DecodeMessageRecord(b)
	})
}
