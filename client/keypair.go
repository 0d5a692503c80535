package client

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// ErrKeypairFile wraps every problem with a keypair file's contents.
var ErrKeypairFile = errors.New("client: malformed keypair file")

// ReadKeypair reads a solana-keygen keypair file: a JSON array of the 64
// bytes seed ‖ public key. A file whose public half does not match its seed
// is refused.
func ReadKeypair(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKeypair(b)
}

// ParseKeypair decodes a keypair file's contents.
func ParseKeypair(b []byte) (ed25519.PrivateKey, error) {
	var ints []int
	if err := json.Unmarshal(b, &ints); err != nil {
		return nil, fmt.Errorf("%w: not a JSON array of bytes: %v", ErrKeypairFile, err)
	}
	if len(ints) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrKeypairFile, len(ints), ed25519.PrivateKeySize)
	}
	raw := make([]byte, len(ints))
	for i, v := range ints {
		if v < 0 || v > 255 {
			return nil, fmt.Errorf("%w: byte %d is %d", ErrKeypairFile, i, v)
		}
		raw[i] = byte(v)
	}
	key := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
	if string(key[ed25519.SeedSize:]) != string(raw[ed25519.SeedSize:]) {
		return nil, fmt.Errorf("%w: the public key does not belong to the secret key", ErrKeypairFile)
	}
	return key, nil
}

// EncodeKeypair renders key in solana-keygen's format.
func EncodeKeypair(key ed25519.PrivateKey) []byte {
	ints := make([]int, len(key))
	for i, v := range key {
		ints[i] = int(v)
	}
	b, _ := json.Marshal(ints)
	return b
}

// WriteKeypair writes key to path with mode 0600, creating parent
// directories. It refuses to overwrite an existing file unless force.
func WriteKeypair(path string, key ed25519.PrivateKey, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("client: %s exists; pass --force to overwrite it", path)
		}
		return err
	}
	if _, err := f.Write(EncodeKeypair(key)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PubkeyOf is key's address.
func PubkeyOf(key ed25519.PrivateKey) sol.Pubkey {
	var k sol.Pubkey
	copy(k[:], key.Public().(ed25519.PublicKey))
	return k
}
