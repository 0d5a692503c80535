package svm

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Clock is the Clock sysvar. Its bincode layout is five 8-byte little-endian
// fields in this order (40 bytes).
type Clock struct {
	Slot                uint64
	EpochStartTimestamp int64
	Epoch               uint64
	LeaderScheduleEpoch uint64
	UnixTimestamp       int64
}

// ClockSize is the encoded size of Clock.
const ClockSize = 40

// Encode returns the sysvar's account data.
func (c *Clock) Encode() []byte {
	b := make([]byte, 0, ClockSize)
	b = binary.LittleEndian.AppendUint64(b, c.Slot)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.EpochStartTimestamp))
	b = binary.LittleEndian.AppendUint64(b, c.Epoch)
	b = binary.LittleEndian.AppendUint64(b, c.LeaderScheduleEpoch)
	return binary.LittleEndian.AppendUint64(b, uint64(c.UnixTimestamp))
}

// errSysvarData is returned for sysvar data of the wrong size.
var errSysvarData = errors.New("svm: malformed sysvar data")

// DecodeClock parses the Clock sysvar's data.
func DecodeClock(b []byte) (Clock, error) {
	if len(b) != ClockSize {
		return Clock{}, errSysvarData
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	return Clock{Slot: u(0), EpochStartTimestamp: int64(u(1)), Epoch: u(2), LeaderScheduleEpoch: u(3), UnixTimestamp: int64(u(4))}, nil
}

// Encode returns the Rent sysvar's data: u64, f64, u8 (17 bytes).
func (r Rent) Encode() []byte {
	b := binary.LittleEndian.AppendUint64(nil, r.LamportsPerByteYear)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.ExemptionThreshold))
	return append(b, r.BurnPercent)
}

// EpochSchedule is the EpochSchedule sysvar: how slots map to epochs
// (EpochOf, FirstSlotInEpoch, SlotsInEpoch in epochschedule.go). With Warmup,
// epochs before FirstNormalEpoch are MinimumSlotsPerEpoch·2^epoch slots long
// and FirstNormalSlot is where the first full-length epoch starts; build one
// with NewEpochSchedule so the derived fields agree with SlotsPerEpoch.
type EpochSchedule struct {
	SlotsPerEpoch            uint64
	LeaderScheduleSlotOffset uint64
	Warmup                   bool
	FirstNormalEpoch         uint64
	FirstNormalSlot          uint64
}

// Encode returns the sysvar's data (33 bytes).
func (e EpochSchedule) Encode() []byte {
	b := binary.LittleEndian.AppendUint64(nil, e.SlotsPerEpoch)
	b = binary.LittleEndian.AppendUint64(b, e.LeaderScheduleSlotOffset)
	w := byte(0)
	if e.Warmup {
		w = 1
	}
	b = append(b, w)
	b = binary.LittleEndian.AppendUint64(b, e.FirstNormalEpoch)
	return binary.LittleEndian.AppendUint64(b, e.FirstNormalSlot)
}

// maxSlotHashes is the length of the SlotHashes sysvar, as in Solana.
const maxSlotHashes = 512

// encodeRecentBlockhashes lays out Vec<(hash, lamports_per_signature)>.
func encodeRecentBlockhashes(entries []BlockhashEntry) []byte {
	n := min(len(entries), MaxRecentBlockhashes)
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+n*40), uint64(n))
	for _, e := range entries[:n] {
		b = append(b, e.Hash[:]...)
		b = binary.LittleEndian.AppendUint64(b, LamportsPerSignature)
	}
	return b
}

// encodeSlotHashes lays out Vec<(slot, hash)>.
func encodeSlotHashes(entries []BlockhashEntry) []byte {
	n := min(len(entries), maxSlotHashes)
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+n*40), uint64(n))
	for _, e := range entries[:n] {
		b = binary.LittleEndian.AppendUint64(b, e.Slot)
		b = append(b, e.Hash[:]...)
	}
	return b
}

func sysvarAccount(rent Rent, data []byte) sol.Account {
	return sol.Account{Lamports: max(1, rent.MinimumBalance(len(data))), Data: data, Owner: SysvarOwnerID}
}
