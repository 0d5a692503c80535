package elf

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name+".so"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// section returns the header of the named section and where it is stored.
func section(t *testing.T, img []byte, name string) (Section, int) {
	t.Helper()
	h, err := parseHeader(img)
	if err != nil {
		t.Fatal(err)
	}
	secs, err := parseSections(img, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range secs {
		if s.Name == name {
			return s, int(h.Shoff) + i*shdrSize
		}
	}
	t.Fatalf("no section %s", name)
	return Section{}, 0
}

func TestLoad_Fixture(t *testing.T) {
	p, err := Load(fixture(t, "logging"), syscalls.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if p.Version() != sbpf.V0 || len(p.Syscalls()) != 5 {
		t.Fatalf("version %v syscalls %v", p.Version(), p.Syscalls())
	}
	text, _ := section(t, fixture(t, "logging"), ".text")
	if p.TextAddress() != sbpf.ProgramStart+text.Addr {
		t.Fatalf("text address %#x", p.TextAddress())
	}
}

func TestLoad_Rejections(t *testing.T) {
	le := binary.LittleEndian
	reg := syscalls.NewRegistry()
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, b []byte) []byte
		reg    *sbpf.Registry
		want   error
	}{
		{"truncated", func(t *testing.T, b []byte) []byte { return b[:40] }, reg, ErrTooShort},
		{"magic", func(t *testing.T, b []byte) []byte { b[1] = 'X'; return b }, reg, ErrBadMagic},
		{"class", func(t *testing.T, b []byte) []byte { b[4] = 1; return b }, reg, ErrWrongClass},
		{"endianness", func(t *testing.T, b []byte) []byte { b[5] = 2; return b }, reg, ErrWrongEndianness},
		{"abi", func(t *testing.T, b []byte) []byte { b[7] = 3; return b }, reg, ErrWrongABI},
		{"header version", func(t *testing.T, b []byte) []byte { le.PutUint32(b[20:], 2); return b }, reg, ErrInvalidFileHeader},
		{"type", func(t *testing.T, b []byte) []byte { le.PutUint16(b[16:], 2); return b }, reg, ErrWrongType},
		{"machine", func(t *testing.T, b []byte) []byte { le.PutUint16(b[18:], 62); return b }, reg, ErrWrongMachine},
		{"sbpf version", func(t *testing.T, b []byte) []byte { le.PutUint32(b[48:], 3); return b }, reg, sbpf.ErrUnsupportedVersion},
		{"section entry size", func(t *testing.T, b []byte) []byte { le.PutUint16(b[58:], 40); return b }, reg, ErrSectionHeaders},
		{"section table offset", func(t *testing.T, b []byte) []byte { le.PutUint64(b[40:], uint64(len(b))); return b }, reg, ErrSectionHeaders},
		{"program header table", func(t *testing.T, b []byte) []byte { le.PutUint64(b[32:], uint64(len(b))); return b }, reg, ErrInvalidFileHeader},
		{"string table index", func(t *testing.T, b []byte) []byte { le.PutUint16(b[62:], 99); return b }, reg, ErrSectionName},
		{"section past end", func(t *testing.T, b []byte) []byte {
			_, at := section(t, b, ".rodata")
			le.PutUint64(b[at+32:], 1<<40)
			return b
		}, reg, ErrSectionOutOfBounds},
		{"section name offset", func(t *testing.T, b []byte) []byte {
			_, at := section(t, b, ".rodata")
			le.PutUint32(b[at:], 1<<20)
			return b
		}, reg, ErrSectionName},
		{"sections out of order", func(t *testing.T, b []byte) []byte {
			_, at := section(t, b, ".rodata")
			le.PutUint64(b[at+24:], 0x40)
			return b
		}, reg, ErrSectionOrder},
		{"two text sections", func(t *testing.T, b []byte) []byte {
			s, at := section(t, b, ".dynsym")
			_ = s
			text, tat := section(t, b, ".text")
			_ = text
			le.PutUint32(b[at:], le.Uint32(b[tat:])) // .dynsym renamed .text
			return b
		}, reg, ErrNotOneTextSection},
		{"writable data", func(t *testing.T, b []byte) []byte {
			s, at := section(t, b, ".rodata")
			strtab, _ := section(t, b, ".shstrtab")
			copy(b[strtab.Offset+uint64(le.Uint32(b[at:])):], ".bss.ro")
			_ = s
			return b
		}, reg, ErrWritableSection},
		{"text size", func(t *testing.T, b []byte) []byte {
			_, at := section(t, b, ".text")
			le.PutUint64(b[at+32:], le.Uint64(b[at+32:])-4)
			return b
		}, reg, ErrTextMisaligned},
		{"entry outside text", func(t *testing.T, b []byte) []byte { le.PutUint64(b[24:], 8); return b }, reg, ErrEntrypointOutOfBounds},
		{"entry misaligned", func(t *testing.T, b []byte) []byte { le.PutUint64(b[24:], le.Uint64(b[24:])+4); return b }, reg, ErrInvalidEntrypoint},
		{"rodata address", func(t *testing.T, b []byte) []byte {
			_, at := section(t, b, ".rodata")
			le.PutUint64(b[at+16:], 1<<33)
			return b
		}, reg, ErrSectionAddress},
		{"relocation type", func(t *testing.T, b []byte) []byte {
			rel, _ := section(t, b, ".rel.dyn")
			le.PutUint32(b[rel.Offset+8:], 99)
			return b
		}, reg, ErrUnknownRelocation},
		{"relocation symbol", func(t *testing.T, b []byte) []byte {
			rel, _ := section(t, b, ".rel.dyn")
			le.PutUint32(b[rel.Offset+12:], 99)
			return b
		}, reg, ErrUnknownSymbol},
		{"relocation offset", func(t *testing.T, b []byte) []byte {
			rel, _ := section(t, b, ".rel.dyn")
			le.PutUint64(b[rel.Offset:], uint64(len(b))-2)
			return b
		}, reg, ErrRelocationOutOfBounds},
		{"relocation entry size", func(t *testing.T, b []byte) []byte {
			dyn, _ := section(t, b, ".dynamic")
			for off := dyn.Offset; off < dyn.Offset+dyn.Size; off += 16 {
				if le.Uint64(b[off:]) == dtRelent {
					le.PutUint64(b[off+8:], 24)
				}
			}
			return b
		}, reg, ErrRelocationTable},
		{"relative call outside text", func(t *testing.T, b []byte) []byte {
			text, _ := section(t, b, ".text")
			slot := b[text.Offset:]
			slot[0] = byte(sbpf.OpCall)
			le.PutUint32(slot[4:], 1<<20)
			return b
		}, reg, ErrRelativeCallOutOfText},
		{"unknown syscall", func(t *testing.T, b []byte) []byte { return b }, sbpf.NewRegistry(), ErrUnresolvedSymbol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.mutate(t, fixture(t, "logging"))
			_, err := Load(img, tc.reg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzLoad feeds arbitrary bytes to the loader: it must return a Program or
// an error, never panic, and every Program it returns must run to a result
// within its budget.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"logging", "memops", "pda", "returndata", "counter", "fail"} {
		f.Add(fixture(f, name))
	}
	reg := syscalls.NewRegistry()
	f.Fuzz(func(t *testing.T, img []byte) {
		p, err := Load(img, reg)
		if err != nil {
			return
		}
		_, used, _ := sbpf.Run(p, make([]byte, 64), sbpf.RunOptions{Budget: 2000, Context: nil})
		if used > 2000 {
			t.Fatalf("used %d of 2000 units", used)
		}
	})
}

func TestLoad_VersionFromFlags(t *testing.T) {
	img := fixture(t, "counter")
	binary.LittleEndian.PutUint32(img[48:], 1)
	p, err := Load(img, syscalls.NewRegistry())
	if err != nil || p.Version() != sbpf.V1 {
		t.Fatalf("v1: %v, %v", p, err)
	}
	// v0 code uses lddw and classic loads, which v2 dropped.
	binary.LittleEndian.PutUint32(img[48:], 2)
	if _, err := Load(img, syscalls.NewRegistry()); !errors.Is(err, sbpf.ErrUnknownOpcode) {
		t.Fatalf("v2: %v", err)
	}
}
