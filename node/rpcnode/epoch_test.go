package rpcnode

import (
	"testing"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
)

// TestBackend_EpochInfo: getEpochInfo and the simulations' block epoch
// follow the runtime's schedule, warmup included. 64 slots per epoch with
// warmup: epoch 0 is slots 0-31, epoch 1 slots 32-95, epoch 2 from 96.
func TestBackend_EpochInfo(t *testing.T) {
	for _, c := range []struct {
		cfg                 hosted.Config
		slot                uint64
		epoch, index, slots uint64
		nextEpoch           uint64
	}{
		{hosted.Config{SlotsPerEpoch: 64, Warmup: true}, 0, 0, 0, 32, 0},
		{hosted.Config{SlotsPerEpoch: 64, Warmup: true}, 31, 0, 31, 32, 1},
		{hosted.Config{SlotsPerEpoch: 64, Warmup: true}, 32, 1, 0, 64, 1},
		{hosted.Config{SlotsPerEpoch: 64, Warmup: true}, 100, 2, 4, 64, 2},
		{hosted.Config{SlotsPerEpoch: 64}, 100, 1, 36, 64, 1},
		{hosted.Config{}, 432_000, 1, 0, 432_000, 1},
		{hosted.Config{Warmup: true}, 524_256, 14, 0, 432_000, 14},
	} {
		b := &Backend{schedule: c.cfg.EpochSchedule(), slot: c.slot}
		got := b.EpochInfo(rpc.Finalized)
		want := rpc.EpochInfo{AbsoluteSlot: c.slot, BlockHeight: c.slot, Epoch: c.epoch, SlotIndex: c.index, SlotsInEpoch: c.slots}
		if got != want {
			t.Errorf("%+v slot %d: %+v, want %+v", c.cfg, c.slot, got, want)
		}
		if e := b.epochOf(c.slot + 1); e != c.nextEpoch {
			t.Errorf("%+v: simulations after slot %d run in epoch %d, want %d", c.cfg, c.slot, e, c.nextEpoch)
		}
	}
}
