package epochtime

import (
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/state"
)

func TestEndBlock_Transitions(t *testing.T) {
	kv := state.NewMemKV()
	if err := InitGenesis(kv, &Genesis{Params: Params{Interval: 3}, Base: 10}, 1); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for h := int64(1); h <= 10; h++ {
		if h == 4 {
			// A governance change applies from the next epoch on.
			if err := (Service{}).ChangeParameters(kv, codec.Marshal(Params{Interval: 2}), true); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := EndBlock(kv, h); ok {
			got = append(got, h)
		}
	}
	want := []int64{3, 6, 8, 10}
	if len(got) != len(want) {
		t.Fatalf("transitions at %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transitions at %v, want %v", got, want)
		}
	}
	if s := Get(kv); s.Epoch != 14 || s.StartHeight != 11 {
		t.Fatalf("state %+v, want epoch 14 starting at 11", s)
	}
	if err := (Service{}).ChangeParameters(kv, codec.Marshal(Params{Interval: 0}), false); err == nil {
		t.Fatal("zero interval accepted")
	}
}
