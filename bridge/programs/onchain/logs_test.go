package onchain

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestProgramData(t *testing.T) {
	a, b := sol.Pubkey{1}, sol.Pubkey{2}
	data := func(s string) string { return ProgramDataPrefix + base64.StdEncoding.EncodeToString([]byte(s)) }
	lines := []string{
		"Program " + b.String() + " invoke [1]",
		data("b outer"),
		"Program log: invoke [1]", // a program's log cannot open a frame
		"Program " + a.String() + " invoke [2]",
		data("a inner"),
		"Program " + a.String() + " success",
		data("b again"),
		"Program " + b.String() + " failed: custom program error: 0x1",
		data("nobody"),
		"Program " + a.String() + " invoke [1]",
		ProgramDataPrefix + "!!!not base64",
		data("a top"),
		"Program " + a.String() + " success",
	}
	got := ProgramData(lines, a)
	if len(got) != 2 || string(got[0]) != "a inner" || string(got[1]) != "a top" {
		t.Fatalf("got %q", got)
	}
	if got := ProgramData(lines, b); len(got) != 2 || string(got[1]) != "b again" {
		t.Fatalf("got %q", got)
	}
}

func FuzzProgramData(f *testing.F) {
	a := sol.Pubkey{1}
	f.Add("Program " + a.String() + " invoke [1]\nProgram data: AQI=\nProgram " + a.String() + " success")
	f.Fuzz(func(t *testing.T, s string) {
		_ = ProgramData(strings.Split(s, "\n"), a)
	})
}
