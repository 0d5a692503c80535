package home

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/codectest"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func sampleInstructions(t testing.TB) []Instruction {
	u := update.Update{HomeDomain: 1000, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	set := testkeys.Set(t, 2, 1, 2, 3)
	return []Instruction{
		{Tag: TagInitialize, BondDelay: 3600, Capacity: 4096, Owner: [32]byte{5}, Updaters: set},
		{Tag: TagDispatch, Destination: 2000, Recipient: keccak.Hash{3}, Body: []byte("hi")},
		{Tag: TagDispatch, Destination: 2000, Recipient: keccak.Hash{3}, FromProgram: true, Program: [32]byte{4}, Body: []byte{}},
		{Tag: TagUpdate, Update: *testkeys.Quorum(u, 1, 2)},
		{Tag: TagImproperUpdate, Update: *testkeys.Quorum(u, 3)},
		{Tag: TagDoubleUpdate, Update: *testkeys.Quorum(u, 1), Update2: *testkeys.Quorum(u, 2)},
		{Tag: TagSetUpdaters, Updaters: set},
		{Tag: TagSetOwner, Owner: [32]byte{6}},
		{Tag: TagBond, Updater: testkeys.Addr(1), Lamports: 77, Consent: update.SignDigest(testkeys.Key(1), BondDigest(1000, [32]byte{5}))},
		{Tag: TagUnbond},
		{Tag: TagWithdrawBond},
		{Tag: TagWithdrawTreasury, Lamports: 9},
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
		if _, err := DecodeInstruction(append(b, 0)); in.Tag != TagDispatch && !errors.Is(err, ErrInstruction) {
			t.Errorf("tag %d: trailing byte accepted", in.Tag)
		}
		if len(b) > 1 {
			if _, err := DecodeInstruction(b[:len(b)-1]); in.Tag != TagDispatch && !errors.Is(err, ErrInstruction) {
				t.Errorf("tag %d: truncation accepted", in.Tag)
			}
		}
	}
	for _, bad := range [][]byte{nil, {200}, append([]byte{byte(TagDispatch)}, make([]byte, 36)...)} {
		if _, err := DecodeInstruction(bad); !errors.Is(err, ErrInstruction) {
			t.Errorf("DecodeInstruction(%x) = %v", bad, err)
		}
	}
}

func TestEvent_Encode(t *testing.T) {
	u := update.Update{HomeDomain: 1000, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	events.RoundTrip(t, []Event{
		{Kind: EventDispatch, LeafIndex: 3, DestinationAndNonce: 9, Root: keccak.Hash{1}, Message: make([]byte, 80)},
		{Kind: EventUpdate, Update: *testkeys.Quorum(u, 1)},
		{Kind: EventFraud, FraudKind: 2, Updaters: []update.Address{testkeys.Addr(1), testkeys.Addr(2)}},
		{Kind: EventSlash, Updaters: []update.Address{testkeys.Addr(1)}, Lamports: 5},
	})
}

func FuzzDecodeInstruction(f *testing.F) {
	instructions.Fuzz(f, sampleInstructions(f))
}

func FuzzDecodeEvent(f *testing.F) {
	events.Fuzz(f, []Event{{Kind: EventFraud, FraudKind: 1, Updaters: []update.Address{{1}}}}, []byte{1})
}

func FuzzDecodeState(f *testing.F) {
	f.Add([]byte{kindState, 255, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeState(b)
		_, _ = DecodeBond(&sol.Account{Data: b})
	})
}
