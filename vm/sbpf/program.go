package sbpf

import (
	"fmt"
	"slices"
)

// ProgramSpec is everything needed to build a Program: what the ELF loader
// extracts from a shared object, or what a test assembles by hand.
type ProgramSpec struct {
	Version Version
	// Text is the instruction slots, already relocated.
	Text []Instruction
	// ReadOnly is the content of the program region, mapped read-only at
	// ProgramStart. Nil means the text bytes alone, at offset 0.
	ReadOnly []byte
	// TextOffset is the byte offset of Text inside ReadOnly; callx targets
	// are addresses relative to ProgramStart+TextOffset.
	TextOffset uint64
	// Entry is the instruction index where execution starts.
	Entry int
	// Functions maps call keys to instruction indices. The entrypoint is
	// always registered under EntrypointKey.
	Functions map[uint32]int
}

// Program is a verified, pre-decoded program: immutable, safe to share
// between concurrent Runs and to cache (per account and slot) so a program is
// verified once, not on every call.
type Program struct {
	spec     ProgramSpec
	code     []decoded // one per slot, plus an overrun sentinel
	syscalls []*Syscall
	textAddr uint64
}

// decoded is a slot as the interpreter wants it: the version-specific meaning
// in x, registers masked to 0..15, jump and call targets made absolute, lddw
// constants joined.
type decoded struct {
	x   xop
	dst uint8
	src uint8
	_   uint8
	off int32 // memory offset, absolute jump/call target, or syscall index
	imm int64 // sign-extended immediate, or the 64-bit lddw constant
}

// NewProgram verifies spec and resolves its calls against syscalls (which
// may be nil for programs that make none). The returned Program does not
// alias spec's slices.
func NewProgram(spec ProgramSpec, syscalls *Registry) (*Program, error) {
	if err := Verify(spec.Version, spec.Text); err != nil {
		return nil, err
	}
	n := len(spec.Text)
	spec.Text = append([]Instruction(nil), spec.Text...)
	if spec.ReadOnly == nil {
		spec.ReadOnly = EncodeText(spec.Text)
		spec.TextOffset = 0
	} else {
		spec.ReadOnly = append([]byte(nil), spec.ReadOnly...)
	}
	if uint64(len(spec.ReadOnly)) > regionSize || spec.TextOffset > uint64(len(spec.ReadOnly)) {
		return nil, ErrReadOnlyRegionTooLarge
	}
	if spec.Entry < 0 || spec.Entry >= n {
		return nil, &VerifyError{PC: spec.Entry, Err: ErrCallOutsideText}
	}
	// Keys are checked in sorted order so that the error reported for a bad
	// program does not depend on map iteration order.
	keys := make([]uint32, 0, len(spec.Functions)+1)
	funcs := make(map[uint32]int, len(spec.Functions)+1)
	for k, pc := range spec.Functions {
		keys = append(keys, k)
		funcs[k] = pc
	}
	if _, ok := funcs[EntrypointKey]; !ok {
		keys = append(keys, EntrypointKey)
	}
	funcs[EntrypointKey] = spec.Entry
	slices.Sort(keys)
	for _, k := range keys {
		pc := funcs[k]
		if pc < 0 || pc >= n {
			return nil, &VerifyError{PC: pc, Err: ErrCallOutsideText}
		}
		if s, ok := syscalls.Lookup(k); ok {
			return nil, &VerifyError{PC: pc, Err: fmt.Errorf("%w: %s", ErrFunctionSyscallClash, s.Name)}
		}
	}
	spec.Functions = funcs

	p := &Program{spec: spec, textAddr: ProgramStart + spec.TextOffset}
	p.code = make([]decoded, n+1)
	index := map[uint32]int32{}
	table := &opTable[spec.Version]
	for pc := 0; pc < n; pc++ {
		ins := spec.Text[pc]
		info := table[ins.Op]
		d := decoded{x: info.x, dst: uint8(ins.Dst) & 15, src: uint8(ins.Src) & 15, off: int32(ins.Off), imm: int64(ins.Imm)}
		switch info.form {
		case fLddw:
			d.imm = int64(uint64(uint32(ins.Imm)) | uint64(uint32(spec.Text[pc+1].Imm))<<32)
		case fJa, fJmpImm, fJmpReg:
			d.off = int32(pc + 1 + int(ins.Off))
		case fEndian:
			d.x = endianOp(ins.Op == OpBe, ins.Imm)
		case fCallx:
			if d.x == xCallxImm {
				d.src = uint8(ins.Imm) & 15
			}
		case fCall:
			key := uint32(ins.Imm)
			if s, ok := syscalls.Lookup(key); ok {
				i, seen := index[key]
				if !seen {
					i = int32(len(p.syscalls))
					index[key] = i
					p.syscalls = append(p.syscalls, s)
				}
				d.x, d.off = xSyscall, i
			} else if target, ok := funcs[key]; ok {
				d.x, d.off = xCall, int32(target)
			} else {
				d.x = xCallUnknown
			}
		}
		p.code[pc] = d
	}
	p.code[n] = decoded{x: xOverrun}
	return p, nil
}

func endianOp(big bool, bits int32) xop {
	switch {
	case big && bits == 16:
		return xBe16
	case big && bits == 32:
		return xBe32
	case big && bits == 64:
		return xBe64
	case bits == 16:
		return xLe16
	case bits == 32:
		return xLe32
	case bits == 64:
		return xLe64
	}
	return xEndBad
}

// Version is the program's instruction-set version.
func (p *Program) Version() Version { return p.spec.Version }

// Text returns the instruction slots; the caller must not modify them.
func (p *Program) Text() []Instruction { return p.spec.Text }

// ReadOnly returns the program region's content; the caller must not modify it.
func (p *Program) ReadOnly() []byte { return p.spec.ReadOnly }

// Entry is the instruction index of the entrypoint.
func (p *Program) Entry() int { return p.spec.Entry }

// Functions returns a copy of the function registry (key to instruction index).
func (p *Program) Functions() map[uint32]int {
	out := make(map[uint32]int, len(p.spec.Functions))
	for k, v := range p.spec.Functions {
		out[k] = v
	}
	return out
}

// Syscalls lists the syscalls the program calls, in order of first use.
func (p *Program) Syscalls() []string {
	out := make([]string, len(p.syscalls))
	for i, s := range p.syscalls {
		out[i] = s.Name
	}
	return out
}

// TextAddress is the virtual address of instruction 0.
func (p *Program) TextAddress() uint64 { return p.textAddr }
