package mkvs

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func buildTree(t testing.TB, rng *rand.Rand, n int) (*Tree, model) {
	tr := NewTree()
	m := model{}
	for i := 0; i < n; i++ {
		k, v := randKey(rng), randValue(rng)
		if err := tr.Insert(k, v); err != nil {
			t.Fatal(err)
		}
		m[string(k)] = string(v)
	}
	return tr, m
}

func TestProof_RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for round := 0; round < 200; round++ {
		tr, m := buildTree(t, rng, rng.IntN(40))
		var keys [][]byte
		for i := rng.IntN(6); i > 0; i-- {
			keys = append(keys, randKey(rng))
		}
		proof, err := tr.Prove(keys...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyProof(tr.Hash(), proof, keys...)
		if err != nil {
			t.Fatalf("round %d: verify: %v", round, err)
		}
		for i, k := range keys {
			v, ok := m[string(k)]
			if got[i].Found != ok || string(got[i].Value) != v {
				t.Fatalf("key %q: proof says %q,%v; model %q,%v", k, got[i].Value, got[i].Found, v, ok)
			}
		}
		p, err := DecodeProof(proof, DefaultMaxProofDepth)
		if err != nil {
			t.Fatal(err)
		}
		if string(EncodeProof(p)) != string(proof) {
			t.Fatalf("re-encoding differs")
		}
	}
}

func TestProof_Rejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	tr := NewTree()
	for i := 0; i < 64; i++ {
		tr.Insert([]byte{byte(i), 'k'}, randValue(rng))
	}
	root := tr.Hash()
	present, absent := []byte{5, 'k'}, []byte{5, 'x'}
	proof, _ := tr.Prove(present, absent)
	both, _ := tr.Prove(present, []byte{40, 'k'})
	onlyAbsent, _ := tr.Prove(absent)

	// A proof whose path nodes have non-increasing crit bits.
	badBits := EncodeProof(&ProofNode{Kind: ProofInternal, Bit: 5,
		Left:  &ProofNode{Kind: ProofInternal, Bit: 5, Left: &ProofNode{}, Right: &ProofNode{}},
		Right: &ProofNode{}})
	// A value-carrying leaf used only to show absence.
	p, _ := DecodeProof(onlyAbsent, DefaultMaxProofDepth)
	var swapDigest func(n *ProofNode)
	swapDigest = func(n *ProofNode) {
		switch n.Kind {
		case ProofInternal:
			swapDigest(n.Left)
			swapDigest(n.Right)
		case ProofLeafDigest:
			v, _ := tr.Get(n.Key)
			n.Kind, n.Value = ProofLeaf, v
		}
	}
	swapDigest(p)
	fullForAbsence := EncodeProof(p)
	digestOnly, _ := tr.Prove(absent) // digest leaf ≠ present, so asking for its key fails
	var digestKey []byte
	{
		q, _ := DecodeProof(digestOnly, DefaultMaxProofDepth)
		for q.Kind == ProofInternal {
			if bitAt(absent, q.Bit) == 0 {
				q = q.Left
			} else {
				q = q.Right
			}
		}
		digestKey = q.Key
	}

	tests := []struct {
		name  string
		root  Hash
		proof []byte
		keys  [][]byte
		depth int
		want  error
	}{
		{"valid", root, proof, [][]byte{present, absent}, 0, nil},
		{"extra entry", root, both, [][]byte{present}, 0, ErrProofUnused},
		{"full leaf for absence", root, fullForAbsence, [][]byte{absent}, 0, ErrProofUnused},
		{"key not covered", root, proof, [][]byte{present, {40, 'k'}}, 0, ErrProofIncomplete},
		{"digest for asked key", root, digestOnly, [][]byte{absent, digestKey}, 0, ErrProofIncomplete},
		{"root mismatch", Hash{1}, proof, [][]byte{present, absent}, 0, ErrProofMismatch},
		{"too deep", root, proof, [][]byte{present, absent}, 2, ErrProofTooDeep},
		{"truncated", root, proof[:len(proof)-1], [][]byte{present}, 0, ErrMalformedProof},
		{"trailing byte", root, append(append([]byte{}, proof...), 0), [][]byte{present}, 0, ErrMalformedProof},
		{"bad version", root, append([]byte{9}, proof[1:]...), [][]byte{present}, 0, ErrMalformedProof},
		{"bad tag", root, []byte{proofVersion, 7}, nil, 0, ErrMalformedProof},
		{"empty input", root, nil, nil, 0, ErrMalformedProof},
		{"crit bits not increasing", root, badBits, nil, 0, ErrMalformedProof},
		{"empty tree against non-empty root", root, []byte{proofVersion, byte(ProofEmpty)}, [][]byte{present}, 0, ErrProofMismatch},
		{"empty tree", EmptyRoot, []byte{proofVersion, byte(ProofEmpty)}, [][]byte{present}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verifier{MaxDepth: tc.depth}.Verify(tc.root, tc.proof, tc.keys...)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
