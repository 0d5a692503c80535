package svm

import "math/bits"

// MinimumSlotsPerEpoch is the length of a network's first epoch when its
// schedule warms up, as in Solana: epochs then double (32, 64, 128, ...)
// until they reach SlotsPerEpoch.
const MinimumSlotsPerEpoch = 32

// minimumEpochLog2 is log2(MinimumSlotsPerEpoch).
const minimumEpochLog2 = 5

// NewEpochSchedule returns the schedule Solana's EpochSchedule::custom
// builds: with warmup, FirstNormalEpoch is log2 of slotsPerEpoch rounded up
// to a power of two, less log2(MinimumSlotsPerEpoch), and FirstNormalSlot the
// warmup epochs' total length; without, both are 0. slotsPerEpoch should be
// at least MinimumSlotsPerEpoch (Solana refuses less); a smaller one with
// warmup degenerates to no warmup rather than failing.
func NewEpochSchedule(slotsPerEpoch, leaderScheduleSlotOffset uint64, warmup bool) EpochSchedule {
	s := EpochSchedule{SlotsPerEpoch: slotsPerEpoch, LeaderScheduleSlotOffset: leaderScheduleSlotOffset, Warmup: warmup}
	if warmup {
		p := nextPowerOfTwo(slotsPerEpoch)
		s.FirstNormalEpoch = uint64(max(bits.TrailingZeros64(p)-minimumEpochLog2, 0))
		s.FirstNormalSlot = satSub(p, MinimumSlotsPerEpoch)
	}
	return s
}

// EpochOf returns the epoch slot belongs to and slot's index in it.
// A schedule with no slots per epoch puts every slot at index 0 of
// FirstNormalEpoch rather than dividing by zero.
func (e EpochSchedule) EpochOf(slot uint64) (epoch, index uint64) {
	if slot < e.FirstNormalSlot {
		// Warmup epoch n covers [32(2^n - 1), 32(2^(n+1) - 1)): the epoch is
		// log2 of the next power of two above slot+32, less 6.
		n := bits.TrailingZeros64(nextPowerOfTwo(slot+MinimumSlotsPerEpoch+1)) - minimumEpochLog2 - 1
		epoch = uint64(max(n, 0))
		return epoch, slot - e.FirstSlotInEpoch(epoch)
	}
	if e.SlotsPerEpoch == 0 {
		return e.FirstNormalEpoch, 0
	}
	normal := slot - e.FirstNormalSlot
	return e.FirstNormalEpoch + normal/e.SlotsPerEpoch, normal % e.SlotsPerEpoch
}

// FirstSlotInEpoch is the slot epoch starts at; it saturates at the
// largest slot for epochs beyond any slot.
func (e EpochSchedule) FirstSlotInEpoch(epoch uint64) uint64 {
	if epoch <= e.FirstNormalEpoch {
		// Only reached with warmup on or epoch 0, where FirstNormalEpoch
		// is small (at most 59), so the shift cannot overflow.
		return satMul(satSub(satPow2(epoch), 1), MinimumSlotsPerEpoch)
	}
	return satAdd(satMul(epoch-e.FirstNormalEpoch, e.SlotsPerEpoch), e.FirstNormalSlot)
}

// SlotsInEpoch is epoch's length: MinimumSlotsPerEpoch·2^epoch during
// warmup, SlotsPerEpoch after.
func (e EpochSchedule) SlotsInEpoch(epoch uint64) uint64 {
	if epoch < e.FirstNormalEpoch {
		return satPow2(epoch + minimumEpochLog2)
	}
	return e.SlotsPerEpoch
}

// LastSlotInEpoch is the last slot of epoch.
func (e EpochSchedule) LastSlotInEpoch(epoch uint64) uint64 {
	return satSub(satAdd(e.FirstSlotInEpoch(epoch), e.SlotsInEpoch(epoch)), 1)
}

// LeaderScheduleEpoch is the epoch whose leader schedule is fixed at slot,
// as Solana computes it; during warmup it is the next epoch.
func (e EpochSchedule) LeaderScheduleEpoch(slot uint64) uint64 {
	if slot < e.FirstNormalSlot {
		epoch, _ := e.EpochOf(slot)
		return satAdd(epoch, 1)
	}
	if e.SlotsPerEpoch == 0 {
		return e.FirstNormalEpoch
	}
	return satAdd(e.FirstNormalEpoch, satAdd(slot-e.FirstNormalSlot, e.LeaderScheduleSlotOffset)/e.SlotsPerEpoch)
}

// nextPowerOfTwo is the smallest power of two ≥ x (1 for 0), saturating
// at 2^63 instead of overflowing; no real schedule comes near.
func nextPowerOfTwo(x uint64) uint64 {
	if x <= 1 {
		return 1
	}
	n := bits.Len64(x - 1)
	if n >= 64 {
		return 1 << 63
	}
	return 1 << n
}

func satPow2(n uint64) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1 << n
}

func satAdd(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return ^uint64(0)
	}
	return s
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}
