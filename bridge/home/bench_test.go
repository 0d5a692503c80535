package home

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

// BenchmarkHome_Dispatch is one dispatch: encode, leaf hash, tree insert and
// the new root for the queue. The queue is drained by an update every 1024
// dispatches, outside the timer, as updaters would.
func BenchmarkHome_Dispatch(b *testing.B) {
	h, err := New(Config{LocalDomain: local, Owner: owner, Updaters: testkeys.Set(b, 1, 1)})
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(h.queue) == 1024 {
			b.StopTimer()
			u, _ := h.SuggestUpdate()
			if _, err := h.Update(testkeys.Quorum(u, 1)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := h.Dispatch(keccak.Hash{1}, remote, keccak.Hash{2}, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHome_Update is a 2-of-3 quorum update: two signature recoveries
// and the queue scan.
func BenchmarkHome_Update(b *testing.B) {
	set := testkeys.Set(b, 2, 1, 2, 3)
	h, _ := New(Config{LocalDomain: local, Owner: owner, Updaters: set})
	h.Dispatch(keccak.Hash{1}, remote, keccak.Hash{2}, nil)
	u, _ := h.SuggestUpdate()
	q := testkeys.Quorum(u, 1, 2)
	snapshot, _ := h.MarshalBinary()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var fresh Home
		fresh.UnmarshalBinary(snapshot)
		b.StartTimer()
		if fraud, err := fresh.Update(q); err != nil || fraud != nil {
			b.Fatal(fraud, err)
		}
	}
}
