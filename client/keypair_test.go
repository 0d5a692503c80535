package client

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeypair_RoundTrip(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	path := filepath.Join(t.TempDir(), "sub", "id.json")
	if err := WriteKeypair(path, key, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	got, err := ReadKeypair(path)
	if err != nil || !got.Equal(key) {
		t.Fatalf("read back %v, %v", got, err)
	}
	if err := WriteKeypair(path, key, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwrite without force: %v", err)
	}
	if err := WriteKeypair(path, key, true); err != nil {
		t.Fatal(err)
	}
}

// TestParseKeypair_SolanaKeygenVector reads a file as solana-keygen writes
// it: the 64 bytes seed ‖ public key of the all-zero seed.
func TestParseKeypair_SolanaKeygenVector(t *testing.T) {
	const file = "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0," +
		"59,106,39,188,206,182,164,45,98,163,168,208,42,111,13,115,101,50,21,119,29,226,67,166,58,192,72,161,139,89,218,41]"
	key, err := ParseKeypair([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := PubkeyOf(key).String(); got != "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS" {
		t.Fatalf("pubkey %s", got)
	}
	if string(EncodeKeypair(key)) != file {
		t.Fatalf("encoding differs: %s", EncodeKeypair(key))
	}
}

func TestParseKeypair_Rejects(t *testing.T) {
	good := string(EncodeKeypair(ed25519.NewKeyFromSeed(make([]byte, 32))))
	for name, in := range map[string]string{
		"not json":       "hello",
		"object":         `{"a":1}`,
		"short":          "[1,2,3]",
		"byte too large": strings.Replace(good, "[0,", "[256,", 1),
		"negative":       strings.Replace(good, "[0,", "[-1,", 1),
		"wrong public":   strings.Replace(good, ",41]", ",42]", 1),
	} {
		if _, err := ParseKeypair([]byte(in)); !errors.Is(err, ErrKeypairFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseKeypair(f *testing.F) {
	f.Add(EncodeKeypair(ed25519.NewKeyFromSeed(make([]byte, 32))))
	f.Add([]byte("[1,2]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := ParseKeypair(b)
		if err != nil {
			return
		}
		again, err := ParseKeypair(EncodeKeypair(key))
		if err != nil || !again.Equal(key) {
			t.Fatalf("re-encoded keypair does not parse back: %v", err)
		}
	})
}
