package update

import (
	"errors"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/internal/nomadvectors"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

// testKey derives a deterministic key so that tests never depend on randomness.
func testKey(i int) *secp256k1.PrivateKey {
	seed := keccak.Sum([]byte("atoll bridge test updater"), []byte{byte(i)})
	return secp256k1.PrivKeyFromBytes(seed[:])
}

func testAddr(i int) Address { return AddressOf(testKey(i).PubKey()) }

func mustSet(t *testing.T, threshold int, keys ...int) UpdaterSet {
	t.Helper()
	var members []Address
	for _, k := range keys {
		members = append(members, testAddr(k))
	}
	s, err := NewUpdaterSet(members, threshold)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quorum(u Update, keys ...int) QuorumUpdate {
	q := QuorumUpdate{Update: u}
	for _, k := range keys {
		q.Signatures = append(q.Signatures, u.Sign(testKey(k)))
	}
	return q
}

func sampleUpdate() Update {
	return Update{HomeDomain: 1000, OldRoot: keccak.Sum([]byte("old")), NewRoot: keccak.Sum([]byte("new"))}
}

// highS returns the same signature with s replaced by n - s and v flipped,
// which secp256k1 also verifies: the malleated twin that must be refused.
func highS(sig Signature) Signature {
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:64])
	s.Negate()
	b := s.Bytes()
	copy(sig[32:64], b[:])
	sig[64] ^= 27 ^ 28
	return sig
}

func parseSig(t *testing.T, v nomadvectors.Signature) Signature {
	t.Helper()
	var r, s [32]byte
	if err := keccak.DecodeHex(v.R, r[:]); err != nil {
		t.Fatal(err)
	}
	if err := keccak.DecodeHex(v.S, s[:]); err != nil {
		t.Fatal(err)
	}
	return NewSignature(r, s, v.V)
}

func TestHomeDomainHash_vectors(t *testing.T) {
	var cases []nomadvectors.HomeDomainHash
	nomadvectors.Load(t, "homeDomainHash.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		if got := HomeDomainHash(c.HomeDomain).String(); got != c.Expected {
			t.Fatalf("HomeDomainHash(%d) = %s, want %s", c.HomeDomain, got, c.Expected)
		}
	}
}

func TestSignedUpdate_Signer_vectors(t *testing.T) {
	var cases []nomadvectors.SignedUpdate
	nomadvectors.Load(t, "signedUpdate.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		old, _ := keccak.ParseHash(c.OldRoot)
		nw, _ := keccak.ParseHash(c.NewRoot)
		su := SignedUpdate{Update{c.HomeDomain, old, nw}, parseSig(t, c.Signature)}
		got, err := su.Signer()
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.Signer {
			t.Fatalf("signer = %s, want %s", got, c.Signer)
		}
		// A Nomad single-updater update is a quorum update of a 1-of-1 set.
		set, err := NewUpdaterSet([]Address{got}, 1)
		if err != nil {
			t.Fatal(err)
		}
		q := QuorumUpdate{Update: su.Update, Signatures: []Signature{su.Signature}}
		if _, err := set.Verify(&q); err != nil {
			t.Fatalf("1-of-1 quorum: %v", err)
		}
		if _, err := highS(su.Signature).Recover(su.Digest()); !errors.Is(err, ErrHighS) {
			t.Fatalf("malleated vector signature: %v", err)
		}
	}
}

func TestSignedFailure_Signer_vectors(t *testing.T) {
	var cases []nomadvectors.SignedFailure
	nomadvectors.Load(t, "signedFailure.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		updater, err := ParseAddress(c.Updater)
		if err != nil {
			t.Fatal(err)
		}
		sf := SignedFailure{FailureNotification{c.Domain, updater.Bytes32()}, parseSig(t, c.Signature)}
		got, err := sf.Signer()
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.Signer {
			t.Fatalf("signer = %s, want %s", got, c.Signer)
		}
	}
}

func TestSignature_Recover(t *testing.T) {
	u := sampleUpdate()
	good := u.Sign(testKey(1))
	tests := []struct {
		name    string
		sig     Signature
		want    Address
		wantErr error
	}{
		{"valid", good, testAddr(1), nil},
		{"high s", highS(good), Address{}, ErrHighS},
		{"v = 0", func() Signature { s := good; s[64] = 0; return s }(), Address{}, ErrRecoveryID},
		{"v = 29", func() Signature { s := good; s[64] = 29; return s }(), Address{}, ErrRecoveryID},
		{"zero", Signature{0: 0, 64: 27}, Address{}, ErrSignature},
		{"s = n", func() Signature {
			s := good
			n, _ := keccak.ParseHash("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
			copy(s[32:64], n[:])
			return s
		}(), Address{}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sig.Recover(u.Digest())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("signer = %s, want %s", got, tt.want)
			}
		})
	}
	// A signature over one update names some other address for another.
	other := u
	other.NewRoot[0] ^= 1
	if a, err := good.Recover(other.Digest()); err == nil && a == testAddr(1) {
		t.Fatal("signature transferred to a different update")
	}
}

func TestUpdaterSet_Verify(t *testing.T) {
	set := mustSet(t, 3, 1, 2, 3, 4, 5) // 3 of 5
	u := sampleUpdate()
	tests := []struct {
		name    string
		q       QuorumUpdate
		wantErr error
	}{
		{"exact threshold", quorum(u, 1, 2, 3), nil},
		{"all members", quorum(u, 5, 4, 3, 2, 1), nil},
		{"short by one", quorum(u, 1, 2), ErrQuorum},
		{"duplicated signer", quorum(u, 1, 2, 2), ErrDuplicateSigner},
		{"non-member signer", quorum(u, 1, 2, 9), ErrNotMember},
		{"no signatures", QuorumUpdate{Update: u}, ErrNoSignatures},
		{"high-s signature", func() QuorumUpdate {
			q := quorum(u, 1, 2, 3)
			q.Signatures[2] = highS(q.Signatures[2])
			return q
		}(), ErrHighS},
		{"signature of another update", func() QuorumUpdate {
			q := quorum(u, 1, 2)
			o := u
			o.NewRoot = keccak.Sum([]byte("other"))
			q.Signatures = append(q.Signatures, o.Sign(testKey(3)))
			return q
		}(), ErrNotMember},
		{"wrong domain", func() QuorumUpdate {
			o := u
			o.HomeDomain = 2000
			q := quorum(o, 1, 2, 3)
			q.HomeDomain = 1000
			return q
		}(), ErrNotMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signers, err := set.Verify(&tt.q)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(signers) != len(tt.q.Signatures) {
				t.Fatalf("%d signers for %d signatures", len(signers), len(tt.q.Signatures))
			}
		})
	}
}

func TestUpdaterSet_Attest(t *testing.T) {
	set := mustSet(t, 2, 1, 2, 3)
	q := quorum(sampleUpdate(), 2)
	signers, err := set.Attest(&q)
	if err != nil || len(signers) != 1 || signers[0] != testAddr(2) {
		t.Fatalf("Attest = %v, %v", signers, err)
	}
	if _, err := set.Verify(&q); !errors.Is(err, ErrQuorum) {
		t.Fatalf("Verify of one of two: %v", err)
	}
}

func TestNewUpdaterSet(t *testing.T) {
	a := []Address{testAddr(1), testAddr(2), testAddr(3), testAddr(4)}
	tests := []struct {
		name      string
		members   []Address
		threshold int
		wantErr   error
	}{
		{"1 of 1", a[:1], 1, nil},
		{"2 of 3", a[:3], 2, nil},
		{"3 of 4", a, 3, nil},
		{"2 of 4 is no majority", a, 2, ErrUpdaterSet},
		{"1 of 2 is no majority", a[:2], 1, ErrUpdaterSet},
		{"threshold above n", a[:2], 3, ErrUpdaterSet},
		{"zero threshold", a[:1], 0, ErrUpdaterSet},
		{"empty", nil, 1, ErrUpdaterSet},
		{"duplicate member", []Address{a[0], a[1], a[0]}, 2, ErrUpdaterSet},
		{"too many", make([]Address, MaxUpdaters+1), MaxUpdaters, ErrUpdaterSet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewUpdaterSet(tt.members, tt.threshold)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			for _, m := range tt.members {
				if !s.Contains(m) {
					t.Fatalf("missing %s", m)
				}
			}
			if s.Contains(testAddr(99)) {
				t.Fatal("contains a stranger")
			}
		})
	}
}

func TestUpdaterSet_MarshalBinary(t *testing.T) {
	set := mustSet(t, 2, 3, 1, 2)
	b, err := set.MarshalBinary()
	if err != nil || len(b) != set.Size() {
		t.Fatalf("MarshalBinary: %d bytes, %v", len(b), err)
	}
	var back UpdaterSet
	if err := back.UnmarshalBinary(b); err != nil || !back.Equal(set) {
		t.Fatalf("round trip: %v", err)
	}
	swapped := append([]byte{}, b...)
	copy(swapped[2:22], b[22:42])
	copy(swapped[22:42], b[2:22])
	if err := back.UnmarshalBinary(swapped); !errors.Is(err, ErrEncoding) {
		t.Fatalf("unsorted members: %v", err)
	}
	if err := back.UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrEncoding) {
		t.Fatalf("trailing byte: %v", err)
	}
}

func TestQuorumUpdate_MarshalBinary(t *testing.T) {
	q := quorum(sampleUpdate(), 1, 2, 3)
	b, err := q.MarshalBinary()
	if err != nil || len(b) != q.Size() {
		t.Fatalf("MarshalBinary: %d bytes, %v", len(b), err)
	}
	var back QuorumUpdate
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back.Update != q.Update || len(back.Signatures) != 3 || back.Signatures[2] != q.Signatures[2] {
		t.Fatal("round trip changed the update")
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(b, 0), b[:UpdateSize]} {
		if err := back.UnmarshalBinary(bad); !errors.Is(err, ErrEncoding) {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
	if _, err := (&QuorumUpdate{Update: q.Update}).MarshalBinary(); !errors.Is(err, ErrEncoding) {
		t.Fatalf("encoding no signatures: %v", err)
	}
}

func TestSignedUpdate_MarshalBinary(t *testing.T) {
	u := sampleUpdate()
	su := SignedUpdate{u, u.Sign(testKey(4))}
	b, _ := su.MarshalBinary()
	var back SignedUpdate
	if err := back.UnmarshalBinary(b); err != nil || back != su {
		t.Fatalf("round trip: %v", err)
	}
	if a, err := back.Signer(); err != nil || a != testAddr(4) {
		t.Fatalf("signer %s, %v", a, err)
	}
	if err := back.UnmarshalBinary(b[1:]); !errors.Is(err, ErrEncoding) {
		t.Fatalf("short: %v", err)
	}
}

func TestSignedFailure_MarshalBinary(t *testing.T) {
	f := FailureNotification{HomeDomain: 1000, Updater: testAddr(1).Bytes32()}
	sf := SignedFailure{f, f.Sign(testKey(7))}
	b, _ := sf.MarshalBinary()
	var back SignedFailure
	if err := back.UnmarshalBinary(b); err != nil || back != sf {
		t.Fatalf("round trip: %v", err)
	}
	if a, err := back.Signer(); err != nil || a != testAddr(7) {
		t.Fatalf("signer %s, %v", a, err)
	}
	if err := back.UnmarshalBinary(b[2:]); !errors.Is(err, ErrEncoding) {
		t.Fatalf("short: %v", err)
	}
}

func TestAddressFromBytes32(t *testing.T) {
	a := testAddr(1)
	if back, err := AddressFromBytes32(a.Bytes32()); err != nil || back != a {
		t.Fatalf("round trip: %v", err)
	}
	h := a.Bytes32()
	h[0] = 1
	if _, err := AddressFromBytes32(h); !errors.Is(err, ErrEncoding) {
		t.Fatalf("dirty padding: %v", err)
	}
}

func TestIntersect(t *testing.T) {
	a := []Address{testAddr(1), testAddr(2), testAddr(3)}
	b := []Address{testAddr(3), testAddr(4), testAddr(1)}
	got := Intersect(a, b)
	if len(got) != 2 || got[0] != testAddr(1) || got[1] != testAddr(3) {
		t.Fatalf("Intersect = %v", got)
	}
}
