package connmgr

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/codectest"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/update"
)

func sampleInstructions() []Instruction {
	fn := update.FailureNotification{HomeDomain: 1000, Updater: testkeys.Addr(1).Bytes32()}
	return []Instruction{
		{Tag: TagInitialize, Capacity: 4096, Owner: [32]byte{1}},
		{Tag: TagEnrollReplica, Domain: 1000, Replica: [32]byte{2}},
		{Tag: TagOwnerUnenrollReplica, Domain: 1000},
		{Tag: TagSetWatcherPermission, Watcher: testkeys.Addr(5), Domain: 1000, Allowed: true},
		{Tag: TagSetOwner, Owner: [32]byte{3}},
		{Tag: TagUnenrollReplica, Failure: update.SignedFailure{FailureNotification: fn, Signature: fn.Sign(testkeys.Key(5))}},
	}
}

func TestInstruction_Encode(t *testing.T) {
	for _, in := range sampleInstructions() {
		b, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInstruction(b)
		if err != nil {
			t.Fatalf("tag %d: %v", in.Tag, err)
		}
		if got != in {
			t.Fatalf("tag %d: round trip %+v != %+v", in.Tag, got, in)
		}
		if _, err := DecodeInstruction(append(b, 0)); !errors.Is(err, ErrInstruction) {
			t.Errorf("tag %d: trailing byte accepted", in.Tag)
		}
		if _, err := DecodeInstruction(b[:len(b)-1]); !errors.Is(err, ErrInstruction) {
			t.Errorf("tag %d: truncation accepted", in.Tag)
		}
	}
}

func FuzzDecodeInstruction(f *testing.F) {
	codectest.Codec[Instruction]{Decode: DecodeInstruction, Encode: (*Instruction).Encode}.Fuzz(f, sampleInstructions())
}

func FuzzDecodeState(f *testing.F) {
	f.Add([]byte{1, 255, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = DecodeState(b) })
}
