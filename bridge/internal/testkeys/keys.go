package testkeys

import (
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
)

// Key returns the i-th test key, derived from a fixed seed.
func Key(i int) *secp256k1.PrivateKey {
	seed := keccak.Sum([]byte("atoll bridge test key"), []byte{byte(i), byte(i >> 8)})
	return secp256k1.PrivKeyFromBytes(seed[:])
}

// Addr returns the address of Key(i).
func Addr(i int) update.Address { return update.AddressOf(Key(i).PubKey()) }

// Set returns the updater set of the given keys with threshold t.
func Set(t testing.TB, threshold int, keys ...int) update.UpdaterSet {
	t.Helper()
	var members []update.Address
	for _, k := range keys {
		members = append(members, Addr(k))
	}
	s, err := update.NewUpdaterSet(members, threshold)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Quorum returns u signed by the given keys, in that order.
func Quorum(u update.Update, keys ...int) *update.QuorumUpdate {
	q := &update.QuorumUpdate{Update: u}
	for _, k := range keys {
		q.Signatures = append(q.Signatures, u.Sign(Key(k)))
	}
	return q
}

// HighS returns sig's malleated twin (s → n − s, v flipped): valid ECDSA,
// but refused by update.Signature.Recover.
func HighS(sig update.Signature) update.Signature {
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:64])
	s.Negate()
	b := s.Bytes()
	copy(sig[32:64], b[:])
	sig[64] ^= 27 ^ 28
	return sig
}
