package loader

import (
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestUpgradeableState_RoundTrip(t *testing.T) {
	auth := sol.Pubkey{9}
	cases := []UpgradeableState{
		{Kind: stateUninitialized},
		{Kind: stateBuffer, Authority: &auth},
		{Kind: stateBuffer},
		{Kind: stateProgram, ProgramData: sol.Pubkey{3}},
		{Kind: stateProgramData, DeploySlot: 77, Authority: &auth},
		{Kind: stateProgramData, DeploySlot: 1},
	}
	for _, st := range cases {
		buf := make([]byte, 64)
		if err := st.encodeInto(buf); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeUpgradeableState(buf)
		if err != nil || got.Kind != st.Kind || got.ProgramData != st.ProgramData || got.DeploySlot != st.DeploySlot ||
			(got.Authority == nil) != (st.Authority == nil) || (got.Authority != nil && *got.Authority != *st.Authority) {
			t.Fatalf("round trip of %+v gave %+v, %v", st, got, err)
		}
	}
	for _, bad := range [][]byte{nil, {1, 0, 0}, {9, 0, 0, 0}, {1, 0, 0, 0, 2}, {3, 0, 0, 0, 1}} {
		if _, err := DecodeUpgradeableState(bad); err == nil {
			t.Errorf("accepted %x", bad)
		}
	}
}

func FuzzDecodeUpgradeableState(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(make([]byte, 45))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := DecodeUpgradeableState(data)
		if err != nil {
			return
		}
		buf := make([]byte, max(len(data), 64))
		if err := st.encodeInto(buf); err != nil {
			t.Fatalf("decoded state does not encode: %v", err)
		}
		again, err := DecodeUpgradeableState(buf)
		if err != nil || again.Kind != st.Kind || again.DeploySlot != st.DeploySlot || again.ProgramData != st.ProgramData {
			t.Fatal("decode-encode-decode changed the state")
		}
	})
}

func TestResultError(t *testing.T) {
	cases := map[uint64]string{
		1:           "custom program error: 0x1",
		1 << 32:     "custom program error: 0x0",
		2 << 32:     "InvalidArgument",
		26 << 32:    "IncorrectAuthority",
		99 << 32:    "InvalidError",
		2<<32 | 1:   "InvalidError",
		0xffff_ffff: "custom program error: 0xffffffff",
	}
	for r0, want := range cases {
		if got := ResultError(r0).Error(); got != want {
			t.Errorf("%#x: %s, want %s", r0, got, want)
		}
	}
	if ResultError(0) != nil {
		t.Error("0 is success")
	}
}
