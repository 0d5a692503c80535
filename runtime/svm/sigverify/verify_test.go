package sigverify

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func signedItems(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		seed := make([]byte, 32)
		binary.LittleEndian.PutUint64(seed, uint64(i)+1)
		key := ed25519.NewKeyFromSeed(seed)
		msg := binary.LittleEndian.AppendUint64([]byte("message "), uint64(i))
		copy(items[i].Pubkey[:], key.Public().(ed25519.PublicKey))
		items[i].Message = msg
		copy(items[i].Signature[:], ed25519.Sign(key, msg))
	}
	return items
}

func TestVerifyBatch_FindsEachBadSignature(t *testing.T) {
	for _, n := range []int{1, 63, 200, 1000} {
		items := signedItems(n)
		bad := map[int]bool{0: true, n / 2: true, n - 1: true}
		for i := range bad {
			items[i].Signature[5] ^= 1
		}
		got := VerifyBatch(items)
		for i, ok := range got {
			if ok == bad[i] {
				t.Fatalf("n=%d item %d: verdict %v", n, i, ok)
			}
		}
	}
}

func TestVerify_StrictRejections(t *testing.T) {
	good := signedItems(1)[0]
	if !Verify(&good) {
		t.Fatal("a good signature failed")
	}
	// The identity point (small order) as public key with an all-zero-ish
	// signature verifies under lax rules for any message; strict rules refuse it.
	identity := sol.Pubkey{1}
	smallOrderA := Item{Pubkey: identity, Message: []byte("anything")}
	smallOrderA.Signature[0] = 1 // R = identity, S = 0
	if Verify(&smallOrderA) || VerifyBatch([]Item{smallOrderA})[0] {
		t.Fatal("small-order public key and R accepted")
	}
	// S not reduced: add the group order L to S.
	nonCanonicalS := good
	l, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	var carry uint16
	for i := 0; i < 32; i++ {
		sum := uint16(nonCanonicalS.Signature[32+i]) + uint16(l[i]) + carry
		nonCanonicalS.Signature[32+i] = byte(sum)
		carry = sum >> 8
	}
	if Verify(&nonCanonicalS) || VerifyBatch([]Item{nonCanonicalS})[0] {
		t.Fatal("unreduced S accepted")
	}
	// A non-canonical encoding of R: y = p + 1 encodes the identity as well.
	nonCanonicalR := good
	copy(nonCanonicalR.Signature[:32], func() []byte {
		b, _ := hex.DecodeString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
		return b
	}())
	if Verify(&nonCanonicalR) {
		t.Fatal("non-canonical R accepted")
	}
}

// BenchmarkVerifyBatch1000 verifies 1,000 signatures: "distinct" by 1,000
// signers never seen before (the key cache is emptied each time),
// "256-signers" by 256 repeat signers (as atoll bench tps's senders).
func BenchmarkVerifyBatch1000(b *testing.B) {
	b.Run("distinct", func(b *testing.B) {
		items := signedItems(1000)
		for b.Loop() {
			b.StopTimer()
			keys = keyCache{}
			b.StartTimer()
			VerifyBatch(items)
		}
		b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
	b.Run("256-signers", func(b *testing.B) {
		items := repeatSignerItems(1000, 256)
		for b.Loop() {
			VerifyBatch(items)
		}
		b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
}

// repeatSignerItems is n signatures of distinct messages by signers keys.
func repeatSignerItems(n, signers int) []Item {
	keys := make([]ed25519.PrivateKey, signers)
	for i := range keys {
		seed := make([]byte, 32)
		binary.LittleEndian.PutUint64(seed, uint64(i)+1)
		keys[i] = ed25519.NewKeyFromSeed(seed)
	}
	items := make([]Item, n)
	for i := range items {
		key := keys[i%signers]
		msg := binary.LittleEndian.AppendUint64([]byte("message "), uint64(i))
		copy(items[i].Pubkey[:], key.Public().(ed25519.PublicKey))
		items[i].Message = msg
		copy(items[i].Signature[:], ed25519.Sign(key, msg))
	}
	return items
}
