package svm

import "testing"

// The expected values follow Solana's EpochSchedule formulas: warmup epoch n
// has 32·2^n slots and starts at 32·(2^n − 1); FirstNormalSlot is
// nextPowerOfTwo(SlotsPerEpoch) − 32. Solana's getEpochSchedule documentation
// shows 8192 slots per epoch giving firstNormalEpoch 8, firstNormalSlot 8160.
var (
	warm8192   = NewEpochSchedule(8192, 8192, true)
	warmSolana = NewEpochSchedule(432_000, 432_000, true)
	warm100    = NewEpochSchedule(100, 100, true)
	cold432k   = NewEpochSchedule(432_000, 432_000, false)
)

func TestNewEpochSchedule(t *testing.T) {
	for _, c := range []struct {
		spe         uint64
		warmup      bool
		epoch, slot uint64
	}{
		{8192, true, 8, 8160},
		{432_000, true, 14, 524_256},
		{32, true, 0, 0},
		{33, true, 1, 32},
		{100, true, 2, 96},
		{64, true, 1, 32},
		{432_000, false, 0, 0},
		{4, true, 0, 0}, // below the minimum: no warmup epochs
	} {
		s := NewEpochSchedule(c.spe, c.spe, c.warmup)
		if s.FirstNormalEpoch != c.epoch || s.FirstNormalSlot != c.slot || s.Warmup != c.warmup || s.SlotsPerEpoch != c.spe || s.LeaderScheduleSlotOffset != c.spe {
			t.Errorf("NewEpochSchedule(%d, %v) = %+v, want first normal epoch %d slot %d", c.spe, c.warmup, s, c.epoch, c.slot)
		}
	}
}

func TestEpochSchedule_EpochOf(t *testing.T) {
	for _, c := range []struct {
		name         string
		s            EpochSchedule
		slot         uint64
		epoch, index uint64
	}{
		{"warm8192", warm8192, 0, 0, 0},
		{"warm8192", warm8192, 31, 0, 31},
		{"warm8192", warm8192, 32, 1, 0},
		{"warm8192", warm8192, 95, 1, 63},
		{"warm8192", warm8192, 96, 2, 0},
		{"warm8192", warm8192, 223, 2, 127},
		{"warm8192", warm8192, 224, 3, 0},
		{"warm8192", warm8192, 8159, 7, 4095},
		{"warm8192", warm8192, 8160, 8, 0},
		{"warm8192", warm8192, 16_351, 8, 8191},
		{"warm8192", warm8192, 16_352, 9, 0},
		{"warmSolana", warmSolana, 524_255, 13, 262_143},
		{"warmSolana", warmSolana, 524_256, 14, 0},
		{"warmSolana", warmSolana, 956_255, 14, 431_999},
		{"warmSolana", warmSolana, 956_256, 15, 0},
		{"warm100", warm100, 195, 2, 99},
		{"warm100", warm100, 196, 3, 0},
		{"warm100", warm100, 296, 4, 0},
		{"cold432k", cold432k, 0, 0, 0},
		{"cold432k", cold432k, 431_999, 0, 431_999},
		{"cold432k", cold432k, 432_000, 1, 0},
		{"cold432k", cold432k, 3_024_005, 7, 5},
		{"zero", EpochSchedule{}, 77, 0, 0},
	} {
		if e, i := c.s.EpochOf(c.slot); e != c.epoch || i != c.index {
			t.Errorf("%s.EpochOf(%d) = %d, %d; want %d, %d", c.name, c.slot, e, i, c.epoch, c.index)
		}
	}
}

func TestEpochSchedule_FirstSlotInEpoch(t *testing.T) {
	for _, c := range []struct {
		name        string
		s           EpochSchedule
		epoch, slot uint64
	}{
		{"warm8192", warm8192, 0, 0},
		{"warm8192", warm8192, 1, 32},
		{"warm8192", warm8192, 7, 4064},
		{"warm8192", warm8192, 8, 8160},
		{"warm8192", warm8192, 9, 16_352},
		{"warmSolana", warmSolana, 14, 524_256},
		{"warmSolana", warmSolana, 15, 956_256},
		{"warm100", warm100, 2, 96},
		{"warm100", warm100, 3, 196},
		{"cold432k", cold432k, 7, 3_024_000},
		{"cold432k", cold432k, 1 << 62, ^uint64(0)}, // saturates
	} {
		if got := c.s.FirstSlotInEpoch(c.epoch); got != c.slot {
			t.Errorf("%s.FirstSlotInEpoch(%d) = %d, want %d", c.name, c.epoch, got, c.slot)
		}
	}
}

func TestEpochSchedule_SlotsInEpoch(t *testing.T) {
	for _, c := range []struct {
		name         string
		s            EpochSchedule
		epoch, slots uint64
	}{
		{"warm8192", warm8192, 0, 32},
		{"warm8192", warm8192, 1, 64},
		{"warm8192", warm8192, 7, 4096},
		{"warm8192", warm8192, 8, 8192},
		{"warm8192", warm8192, 100, 8192},
		{"warmSolana", warmSolana, 13, 262_144},
		{"warmSolana", warmSolana, 14, 432_000},
		{"warm100", warm100, 1, 64},
		{"warm100", warm100, 2, 100},
		{"cold432k", cold432k, 0, 432_000},
	} {
		if got := c.s.SlotsInEpoch(c.epoch); got != c.slots {
			t.Errorf("%s.SlotsInEpoch(%d) = %d, want %d", c.name, c.epoch, got, c.slots)
		}
	}
}

func TestEpochSchedule_LeaderScheduleEpoch(t *testing.T) {
	for _, c := range []struct {
		name        string
		s           EpochSchedule
		slot, epoch uint64
	}{
		{"warm8192", warm8192, 0, 1},
		{"warm8192", warm8192, 8159, 8},
		{"warm8192", warm8192, 8160, 9},
		{"half", NewEpochSchedule(8192, 4096, true), 8160 + 4095, 8},
		{"half", NewEpochSchedule(8192, 4096, true), 8160 + 4096, 9},
		{"cold432k", cold432k, 5, 1},
	} {
		if got := c.s.LeaderScheduleEpoch(c.slot); got != c.epoch {
			t.Errorf("%s.LeaderScheduleEpoch(%d) = %d, want %d", c.name, c.slot, got, c.epoch)
		}
	}
}

// TestEpochSchedule_Walk walks every slot of the first two full epochs of
// many schedules and checks the functions agree: epochs are consecutive,
// each begins at FirstSlotInEpoch and lasts SlotsInEpoch, warmup epochs
// double, and the leader schedule epoch never skips.
func TestEpochSchedule_Walk(t *testing.T) {
	for spe := uint64(MinimumSlotsPerEpoch); spe <= 16*MinimumSlotsPerEpoch; spe++ {
		s := NewEpochSchedule(spe, spe/2, true)
		if s.FirstSlotInEpoch(0) != 0 || s.LastSlotInEpoch(0) != MinimumSlotsPerEpoch-1 {
			t.Fatalf("spe %d: epoch 0 is [%d, %d]", spe, s.FirstSlotInEpoch(0), s.LastSlotInEpoch(0))
		}
		var lastEpoch, lastLeader uint64
		lastLen := uint64(MinimumSlotsPerEpoch)
		for slot := range 2 * spe {
			if l := s.LeaderScheduleEpoch(slot); l != lastLeader {
				if l != lastLeader+1 {
					t.Fatalf("spe %d slot %d: leader schedule epoch %d after %d", spe, slot, l, lastLeader)
				}
				lastLeader = l
			}
			e, i := s.EpochOf(slot)
			if e != lastEpoch {
				if e != lastEpoch+1 || i != 0 || s.FirstSlotInEpoch(e) != slot || s.LastSlotInEpoch(e-1) != slot-1 {
					t.Fatalf("spe %d slot %d: epoch %d index %d after epoch %d", spe, slot, e, i, lastEpoch)
				}
				n := s.SlotsInEpoch(e)
				if n != spe && n != 2*lastLen {
					t.Fatalf("spe %d epoch %d: %d slots after %d", spe, e, n, lastLen)
				}
				lastEpoch, lastLen = e, n
			}
			if i >= lastLen || slot != s.FirstSlotInEpoch(e)+i {
				t.Fatalf("spe %d slot %d: index %d in an epoch of %d from %d", spe, slot, i, lastLen, s.FirstSlotInEpoch(e))
			}
		}
		if lastEpoch == 0 || lastLeader == 0 || lastLen != spe {
			t.Fatalf("spe %d: never reached a normal epoch (epoch %d of %d slots)", spe, lastEpoch, lastLen)
		}
	}
}

func BenchmarkEpochSchedule_EpochOf(b *testing.B) {
	for _, c := range []struct {
		name string
		slot uint64
	}{{"warmup", 300_000}, {"normal", 300_000_000}} {
		b.Run(c.name, func(b *testing.B) {
			var sink uint64
			for i := range b.N {
				e, _ := warmSolana.EpochOf(c.slot + uint64(i&1023))
				sink += e
			}
			if sink == 0 {
				b.Fatal("no epochs")
			}
		})
	}
}
