package sigverify

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestVerifyBatch_RepeatSigners: batches whose signers repeat (cached and
// newly expanded keys, valid and invalid ones) get the verdicts single
// verification gives, on first sight, second sight and from the cache.
func TestVerifyBatch_RepeatSigners(t *testing.T) {
	good := signedItems(300)
	var offCurve sol.Pubkey
	for b := byte(2); ; b++ {
		offCurve[0] = b
		if _, err := ed25519.NewExpandedPublicKey(ed25519.PublicKey(offCurve[:])); err != nil {
			break
		}
	}
	var nonCanonical sol.Pubkey
	b, _ := hex.DecodeString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	copy(nonCanonical[:], b)
	bad := []Item{
		{Pubkey: sol.Pubkey{1}, Message: []byte("small order"), Signature: sol.Signature{1}},
		{Pubkey: offCurve, Message: []byte("off curve"), Signature: good[0].Signature},
		{Pubkey: nonCanonical, Message: []byte("non-canonical"), Signature: sol.Signature{1}},
		{Pubkey: good[1].Pubkey, Message: []byte("wrong message"), Signature: good[1].Signature},
	}
	for _, n := range []int{20, 300} { // below and above the library's precomputation threshold
		for round := 0; round < 3; round++ {
			var items []Item
			for i := 0; i < n; i++ {
				items = append(items, good[i%len(good)], good[(i*7)%n])
				if i%50 == 0 {
					items = append(items, bad...)
				}
			}
			got := VerifyBatch(items)
			for i := range items {
				if want := Verify(&items[i]); got[i] != want {
					t.Fatalf("n=%d round %d item %d: %v, single verification %v", n, round, i, got[i], want)
				}
			}
		}
	}
	keys.mu.Lock()
	defer keys.mu.Unlock()
	for _, k := range []sol.Pubkey{offCurve} {
		if keys.expanded[k] != nil || keys.expanded0[k] != nil {
			t.Fatalf("an undecodable key was cached")
		}
	}
	if keys.expanded[good[0].Pubkey] == nil && keys.expanded0[good[0].Pubkey] == nil {
		t.Fatal("a repeat signer's key was not cached")
	}
}

func TestKeyCache_Bounded(t *testing.T) {
	var c keyCache
	// Keys need not be valid to be remembered as seen; about half of
	// these decompress and get expanded on their second sighting.
	items := make([]Item, 3*keyCacheSize+10)
	for i := range items {
		binary.LittleEndian.PutUint64(items[i].Pubkey[:], uint64(i)*2654435761)
	}
	for range 2 {
		c.lookup(items)
	}
	if len(c.seen) > keyCacheSize || len(c.seen0) > keyCacheSize || len(c.expanded) > keyCacheSize || len(c.expanded0) > keyCacheSize {
		t.Fatalf("cache grew to %d+%d seen, %d+%d expanded", len(c.seen), len(c.seen0), len(c.expanded), len(c.expanded0))
	}
}
