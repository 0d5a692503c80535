package sol

import "testing"

func TestFindProgramAddress_Vector(t *testing.T) {
	program := MustPubkey("4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T")
	addr, bump, err := FindProgramAddress([][]byte{[]byte("hello")}, program)
	if err != nil {
		t.Fatal(err)
	}
	if addr.String() != "2PMY3Eer8ya7o6zpGQQreE2PeqbQaujEwjRM8VWcmeML" || bump != 255 {
		t.Fatalf("got %s bump %d", addr, bump)
	}
	if addr.IsOnCurve() {
		t.Fatal("a program-derived address must be off the curve")
	}
}

func TestPubkey_IsOnCurve(t *testing.T) {
	// The ed25519 public key derived from seed bytes 1..32.
	k := MustPubkey("9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj")
	if !k.IsOnCurve() {
		t.Fatal("a real public key must be on the curve")
	}
}

func TestPubkeyFromString_Rejects(t *testing.T) {
	for _, s := range []string{"", "0OIl", "111", "9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj1"} {
		if _, err := PubkeyFromString(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}
