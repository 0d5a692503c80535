package loader

import (
	"encoding/binary"
	"math"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

// Sizes of the sysvars as Rust lays them out in memory (repr(C) with padding),
// which is what sol_get_*_sysvar write.
const (
	clockMemSize         = 40
	rentMemSize          = 24
	epochScheduleMemSize = 40
)

// sol_get_sysvar results.
const (
	sysvarOK                = 0
	sysvarOffsetLenExceeded = 1
	sysvarNotFound          = 2
)

func (r *Runtime) registerRuntimeSyscalls() error {
	own := map[string]sbpf.SyscallFunc{
		"sol_invoke_signed_c":           r.invokeSignedC,
		"sol_invoke_signed_rust":        r.invokeSignedRust,
		"sol_get_clock_sysvar":          r.getClock,
		"sol_get_rent_sysvar":           r.getRent,
		"sol_get_epoch_schedule_sysvar": r.getEpochSchedule,
		"sol_get_sysvar":                r.getSysvar,
	}
	var missing []string
	for _, name := range syscalls.RuntimeNames {
		if fn, ok := own[name]; ok {
			if err := r.registry.Register(name, fn); err != nil {
				return err
			}
			delete(own, name)
			continue
		}
		missing = append(missing, name)
	}
	for name, fn := range own {
		if err := r.registry.Register(name, fn); err != nil {
			return err
		}
	}
	// Sysvars atoll does not keep (epoch rewards, fees, last restart) link but
	// fail cleanly if called.
	return syscalls.RegisterUnavailable(r.registry, r.costs, missing...)
}

func invocationOf(m *sbpf.Machine) *invocation { return m.Context().(*invocation) }

// writeSysvar charges the sysvar cost and copies b to addr.
func (r *Runtime) writeSysvar(m *sbpf.Machine, addr uint64, b []byte) (uint64, error) {
	if err := m.Consume(r.budget.SysvarBaseCost + uint64(len(b))); err != nil {
		return 0, err
	}
	dst, err := m.Store(addr, uint64(len(b)))
	if err != nil {
		return 0, err
	}
	copy(dst, b)
	return 0, nil
}

func (r *Runtime) getClock(m *sbpf.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	c := invocationOf(m).ctx.Clock()
	return r.writeSysvar(m, addr, c.Encode())
}

func (r *Runtime) getRent(m *sbpf.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	rent := invocationOf(m).ctx.Rent()
	b := make([]byte, rentMemSize)
	binary.LittleEndian.PutUint64(b, rent.LamportsPerByteYear)
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(rent.ExemptionThreshold))
	b[16] = rent.BurnPercent
	return r.writeSysvar(m, addr, b)
}

func (r *Runtime) getEpochSchedule(m *sbpf.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	s := invocationOf(m).ctx.EpochSchedule()
	b := make([]byte, epochScheduleMemSize)
	binary.LittleEndian.PutUint64(b, s.SlotsPerEpoch)
	binary.LittleEndian.PutUint64(b[8:], s.LeaderScheduleSlotOffset)
	if s.Warmup {
		b[16] = 1
	}
	binary.LittleEndian.PutUint64(b[24:], s.FirstNormalEpoch)
	binary.LittleEndian.PutUint64(b[32:], s.FirstNormalSlot)
	return r.writeSysvar(m, addr, b)
}

// getSysvar copies length bytes at offset of a sysvar account's data.
func (r *Runtime) getSysvar(m *sbpf.Machine, idAddr, dstAddr, offset, length, _ uint64) (uint64, error) {
	cost := r.budget.SysvarBaseCost + max(32/r.costs.CPIBytesPerUnit, r.costs.MemOpBase) + length/r.costs.CPIBytesPerUnit
	if err := m.Consume(cost); err != nil {
		return 0, err
	}
	idb, err := m.Load(idAddr, 32)
	if err != nil {
		return 0, err
	}
	dst, err := m.Store(dstAddr, length)
	if err != nil {
		return 0, err
	}
	var id sol.Pubkey
	copy(id[:], idb)
	ctx := invocationOf(m).ctx
	var data []byte
	switch id {
	case svm.SysvarClockID:
		c := ctx.Clock()
		data = c.Encode()
	case svm.SysvarRentID, svm.SysvarEpochScheduleID, svm.SysvarSlotHashesID:
		a, ok, err := ctx.LoadAccount(id)
		if err != nil || !ok {
			return sysvarNotFound, nil
		}
		data = a.Data
	default:
		return sysvarNotFound, nil
	}
	end := offset + length
	if end < offset || end > uint64(len(data)) {
		return sysvarOffsetLenExceeded, nil
	}
	copy(dst, data[offset:end])
	return sysvarOK, nil
}
