package abi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func sample() *Input {
	k1 := sol.MustPubkey("11111111111111111111111111111112")
	k2 := sol.MustPubkey("BPFLoaderUpgradeab1e11111111111111111111111")
	return &Input{
		Accounts: []AccountInput{
			{Key: k1, IsSigner: true, IsWritable: true, Account: sol.Account{Lamports: 100, Data: []byte("abc"), Owner: k2, RentEpoch: 7}},
			{Key: k2, Account: sol.Account{Lamports: 1, Owner: k1, Executable: true}},
			{Key: k1, IsSigner: true, IsWritable: true},
		},
		InstructionData: []byte{9, 8, 7},
		ProgramID:       k2,
	}
}

func TestSerialize_AlignedLayout(t *testing.T) {
	in := sample()
	buf, lay := Serialize(nil, in, Aligned)
	if binary.LittleEndian.Uint64(buf) != 3 {
		t.Fatal("account count")
	}
	// First account header.
	if !bytes.Equal(buf[8:12], []byte{NonDupMarker, 1, 1, 0}) {
		t.Fatalf("header %v", buf[8:12])
	}
	a := lay.Accounts[0]
	if a.Owner != 8+8+32 || a.Lamports != a.Owner+32 || a.DataLen != a.Lamports+8 || a.Data != a.DataLen+8 {
		t.Fatalf("offsets %+v", a)
	}
	rent := a.Data + 3 + 5 + MaxPermittedDataIncrease
	if rent%8 != 0 || binary.LittleEndian.Uint64(buf[rent:]) != 7 {
		t.Fatalf("rent epoch at %d", rent)
	}
	second := rent + 8
	if buf[second] != NonDupMarker || buf[second+3] != 1 {
		t.Fatalf("second header %v", buf[second:second+4])
	}
	third := lay.Accounts[1].Data + MaxPermittedDataIncrease + 8
	if buf[third] != 0 || lay.Accounts[2].DupOf != 0 {
		t.Fatalf("duplicate marker %d", buf[third])
	}
	tail := third + 8
	if binary.LittleEndian.Uint64(buf[tail:]) != 3 || !bytes.Equal(buf[tail+8:tail+11], []byte{9, 8, 7}) || sol.Pubkey(buf[tail+11:]) != in.ProgramID {
		t.Fatal("instruction data / program id")
	}
	if len(buf) != tail+11+32 {
		t.Fatalf("length %d", len(buf))
	}
}

func TestSerialize_UnalignedLayout(t *testing.T) {
	in := sample()
	buf, lay := Serialize(nil, in, Unaligned)
	a := lay.Accounts[0]
	if a.Lamports != 8+3+32 || a.Data != a.Lamports+16 || a.Owner != a.Data+3 {
		t.Fatalf("offsets %+v", a)
	}
	dup := lay.Accounts[1].Owner + 32 + 1 + 8
	if buf[dup] != 0 || binary.LittleEndian.Uint64(buf[dup+1:]) != 3 {
		t.Fatalf("duplicate entry and ix len at %d", dup)
	}
}

func TestLayout_ReadAccount(t *testing.T) {
	in := sample()
	buf, lay := Serialize(nil, in, Aligned)
	a := lay.Accounts[0]
	binary.LittleEndian.PutUint64(buf[a.Lamports:], 55)
	binary.LittleEndian.PutUint64(buf[a.DataLen:], 5)
	copy(buf[a.Data:], "hello")
	copy(buf[a.Owner:], in.ProgramID[:])
	u, err := lay.ReadAccount(buf, 2) // duplicate reads the same fields
	if err != nil || u.Lamports != 55 || string(u.Data) != "hello" || u.Owner != in.ProgramID {
		t.Fatalf("read back %+v %v", u, err)
	}
	binary.LittleEndian.PutUint64(buf[a.DataLen:], 3+MaxPermittedDataIncrease+1)
	if _, err := lay.ReadAccount(buf, 0); !errors.Is(err, ErrInvalidRealloc) {
		t.Fatalf("oversized realloc: %v", err)
	}
	ubuf, ulay := Serialize(nil, in, Unaligned)
	binary.LittleEndian.PutUint64(ubuf[ulay.Accounts[0].DataLen:], 4)
	if _, err := ulay.ReadAccount(ubuf, 0); !errors.Is(err, ErrInvalidRealloc) {
		t.Fatalf("unaligned growth: %v", err)
	}
	if _, err := lay.ReadAccount(buf[:10], 0); !errors.Is(err, ErrLayout) {
		t.Fatalf("short buffer: %v", err)
	}
}

// FuzzLayout_ReadAccount overwrites a serialized input with arbitrary bytes
// (what a program may leave behind) and reads every account back: errors
// are fine, panics are not.
func FuzzLayout_ReadAccount(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, junk []byte) {
		for _, format := range []Format{Aligned, Unaligned} {
			buf, lay := Serialize(nil, sample(), format)
			for i := 0; i < len(buf) && len(junk) > 0; i++ {
				buf[i] ^= junk[i%len(junk)]
			}
			for i := range lay.Accounts {
				if u, err := lay.ReadAccount(buf, i); err == nil && len(u.Data) > len(buf) {
					t.Fatal("data longer than the buffer")
				}
			}
		}
	})
}

func TestLayout_WriteAccount(t *testing.T) {
	in := sample()
	buf, lay := Serialize(nil, in, Aligned)
	owner := in.ProgramID
	if err := lay.WriteAccount(buf, 0, 77, owner, []byte("longer data")); err != nil {
		t.Fatal(err)
	}
	u, err := lay.ReadAccount(buf, 2)
	if err != nil || u.Lamports != 77 || u.Owner != owner || string(u.Data) != "longer data" {
		t.Fatalf("%+v %v", u, err)
	}
	if err := lay.WriteAccount(buf, 0, 1, owner, []byte("ab")); err != nil {
		t.Fatal(err)
	}
	a := lay.Accounts[0]
	if !bytes.Equal(buf[a.Data+2:a.Data+11], make([]byte, 9)) {
		t.Fatal("shrunk data not zeroed")
	}
	if err := lay.WriteAccount(buf, 0, 1, owner, make([]byte, 3+MaxPermittedDataIncrease+1)); !errors.Is(err, ErrInvalidRealloc) {
		t.Fatalf("oversized: %v", err)
	}
	ubuf, ulay := Serialize(nil, in, Unaligned)
	if err := ulay.WriteAccount(ubuf, 0, 1, owner, []byte("xyz")); err != nil {
		t.Fatal(err)
	}
	if err := ulay.WriteAccount(ubuf, 0, 1, owner, []byte("wxyz")); !errors.Is(err, ErrInvalidRealloc) {
		t.Fatalf("unaligned growth: %v", err)
	}
}

func TestParseReturn(t *testing.T) {
	for r0, want := range map[uint64]string{
		0:          "success",
		7:          "Custom(7)",
		1 << 32:    "Custom(0)",
		2 << 32:    "InvalidArgument",
		26 << 32:   "IncorrectAuthority",
		27 << 32:   "InvalidError",
		2<<32 | 1:  "InvalidError",
		0xffffffff: "Custom(4294967295)",
	} {
		if got := ParseReturn(r0).String(); got != want {
			t.Errorf("ParseReturn(%#x) = %s, want %s", r0, got, want)
		}
	}
}
