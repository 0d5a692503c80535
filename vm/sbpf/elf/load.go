package elf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/atoll-dev/atoll/vm/sbpf"
)

// ELF constants used here.
const (
	EM_BPF  = 247
	EM_SBPF = 263
	ET_REL  = 1
	ET_DYN  = 3

	shtNobits  = 8
	shtDynamic = 6
	shtDynsym  = 11
	shfWrite   = 0x1

	dtNull   = 0
	dtStrtab = 5
	dtSymtab = 6
	dtRel    = 17
	dtRelsz  = 18
	dtRelent = 19

	sttFunc = 2

	// Relocation types (the x86-64 numbering, which sBPF objects reuse).
	R_BPF_64_64       = 1
	R_BPF_64_RELATIVE = 8
	R_BPF_64_32       = 10

	ehdrSize = 64
	phdrSize = 56
	shdrSize = 64
	symSize  = 24
	relSize  = 16
)

// Section is a parsed section header with its name.
type Section struct {
	Name               string
	Type               uint32
	Flags              uint64
	Addr, Offset, Size uint64
	Link, Info         uint32
	AddrAlign, EntSize uint64
}

func (s *Section) fileRange(n int) (int, int, bool) {
	if s.Type == shtNobits {
		return 0, 0, true
	}
	end := s.Offset + s.Size
	if end < s.Offset || end > uint64(n) {
		return 0, 0, false
	}
	return int(s.Offset), int(end), true
}

// Header is the part of the ELF file header the loader uses.
type Header struct {
	Type, Machine uint16
	Flags         uint32
	Entry         uint64
	Shoff         uint64
	Phoff         uint64
	Phnum         uint16
	Shentsize     uint16
	Shnum         uint16
	Shstrndx      uint16
}

// parseHeader checks the identification bytes and returns the header.
func parseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < ehdrSize {
		return h, ErrTooShort
	}
	if !bytes.Equal(b[:4], []byte("\x7fELF")) {
		return h, ErrBadMagic
	}
	if b[4] != 2 {
		return h, ErrWrongClass
	}
	if b[5] != 1 {
		return h, ErrWrongEndianness
	}
	if b[7] != 0 {
		return h, ErrWrongABI
	}
	le := binary.LittleEndian
	if b[6] != 1 || le.Uint32(b[20:]) != 1 || le.Uint16(b[52:]) != ehdrSize || le.Uint16(b[54:]) != phdrSize {
		return h, fmt.Errorf("%w: version or header sizes", ErrInvalidFileHeader)
	}
	h.Phoff = le.Uint64(b[32:])
	h.Phnum = le.Uint16(b[56:])
	h.Type = le.Uint16(b[16:])
	h.Machine = le.Uint16(b[18:])
	h.Entry = le.Uint64(b[24:])
	h.Shoff = le.Uint64(b[40:])
	h.Flags = le.Uint32(b[48:])
	h.Shentsize = le.Uint16(b[58:])
	h.Shnum = le.Uint16(b[60:])
	h.Shstrndx = le.Uint16(b[62:])
	if h.Machine != EM_BPF && h.Machine != EM_SBPF {
		return h, fmt.Errorf("%w: %d", ErrWrongMachine, h.Machine)
	}
	return h, nil
}

// parseSections reads the section header table and names every section.
func parseSections(b []byte, h Header) ([]Section, error) {
	if h.Shnum == 0 {
		return nil, nil
	}
	if h.Shentsize != shdrSize {
		return nil, fmt.Errorf("%w: entry size %d", ErrSectionHeaders, h.Shentsize)
	}
	end := h.Shoff + uint64(h.Shnum)*shdrSize
	if h.Shoff < ehdrSize || end < h.Shoff || end > uint64(len(b)) {
		return nil, fmt.Errorf("%w: table at %#x outside the file", ErrSectionHeaders, h.Shoff)
	}
	le := binary.LittleEndian
	secs := make([]Section, h.Shnum)
	for i := range secs {
		r := b[h.Shoff+uint64(i)*shdrSize:]
		s := &secs[i]
		s.Type = le.Uint32(r[4:])
		s.Flags = le.Uint64(r[8:])
		s.Addr = le.Uint64(r[16:])
		s.Offset = le.Uint64(r[24:])
		s.Size = le.Uint64(r[32:])
		s.Link = le.Uint32(r[40:])
		s.Info = le.Uint32(r[44:])
		s.AddrAlign = le.Uint64(r[48:])
		s.EntSize = le.Uint64(r[56:])
		if _, _, ok := s.fileRange(len(b)); !ok {
			return nil, fmt.Errorf("%w: section %d", ErrSectionOutOfBounds, i)
		}
	}
	if int(h.Shstrndx) >= len(secs) {
		return nil, fmt.Errorf("%w: string table index %d", ErrSectionName, h.Shstrndx)
	}
	if secs[0].Type != 0 {
		return nil, fmt.Errorf("%w: first section is not SHT_NULL", ErrSectionHeaders)
	}
	// Sections with file contents must ascend, and overlap neither each other
	// nor the headers, as the network's parser demands.
	phEnd := h.Phoff + uint64(h.Phnum)*phdrSize
	if phEnd < h.Phoff || phEnd > uint64(len(b)) || (h.Phnum > 0 && h.Phoff < ehdrSize) {
		return nil, fmt.Errorf("%w: program header table outside the file", ErrInvalidFileHeader)
	}
	var prev uint64
	for i := range secs {
		s := &secs[i]
		if s.Type == shtNobits || s.Type == 0 && s.Size == 0 {
			continue
		}
		lo, hi := s.Offset, s.Offset+s.Size
		if lo < prev {
			return nil, fmt.Errorf("%w: section %d", ErrSectionOrder, i)
		}
		if overlaps(lo, hi, 0, ehdrSize) || overlaps(lo, hi, h.Phoff, phEnd) || overlaps(lo, hi, h.Shoff, end) {
			return nil, fmt.Errorf("%w: section %d overlaps a header", ErrSectionOrder, i)
		}
		prev = hi
	}
	strtab := &secs[h.Shstrndx]
	lo, hi, _ := strtab.fileRange(len(b))
	names := b[lo:hi]
	for i := range secs {
		off := le.Uint32(b[h.Shoff+uint64(i)*shdrSize:])
		name, ok := cstring(names, uint64(off))
		if !ok {
			return nil, fmt.Errorf("%w: section %d", ErrSectionName, i)
		}
		secs[i].Name = name
	}
	return secs, nil
}

func overlaps(a0, a1, b0, b1 uint64) bool { return a0 < b1 && b0 < a1 }

func cstring(tab []byte, off uint64) (string, bool) {
	if off >= uint64(len(tab)) {
		return "", false
	}
	rest := tab[off:]
	n := bytes.IndexByte(rest, 0)
	if n < 0 {
		return "", false
	}
	return string(rest[:n]), true
}

type symbol struct {
	name  uint32
	info  uint8
	value uint64
}

// Load parses, relocates and verifies an sBPF shared object. Calls to
// undefined symbols must name a syscall in syscalls. The returned Program
// does not alias image.
func Load(image []byte, syscalls *sbpf.Registry) (*sbpf.Program, error) {
	spec, err := Parse(image, syscalls)
	if err != nil {
		return nil, err
	}
	return sbpf.NewProgram(spec, syscalls)
}

// Parse does Load's work short of verification, returning the ProgramSpec.
func Parse(image []byte, syscalls *sbpf.Registry) (sbpf.ProgramSpec, error) {
	var spec sbpf.ProgramSpec
	h, err := parseHeader(image)
	if err != nil {
		return spec, err
	}
	version, err := sbpf.ParseVersion(h.Flags)
	if err != nil {
		return spec, err
	}
	if h.Type != ET_DYN {
		return spec, fmt.Errorf("%w: type %d", ErrWrongType, h.Type)
	}
	secs, err := parseSections(image, h)
	if err != nil {
		return spec, err
	}
	var text *Section
	for i := range secs {
		s := &secs[i]
		if s.Name == ".text" {
			if text != nil {
				return spec, ErrNotOneTextSection
			}
			text = s
		}
		if strings.HasPrefix(s.Name, ".bss") || (s.Flags&shfWrite != 0 && strings.HasPrefix(s.Name, ".data") && !strings.HasPrefix(s.Name, ".data.rel")) {
			return spec, fmt.Errorf("%w: %s", ErrWritableSection, s.Name)
		}
	}
	if text == nil {
		return spec, ErrNotOneTextSection
	}
	if text.Type == shtNobits || text.Size%sbpf.SlotSize != 0 {
		return spec, fmt.Errorf("%w: %d bytes", ErrTextMisaligned, text.Size)
	}
	if h.Entry < text.Addr || h.Entry-text.Addr >= text.Size {
		return spec, fmt.Errorf("%w: %#x", ErrEntrypointOutOfBounds, h.Entry)
	}
	if (h.Entry-text.Addr)%sbpf.SlotSize != 0 {
		return spec, fmt.Errorf("%w: %#x", ErrInvalidEntrypoint, h.Entry)
	}
	if text.Addr >= 1<<32 {
		return spec, fmt.Errorf("%w: .text at %#x", ErrSectionAddress, text.Addr)
	}

	buf := append([]byte(nil), image...)
	funcs := map[uint32]int{}
	register := func(pc int) (uint32, error) {
		key := sbpf.FunctionKey(pc)
		if s, ok := syscalls.Lookup(key); ok {
			return 0, fmt.Errorf("%w: function at %d and %s", ErrSymbolHashCollision, pc, s.Name)
		}
		if old, ok := funcs[key]; ok && old != pc {
			return 0, fmt.Errorf("%w: functions at %d and %d", ErrSymbolHashCollision, old, pc)
		}
		funcs[key] = pc
		return key, nil
	}

	// Calls the static linker resolved are pc-relative; rewrite them to
	// function keys.
	tlo, thi, _ := text.fileRange(len(buf))
	tbytes := buf[tlo:thi]
	n := len(tbytes) / sbpf.SlotSize
	for i := 0; i < n; i++ {
		slot := tbytes[i*sbpf.SlotSize:]
		imm := int32(binary.LittleEndian.Uint32(slot[4:]))
		if sbpf.Opcode(slot[0]) != sbpf.OpCall || imm == -1 {
			continue
		}
		target := i + 1 + int(imm)
		if target < 0 || target >= n {
			return spec, fmt.Errorf("%w: instruction %d", ErrRelativeCallOutOfText, i)
		}
		key, err := register(target)
		if err != nil {
			return spec, err
		}
		binary.LittleEndian.PutUint32(slot[4:], key)
	}

	if err := relocate(buf, secs, text, syscalls, register); err != nil {
		return spec, err
	}

	ro, err := readOnlyRegion(buf, secs)
	if err != nil {
		return spec, err
	}
	insns, err := sbpf.DecodeText(buf[tlo:thi])
	if err != nil {
		return spec, err
	}
	entry := int((h.Entry - text.Addr) / sbpf.SlotSize)
	return sbpf.ProgramSpec{
		Version:    version,
		Text:       insns,
		ReadOnly:   ro,
		TextOffset: text.Addr,
		Entry:      entry,
		Functions:  funcs,
	}, nil
}

// readOnlyRegion builds the program region: every byte from address 0 to
// the end of the highest read-only section, with .text, .rodata,
// .data.rel.ro and .eh_frame copied at their addresses and zeros elsewhere.
func readOnlyRegion(buf []byte, secs []Section) ([]byte, error) {
	var highest uint64
	var picked []*Section
	for i := range secs {
		s := &secs[i]
		switch s.Name {
		case ".text", ".rodata", ".data.rel.ro", ".eh_frame":
		default:
			continue
		}
		end := s.Addr + s.Size
		if end < s.Addr || end > 1<<32 {
			return nil, fmt.Errorf("%w: %s at %#x", ErrSectionAddress, s.Name, s.Addr)
		}
		highest = max(highest, end)
		picked = append(picked, s)
	}
	if highest > uint64(len(buf)) {
		return nil, fmt.Errorf("%w: read-only sections end at %#x past the file", ErrSectionAddress, highest)
	}
	ro := make([]byte, highest)
	for _, s := range picked {
		lo, hi, _ := s.fileRange(len(buf))
		if s.Type == shtNobits {
			continue
		}
		copy(ro[s.Addr:], buf[lo:hi])
	}
	return ro, nil
}

// relocate applies the dynamic relocations in place.
func relocate(buf []byte, secs []Section, text *Section, syscalls *sbpf.Registry, register func(int) (uint32, error)) error {
	var dyn *Section
	for i := range secs {
		if secs[i].Type == shtDynamic {
			if dyn != nil {
				return fmt.Errorf("%w: two dynamic sections", ErrDynamicSection)
			}
			dyn = &secs[i]
		}
	}
	if dyn == nil {
		return nil
	}
	le := binary.LittleEndian
	lo, hi, _ := dyn.fileRange(len(buf))
	d := buf[lo:hi]
	var relAddr, relSz, relEnt, symAddr, strAddr uint64
	var haveRel, haveSym bool
	for off := 0; off+16 <= len(d); off += 16 {
		tag, val := le.Uint64(d[off:]), le.Uint64(d[off+8:])
		if tag == dtNull {
			break
		}
		switch tag {
		case dtRel:
			relAddr, haveRel = val, true
		case dtRelsz:
			relSz = val
		case dtRelent:
			relEnt = val
		case dtSymtab:
			symAddr, haveSym = val, true
		case dtStrtab:
			strAddr = val
		}
	}
	if !haveRel {
		return nil
	}
	if relEnt != relSize || relSz%relSize != 0 {
		return fmt.Errorf("%w: entry size %d, table size %d", ErrRelocationTable, relEnt, relSz)
	}
	relSec := sectionAt(secs, relAddr)
	if relSec == nil || relSz > relSec.Size {
		return fmt.Errorf("%w: no section holds %d bytes at %#x", ErrRelocationTable, relSz, relAddr)
	}
	var syms, strs []byte
	if haveSym {
		s := sectionAt(secs, symAddr)
		if s == nil || s.Type != shtDynsym {
			return fmt.Errorf("%w: no symbol table at %#x", ErrDynamicSection, symAddr)
		}
		slo, shi, _ := s.fileRange(len(buf))
		syms = buf[slo:shi]
		st := sectionAt(secs, strAddr)
		if st == nil {
			return fmt.Errorf("%w: no string table at %#x", ErrDynamicSection, strAddr)
		}
		tlo, thi, _ := st.fileRange(len(buf))
		strs = append([]byte(nil), buf[tlo:thi]...)
		syms = append([]byte(nil), syms...)
	}
	symbolAt := func(i uint64) (symbol, error) {
		if i >= uint64(len(syms)/symSize) {
			return symbol{}, fmt.Errorf("%w: index %d", ErrUnknownSymbol, i)
		}
		r := syms[i*symSize:]
		return symbol{name: le.Uint32(r), info: r[4], value: le.Uint64(r[8:])}, nil
	}
	rlo, _, _ := relSec.fileRange(len(buf))
	rels := append([]byte(nil), buf[rlo:rlo+int(relSz)]...)
	tlo, thi, _ := text.fileRange(len(buf))
	u32At := func(off uint64) (uint32, error) {
		if off+4 < off || off+4 > uint64(len(buf)) {
			return 0, fmt.Errorf("%w: offset %#x", ErrRelocationOutOfBounds, off)
		}
		return le.Uint32(buf[off:]), nil
	}
	put32 := func(off uint64, v uint32) { le.PutUint32(buf[off:], v) }
	for i := 0; i+relSize <= len(rels); i += relSize {
		off := le.Uint64(rels[i:])
		info := le.Uint64(rels[i+8:])
		typ, symIdx := uint32(info), info>>32
		if off > uint64(len(buf)) {
			return fmt.Errorf("%w: offset %#x", ErrRelocationOutOfBounds, off)
		}
		imm := off + 4
		switch typ {
		case R_BPF_64_64:
			refd, err := u32At(imm)
			if err != nil {
				return err
			}
			if _, err := u32At(imm + 8); err != nil {
				return err
			}
			sym, err := symbolAt(symIdx)
			if err != nil {
				return err
			}
			addr := sym.value + uint64(refd)
			if addr < 1<<32 {
				addr += 1 << 32
			}
			put32(imm, uint32(addr))
			put32(imm+8, uint32(addr>>32))
		case R_BPF_64_RELATIVE:
			if off >= uint64(tlo) && off < uint64(thi) {
				low, err := u32At(imm)
				if err != nil {
					return err
				}
				high, err := u32At(imm + 8)
				if err != nil {
					return err
				}
				refd := uint64(high)<<32 | uint64(low)
				if refd == 0 {
					return fmt.Errorf("%w: at %#x", ErrInvalidVirtualAddress, off)
				}
				if refd < 1<<32 {
					refd += 1 << 32
				}
				put32(imm, uint32(refd))
				put32(imm+8, uint32(refd>>32))
			} else {
				// A 64-bit pointer in data whose low half holds the
				// region-relative address.
				refd, err := u32At(imm)
				if err != nil {
					return err
				}
				if off+8 > uint64(len(buf)) {
					return fmt.Errorf("%w: offset %#x", ErrRelocationOutOfBounds, off)
				}
				le.PutUint64(buf[off:], 1<<32+uint64(refd))
			}
		case R_BPF_64_32:
			if _, err := u32At(imm); err != nil {
				return err
			}
			sym, err := symbolAt(symIdx)
			if err != nil {
				return err
			}
			name, ok := cstring(strs, uint64(sym.name))
			if !ok {
				return fmt.Errorf("%w: symbol %d", ErrSymbolName, symIdx)
			}
			var key uint32
			if sym.info&0xf == sttFunc && sym.value != 0 {
				if sym.value < text.Addr || sym.value-text.Addr >= text.Size {
					return fmt.Errorf("%w: %s at %#x", ErrSymbolOutOfText, name, sym.value)
				}
				// A call to the entrypoint by name keeps the entrypoint's
				// own key, which always resolves to e_entry.
				if name == "entrypoint" {
					key = sbpf.EntrypointKey
				} else if key, err = register(int((sym.value - text.Addr) / sbpf.SlotSize)); err != nil {
					return err
				}
			} else {
				key = sbpf.SymbolHash(name)
				if _, ok := syscalls.Lookup(key); !ok {
					return fmt.Errorf("%w: %s (instruction %d)", ErrUnresolvedSymbol, name, (off-uint64(tlo))/sbpf.SlotSize)
				}
			}
			put32(imm, key)
		default:
			return fmt.Errorf("%w: type %d at %#x", ErrUnknownRelocation, typ, off)
		}
	}
	return nil
}

// sectionAt finds the section whose address is addr.
func sectionAt(secs []Section, addr uint64) *Section {
	for i := range secs {
		if secs[i].Addr == addr && secs[i].Type != 0 {
			return &secs[i]
		}
	}
	return nil
}
