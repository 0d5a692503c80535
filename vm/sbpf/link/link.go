package link

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/atoll-dev/atoll/vm/sbpf"
)

// Errors.
var (
	ErrNotObject         = errors.New("link: not a little-endian ELF64 BPF relocatable object")
	ErrMalformed         = errors.New("link: malformed object")
	ErrWritableData      = errors.New("link: writable global data is not supported by sBPF (make it const)")
	ErrNoEntrypoint      = errors.New("link: no global function named entrypoint")
	ErrUnsupportedReloc  = errors.New("link: unsupported relocation")
	ErrUndefinedData     = errors.New("link: reference to undefined data symbol")
	ErrUnknownSyscall    = errors.New("link: call to an undefined function that is not a syscall")
	ErrTextTooLarge      = errors.New("link: program too large")
	ErrRelocOutOfSection = errors.New("link: relocation outside its section")
)

const (
	etRel = 1
	etDyn = 3
	emBPF = 247

	shtProgbits = 1
	shtSymtab   = 2
	shtStrtab   = 3
	shtDynamic  = 6
	shtNobits   = 8
	shtRel      = 9
	shtDynsym   = 11

	shfWrite = 1
	shfAlloc = 2
	shfExec  = 4

	sttSection = 3
	sttFunc    = 2

	rNone     = 0
	r64_64    = 1
	rAbs64    = 2
	rAbs32    = 3
	rNodyld32 = 4
	r64_32    = 10

	ehdrSize = 64
	phdrSize = 56
	shdrSize = 64
)

type inSection struct {
	name             string
	typ              uint32
	flags            uint64
	off, size, align uint64
	link, info       uint32
	data             []byte
	out              *outSection // nil: dropped
	base             uint64      // offset inside out
}

type outSection struct {
	name  string
	data  []byte
	addr  uint64
	align uint64
}

type inSymbol struct {
	name  string
	info  uint8
	shndx uint16
	value uint64
}

// Options tune Link.
type Options struct {
	// Syscalls, if set, makes calls to undefined functions that are not
	// registered syscalls a link error instead of a load error.
	Syscalls *sbpf.Registry
}

// Link links one ET_REL BPF object into an SBPFv0 shared object.
func Link(object []byte, opts Options) ([]byte, error) {
	le := binary.LittleEndian
	if len(object) < ehdrSize || !bytes.Equal(object[:4], []byte("\x7fELF")) || object[4] != 2 || object[5] != 1 {
		return nil, ErrNotObject
	}
	if typ, mach := le.Uint16(object[16:]), le.Uint16(object[18:]); typ != etRel || mach != emBPF {
		return nil, fmt.Errorf("%w: type %d machine %d", ErrNotObject, typ, mach)
	}
	shoff, shentsize, shnum, shstrndx := le.Uint64(object[40:]), le.Uint16(object[58:]), le.Uint16(object[60:]), le.Uint16(object[62:])
	if shentsize != shdrSize || shoff > uint64(len(object)) || uint64(shnum)*shdrSize > uint64(len(object))-shoff || shstrndx >= shnum {
		return nil, fmt.Errorf("%w: section header table", ErrMalformed)
	}
	secs := make([]inSection, shnum)
	nameOffs := make([]uint32, shnum)
	for i := range secs {
		r := object[shoff+uint64(i)*shdrSize:]
		s := &secs[i]
		nameOffs[i] = le.Uint32(r)
		s.typ, s.flags = le.Uint32(r[4:]), le.Uint64(r[8:])
		s.off, s.size = le.Uint64(r[24:]), le.Uint64(r[32:])
		s.link, s.info, s.align = le.Uint32(r[40:]), le.Uint32(r[44:]), le.Uint64(r[48:])
		if s.typ != shtNobits && s.typ != 0 {
			if s.off > uint64(len(object)) || s.size > uint64(len(object))-s.off {
				return nil, fmt.Errorf("%w: section %d outside the file", ErrMalformed, i)
			}
			s.data = object[s.off : s.off+s.size]
		}
	}
	for i := range secs {
		name, ok := cstr(secs[shstrndx].data, nameOffs[i])
		if !ok {
			return nil, fmt.Errorf("%w: section name %d", ErrMalformed, i)
		}
		secs[i].name = name
	}

	// Assign input sections to the two output sections.
	text := &outSection{name: ".text", align: 8}
	rodata := &outSection{name: ".rodata", align: 8}
	for i := range secs {
		s := &secs[i]
		if s.flags&shfAlloc == 0 || s.size == 0 {
			continue
		}
		switch {
		case s.flags&shfExec != 0:
			s.out = text
		case strings.HasPrefix(s.name, ".data.rel.ro"):
			s.out = rodata
		case s.flags&shfWrite != 0 || s.typ == shtNobits:
			return nil, fmt.Errorf("%w: section %s (%d bytes)", ErrWritableData, s.name, s.size)
		default:
			s.out = rodata
		}
		align := max(s.align, 1)
		if align > 4096 || align&(align-1) != 0 {
			return nil, fmt.Errorf("%w: section %s alignment %d", ErrMalformed, s.name, s.align)
		}
		if s.out == text {
			align = 8
		}
		s.out.align = max(s.out.align, align)
		pad := (align - uint64(len(s.out.data))%align) % align
		s.out.data = append(s.out.data, make([]byte, pad)...)
		s.base = uint64(len(s.out.data))
		s.out.data = append(s.out.data, s.data...)
		if s.typ == shtNobits {
			return nil, fmt.Errorf("%w: section %s has no contents", ErrWritableData, s.name)
		}
	}
	if len(text.data)%8 != 0 || len(text.data) == 0 {
		return nil, fmt.Errorf("%w: .text of %d bytes", ErrMalformed, len(text.data))
	}

	// Symbols.
	var syms []inSymbol
	for i := range secs {
		if secs[i].typ != shtSymtab {
			continue
		}
		if syms != nil || int(secs[i].link) >= len(secs) {
			return nil, fmt.Errorf("%w: symbol table", ErrMalformed)
		}
		strs := secs[secs[i].link].data
		d := secs[i].data
		for off := 0; off+24 <= len(d); off += 24 {
			name, ok := cstr(strs, le.Uint32(d[off:]))
			if !ok {
				return nil, fmt.Errorf("%w: symbol name", ErrMalformed)
			}
			syms = append(syms, inSymbol{name: name, info: d[off+4], shndx: le.Uint16(d[off+6:]), value: le.Uint64(d[off+8:])})
		}
	}

	// Final layout: headers, .text, .rodata, then the dynamic tables.
	const nPhdr = 3
	textOff := alignUp(ehdrSize+nPhdr*phdrSize, 8)
	text.addr = textOff
	rodata.addr = alignUp(text.addr+uint64(len(text.data)), rodata.align)
	if rodata.addr+uint64(len(rodata.data)) > 1<<31 {
		return nil, ErrTextTooLarge
	}
	// symAddr is the virtual address (offset in the program region) of a
	// defined symbol, or false if the symbol is undefined.
	symAddr := func(s inSymbol) (uint64, bool, error) {
		if s.shndx == 0 {
			return 0, false, nil
		}
		if s.shndx >= 0xff00 {
			if s.shndx == 0xfff1 { // SHN_ABS
				return s.value, true, nil
			}
			return 0, false, fmt.Errorf("%w: symbol %s in special section %#x", ErrMalformed, s.name, s.shndx)
		}
		if int(s.shndx) >= len(secs) || secs[s.shndx].out == nil {
			return 0, false, fmt.Errorf("%w: symbol %s in a dropped section", ErrMalformed, s.name)
		}
		sec := &secs[s.shndx]
		return sec.out.addr + sec.base + s.value, true, nil
	}

	var externs []string
	externIdx := map[string]int{}
	var dynRels []rel

	for i := range secs {
		rs := &secs[i]
		if rs.typ != shtRel {
			continue
		}
		if int(rs.info) >= len(secs) {
			return nil, fmt.Errorf("%w: relocation section %s targets section %d", ErrMalformed, rs.name, rs.info)
		}
		target := &secs[rs.info]
		if target.out == nil {
			continue // relocations of debug info and BTF are dropped with their sections
		}
		out := target.out.data
		for off := 0; off+16 <= len(rs.data); off += 16 {
			roff := le.Uint64(rs.data[off:])
			info := le.Uint64(rs.data[off+8:])
			typ, si := uint32(info), info>>32
			if typ == rNone {
				continue
			}
			if si >= uint64(len(syms)) {
				return nil, fmt.Errorf("%w: relocation names symbol %d", ErrMalformed, si)
			}
			sym := syms[si]
			addr, defined, err := symAddr(sym)
			if err != nil {
				return nil, err
			}
			pos := target.base + roff
			if roff > target.size {
				return nil, fmt.Errorf("%w: %s+%#x", ErrRelocOutOfSection, target.name, roff)
			}
			need := func(n uint64) error {
				if roff+n > target.size {
					return fmt.Errorf("%w: %s+%#x", ErrRelocOutOfSection, target.name, roff)
				}
				return nil
			}
			switch {
			case typ == r64_64 && target.out == text:
				if err := need(16); err != nil {
					return nil, err
				}
				if !defined {
					return nil, fmt.Errorf("%w: %s", ErrUndefinedData, sym.name)
				}
				a := uint64(int64(int32(le.Uint32(out[pos+4:]))))
				v := sbpf.ProgramStart + addr + a
				le.PutUint32(out[pos+4:], uint32(v))
				le.PutUint32(out[pos+12:], uint32(v>>32))
			case typ == r64_32 && target.out == text:
				if err := need(8); err != nil {
					return nil, err
				}
				if out[pos] != byte(sbpf.OpCall) {
					return nil, fmt.Errorf("%w: R_BPF_64_32 on opcode %#x at %s+%#x", ErrUnsupportedReloc, out[pos], target.name, roff)
				}
				pc := pos / 8
				if defined {
					if addr < text.addr || addr >= text.addr+uint64(len(text.data)) || (addr-text.addr)%8 != 0 {
						return nil, fmt.Errorf("%w: call target %s is not in .text", ErrUnsupportedReloc, sym.name)
					}
					if sym.info&0xf == sttSection && int32(le.Uint32(out[pos+4:])) != -1 {
						return nil, fmt.Errorf("%w: call through a section symbol with an addend", ErrUnsupportedReloc)
					}
					rel := int64((addr-text.addr)/8) - int64(pc) - 1
					out[pos+1] = out[pos+1]&0x0f | 0x10
					le.PutUint32(out[pos+4:], uint32(int32(rel)))
					break
				}
				if opts.Syscalls != nil {
					if _, ok := opts.Syscalls.Lookup(sbpf.SymbolHash(sym.name)); !ok {
						return nil, fmt.Errorf("%w: %s", ErrUnknownSyscall, sym.name)
					}
				}
				idx, ok := externIdx[sym.name]
				if !ok {
					externs = append(externs, sym.name)
					idx = len(externs)
					externIdx[sym.name] = idx
				}
				out[pos+1] &= 0x0f
				le.PutUint32(out[pos+4:], 0xffffffff)
				dynRels = append(dynRels, rel{off: text.addr + pos, sym: idx})
			case typ == rAbs64 && target.out == rodata:
				if err := need(8); err != nil {
					return nil, err
				}
				if !defined {
					return nil, fmt.Errorf("%w: %s", ErrUndefinedData, sym.name)
				}
				le.PutUint64(out[pos:], sbpf.ProgramStart+addr+le.Uint64(out[pos:]))
			case typ == rAbs32:
				return nil, fmt.Errorf("%w: 32-bit absolute relocation in %s against %s cannot hold an sBPF address (clang emits these for -fPIC lookup tables: compile with -fno-PIC)", ErrUnsupportedReloc, target.name, sym.name)
			default:
				return nil, fmt.Errorf("%w: type %d in %s against %s", ErrUnsupportedReloc, typ, target.name, sym.name)
			}
		}
	}

	var entry uint64
	found := false
	for _, s := range syms {
		if s.name == "entrypoint" && s.info>>4 == 1 && s.info&0xf == sttFunc {
			a, ok, err := symAddr(s)
			if err != nil || !ok {
				return nil, ErrNoEntrypoint
			}
			entry, found = a, true
		}
	}
	if !found {
		return nil, ErrNoEntrypoint
	}
	sort.Slice(dynRels, func(i, j int) bool { return dynRels[i].off < dynRels[j].off })
	return write(text, rodata, entry, externs, dynRels), nil
}

// rel is a dynamic R_BPF_64_32 relocation of the call at file offset off
// against dynamic symbol sym.
type rel struct {
	off uint64
	sym int
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

func cstr(tab []byte, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(tab)) {
		return "", false
	}
	n := bytes.IndexByte(tab[off:], 0)
	if n < 0 {
		return "", false
	}
	return string(tab[off : int(off)+n]), true
}
