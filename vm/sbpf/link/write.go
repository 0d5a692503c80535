package link

import "encoding/binary"

const (
	ptLoad    = 1
	ptDynamic = 2
	pfX       = 1
	pfR       = 4

	dtNull    = 0
	dtStrtab  = 5
	dtSymtab  = 6
	dtStrsz   = 10
	dtSyment  = 11
	dtRel     = 17
	dtRelsz   = 18
	dtRelent  = 19
	dtTextrel = 22
)

// write lays out and serializes the shared object.
func write(text, rodata *outSection, entry uint64, externs []string, rels []rel) []byte {
	le := binary.LittleEndian

	// .dynstr and .dynsym: the null symbol, the entrypoint, then one
	// undefined symbol per syscall.
	dynstr := []byte{0}
	addStr := func(s string) uint32 {
		off := uint32(len(dynstr))
		dynstr = append(append(dynstr, s...), 0)
		return off
	}
	dynsym := make([]byte, 24)
	sym := func(name uint32, info uint8, shndx uint16, value, size uint64) {
		var b [24]byte
		le.PutUint32(b[0:], name)
		b[4] = info
		le.PutUint16(b[6:], shndx)
		le.PutUint64(b[8:], value)
		le.PutUint64(b[16:], size)
		dynsym = append(dynsym, b[:]...)
	}
	for _, name := range externs {
		sym(addStr(name), 0x10, 0, 0, 0) // STB_GLOBAL, STT_NOTYPE, undefined
	}
	sym(addStr("entrypoint"), 0x12, 1, entry, 0) // STB_GLOBAL, STT_FUNC, in .text

	reldyn := make([]byte, 0, 16*len(rels))
	for _, r := range rels {
		reldyn = le.AppendUint64(reldyn, r.off)
		reldyn = le.AppendUint64(reldyn, uint64(r.sym)<<32|10) // R_BPF_64_32
	}

	// Addresses after .rodata.
	off := rodata.addr + uint64(len(rodata.data))
	dynamicAddr := alignUp(off, 8)
	var dynamic []byte
	entryCount := 6
	if len(rels) > 0 {
		entryCount += 4
	}
	dynamicSize := uint64(entryCount * 16)
	dynsymAddr := dynamicAddr + dynamicSize
	dynstrAddr := dynsymAddr + uint64(len(dynsym))
	reldynAddr := alignUp(dynstrAddr+uint64(len(dynstr)), 8)
	dt := func(tag, val uint64) { dynamic = le.AppendUint64(le.AppendUint64(dynamic, tag), val) }
	dt(dtSymtab, dynsymAddr)
	dt(dtSyment, 24)
	dt(dtStrtab, dynstrAddr)
	dt(dtStrsz, uint64(len(dynstr)))
	if len(rels) > 0 {
		dt(dtRel, reldynAddr)
		dt(dtRelsz, uint64(len(reldyn)))
		dt(dtRelent, 16)
		dt(dtTextrel, 0)
	}
	dt(dtNull, 0)
	dt(dtNull, 0)
	loadEnd := reldynAddr + uint64(len(reldyn))

	shstrtab := []byte{0}
	shName := func(s string) uint32 {
		o := uint32(len(shstrtab))
		shstrtab = append(append(shstrtab, s...), 0)
		return o
	}
	shstrAddr := loadEnd
	type shdr struct {
		name            uint32
		typ             uint32
		flags           uint64
		addr, off, size uint64
		link, info      uint32
		align, entsize  uint64
	}
	hdrs := []shdr{{}}
	hdrs = append(hdrs, shdr{name: shName(".text"), typ: shtProgbits, flags: shfAlloc | shfExec, addr: text.addr, off: text.addr, size: uint64(len(text.data)), align: 8})
	rodataIdx := 0
	if len(rodata.data) > 0 {
		rodataIdx = len(hdrs)
		hdrs = append(hdrs, shdr{name: shName(".rodata"), typ: shtProgbits, flags: shfAlloc, addr: rodata.addr, off: rodata.addr, size: uint64(len(rodata.data)), align: rodata.align})
	}
	_ = rodataIdx
	dynamicIdx := len(hdrs)
	dynsymIdx, dynstrIdx := dynamicIdx+1, dynamicIdx+2
	hdrs = append(hdrs,
		shdr{name: shName(".dynamic"), typ: shtDynamic, flags: shfAlloc, addr: dynamicAddr, off: dynamicAddr, size: uint64(len(dynamic)), link: uint32(dynstrIdx), align: 8, entsize: 16},
		shdr{name: shName(".dynsym"), typ: shtDynsym, flags: shfAlloc, addr: dynsymAddr, off: dynsymAddr, size: uint64(len(dynsym)), link: uint32(dynstrIdx), info: 1, align: 8, entsize: 24},
		shdr{name: shName(".dynstr"), typ: shtStrtab, flags: shfAlloc, addr: dynstrAddr, off: dynstrAddr, size: uint64(len(dynstr)), align: 1},
	)
	if len(rels) > 0 {
		hdrs = append(hdrs, shdr{name: shName(".rel.dyn"), typ: shtRel, flags: shfAlloc, addr: reldynAddr, off: reldynAddr, size: uint64(len(reldyn)), link: uint32(dynsymIdx), align: 8, entsize: 16})
	}
	shstrIdx := len(hdrs)
	shstrName := shName(".shstrtab")
	hdrs = append(hdrs, shdr{name: shstrName, typ: shtStrtab, off: shstrAddr, size: 0, align: 1})
	hdrs[shstrIdx].size = uint64(len(shstrtab))
	shoff := alignUp(shstrAddr+uint64(len(shstrtab)), 8)

	out := make([]byte, shoff+uint64(len(hdrs))*shdrSize)
	// ELF header.
	copy(out, "\x7fELF")
	out[4], out[5], out[6] = 2, 1, 1 // ELF64, little-endian, EV_CURRENT
	le.PutUint16(out[16:], etDyn)
	le.PutUint16(out[18:], emBPF)
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[24:], entry)
	le.PutUint64(out[32:], ehdrSize)
	le.PutUint64(out[40:], shoff)
	le.PutUint32(out[48:], 0) // e_flags: SBPFv0
	le.PutUint16(out[52:], ehdrSize)
	le.PutUint16(out[54:], phdrSize)
	le.PutUint16(out[56:], 3)
	le.PutUint16(out[58:], shdrSize)
	le.PutUint16(out[60:], uint16(len(hdrs)))
	le.PutUint16(out[62:], uint16(shstrIdx))
	// Program headers.
	phdr := func(i int, typ, flags uint32, off, size, align uint64) {
		p := out[ehdrSize+i*phdrSize:]
		le.PutUint32(p[0:], typ)
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], off)
		le.PutUint64(p[24:], off)
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		le.PutUint64(p[48:], align)
	}
	phdr(0, ptLoad, pfR|pfX, text.addr, uint64(len(text.data)), 0x1000)
	phdr(1, ptLoad, pfR, rodata.addr, loadEnd-rodata.addr, 0x1000)
	phdr(2, ptDynamic, pfR, dynamicAddr, uint64(len(dynamic)), 8)
	// Contents.
	copy(out[text.addr:], text.data)
	copy(out[rodata.addr:], rodata.data)
	copy(out[dynamicAddr:], dynamic)
	copy(out[dynsymAddr:], dynsym)
	copy(out[dynstrAddr:], dynstr)
	copy(out[reldynAddr:], reldyn)
	copy(out[shstrAddr:], shstrtab)
	for i, h := range hdrs {
		p := out[shoff+uint64(i)*shdrSize:]
		le.PutUint32(p[0:], h.name)
		le.PutUint32(p[4:], h.typ)
		le.PutUint64(p[8:], h.flags)
		le.PutUint64(p[16:], h.addr)
		le.PutUint64(p[24:], h.off)
		le.PutUint64(p[32:], h.size)
		le.PutUint32(p[40:], h.link)
		le.PutUint32(p[44:], h.info)
		le.PutUint64(p[48:], h.align)
		le.PutUint64(p[56:], h.entsize)
	}
	return out
}
