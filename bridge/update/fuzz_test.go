package update

import (
	"bytes"
	"testing"
)

func FuzzQuorumUpdateUnmarshal(f *testing.F) {
	q := quorum(sampleUpdate(), 1, 2)
	b, _ := q.MarshalBinary()
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var q QuorumUpdate
		if err := q.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := q.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip: %v", err)
		}
		set, _ := NewUpdaterSet([]Address{testAddr(1)}, 1)
		_, _ = set.Verify(&q)
	})
}

func FuzzUpdaterSetUnmarshal(f *testing.F) {
	set, _ := NewUpdaterSet([]Address{testAddr(1), testAddr(2), testAddr(3)}, 2)
	b, _ := set.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s UpdaterSet
		if err := s.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzSignedUpdateUnmarshal(f *testing.F) {
	u := sampleUpdate()
	su := SignedUpdate{u, u.Sign(testKey(1))}
	b, _ := su.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var su SignedUpdate
		if err := su.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := su.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the bytes")
		}
		_, _ = su.Signer()
	})
}

func FuzzSignedFailureUnmarshal(f *testing.F) {
	fn := FailureNotification{HomeDomain: 2000, Updater: testAddr(1).Bytes32()}
	sf := SignedFailure{fn, fn.Sign(testKey(2))}
	b, _ := sf.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var sf SignedFailure
		if err := sf.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := sf.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the bytes")
		}
		_, _ = sf.Signer()
	})
}
