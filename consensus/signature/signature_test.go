package signature

import (
	"bytes"
	"errors"
	"testing"
)

func TestPublicKey_TextRoundTrip(t *testing.T) {
	s, _ := SignerFromSeed(bytes.Repeat([]byte{3}, 32))
	k := s.Public()
	text, _ := k.MarshalText()
	var back PublicKey
	if err := back.UnmarshalText(text); err != nil || back != k {
		t.Fatalf("round trip: %v", err)
	}
	if err := back.UnmarshalText([]byte("abc")); !errors.Is(err, ErrBadPublicKey) {
		t.Fatalf("short key: %v", err)
	}
}

func TestVerify_DomainSeparation(t *testing.T) {
	s, _ := SignerFromSeed(bytes.Repeat([]byte{3}, 32))
	sig := s.Sign("ctx/a", []byte("msg"))
	if err := Verify(s.Public(), "ctx/a", []byte("msg"), sig); err != nil {
		t.Fatal(err)
	}
	// Moving bytes between context and message must not verify.
	if err := Verify(s.Public(), "ctx/", []byte("amsg"), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("context shift verified: %v", err)
	}
}
