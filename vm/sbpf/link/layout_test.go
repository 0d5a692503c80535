package link_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/vm/sbpf/link"
)

// TestLink_SolanaLoaderLayout checks the linker's output against the
// structural rules the network's ELF parser and loader enforce for SBPFv0
// programs (lenient parser, deploy-time checks), independently of atoll's
// own loader.
func TestLink_SolanaLoaderLayout(t *testing.T) {
	le := binary.LittleEndian
	for _, name := range []string{"logging", "memops", "pda", "returndata", "counter", "fail", "cpi"} {
		b := build(t, name)
		// File header: ELF64 LSB, EV_CURRENT, ET_DYN, EM_BPF, e_flags 0.
		if string(b[:4]) != "\x7fELF" || b[4] != 2 || b[5] != 1 || b[6] != 1 || b[7] != 0 ||
			le.Uint16(b[16:]) != 3 || le.Uint16(b[18:]) != 247 || le.Uint32(b[20:]) != 1 || le.Uint32(b[48:]) != 0 ||
			le.Uint16(b[52:]) != 64 || le.Uint16(b[54:]) != 56 || le.Uint16(b[58:]) != 64 {
			t.Fatalf("%s: file header", name)
		}
		phoff, phnum := le.Uint64(b[32:]), int(le.Uint16(b[56:]))
		shoff, shnum, shstrndx := le.Uint64(b[40:]), int(le.Uint16(b[60:])), int(le.Uint16(b[62:]))
		if shstrndx >= shnum || shoff+uint64(shnum)*64 != uint64(len(b)) {
			t.Fatalf("%s: section table", name)
		}
		// Program headers: PT_LOAD ascending and inside the file; one PT_DYNAMIC.
		var lastVaddr uint64
		dynamic := 0
		for i := 0; i < phnum; i++ {
			p := b[phoff+uint64(i)*56:]
			typ, off, vaddr, filesz := le.Uint32(p), le.Uint64(p[8:]), le.Uint64(p[16:]), le.Uint64(p[32:])
			if typ == 2 {
				dynamic++
			}
			if typ != 1 {
				continue
			}
			if vaddr < lastVaddr || off+filesz > uint64(len(b)) || vaddr != off {
				t.Fatalf("%s: PT_LOAD %d at %#x", name, i, vaddr)
			}
			lastVaddr = vaddr
		}
		if dynamic != 1 {
			t.Fatalf("%s: %d PT_DYNAMIC headers", name, dynamic)
		}
		// Sections: SHT_NULL first; contents ascending, not overlapping each
		// other or the headers; allocated sections have sh_addr == sh_offset
		// and end below 4 GiB.
		headersEnd := phoff + uint64(phnum)*56
		var prevEnd uint64
		for i := 0; i < shnum; i++ {
			s := b[shoff+uint64(i)*64:]
			typ, flags, addr, off, size := le.Uint32(s[4:]), le.Uint64(s[8:]), le.Uint64(s[16:]), le.Uint64(s[24:]), le.Uint64(s[32:])
			if i == 0 {
				if typ != 0 {
					t.Fatalf("%s: first section type %d", name, typ)
				}
				continue
			}
			if off < headersEnd || off < prevEnd || off+size > shoff {
				t.Fatalf("%s: section %d at %#x+%d out of order or overlapping", name, i, off, size)
			}
			prevEnd = off + size
			if flags&2 != 0 && (addr != off || addr+size >= 1<<32) {
				t.Fatalf("%s: section %d address %#x offset %#x", name, i, addr, off)
			}
			if flags&1 != 0 {
				t.Fatalf("%s: writable section %d", name, i)
			}
		}
	}
}

func TestLink_Rejections(t *testing.T) {
	if _, err := link.Link([]byte("not an object"), link.Options{}); !errors.Is(err, link.ErrNotObject) {
		t.Fatalf("garbage: %v", err)
	}
	so := build(t, "counter")
	if _, err := link.Link(so, link.Options{}); !errors.Is(err, link.ErrNotObject) {
		t.Fatalf("shared object as input: %v", err)
	}
}

func TestBuildC_Rejections(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src string
		flags     []string
		want      error
	}{
		{"writable global", "#include <atoll.h>\nuint64_t counter;\nuint64_t entrypoint(const uint8_t *in) { return ++counter; }\n", nil, link.ErrWritableData},
		{"initialized global", "#include <atoll.h>\nuint64_t counter = 5;\nuint64_t entrypoint(const uint8_t *in) { return ++counter; }\n", nil, link.ErrWritableData},
		{"no entrypoint", "#include <atoll.h>\nuint64_t start(const uint8_t *in) { return 0; }\n", nil, link.ErrNoEntrypoint},
		{"unknown syscall", "#include <atoll.h>\nvoid sol_frobnicate(void);\nuint64_t entrypoint(const uint8_t *in) { sol_frobnicate(); return 0; }\n", nil, link.ErrUnknownSyscall},
		{"pic lookup table", "#include <atoll.h>\nstatic const char *m[] = {\"a\", \"bb\"};\nuint64_t entrypoint(const uint8_t *in) { sol_log_(m[in[0] & 1], 2); return 0; }\n", []string{"-fPIC"}, link.ErrUnsupportedReloc},
		{"compile error", "this is not C", nil, link.ErrCompile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".c")
			if err := os.WriteFile(src, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := link.BuildC(src, link.BuildOptions{Flags: tc.flags, Link: link.Options{Syscalls: registry()}})
			if !errors.Is(err, tc.want) {
				t.Fatalf("BuildC = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzLink feeds arbitrary bytes to the linker: it must return an object
// or an error, never panic.
func FuzzLink(f *testing.F) {
	for _, name := range []string{"logging", "pda", "counter"} {
		obj, err := link.CompileC(filepath.Join("..", "testdata", name+".c"), link.BuildOptions{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(obj)
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		so, err := link.Link(obj, link.Options{})
		if err == nil && len(so) == 0 {
			t.Fatal("empty output without an error")
		}
	})
}
