package mkvs

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// TestPartialTree_MatchesFullTree changes proven keys in a partial tree and
// in the full tree and requires equal roots: this is how a runtime computes
// its new state root from proofs alone.
func TestPartialTree_MatchesFullTree(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for round := 0; round < 40; round++ {
		full := NewTree()
		n := rng.Intn(300)
		for i := 0; i < n; i++ {
			if err := full.Insert([]byte(fmt.Sprintf("key %05d", rng.Intn(1000))), []byte(fmt.Sprintf("v%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		root := full.Hash()
		var first, second [][]byte
		for i := 0; i < 1+rng.Intn(12); i++ {
			first = append(first, []byte(fmt.Sprintf("key %05d", rng.Intn(1000))))
			second = append(second, []byte(fmt.Sprintf("key %05d", rng.Intn(1000))))
		}
		p1, err := full.Prove(dedup(first)...)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := full.Prove(dedup(second)...)
		if err != nil {
			t.Fatal(err)
		}
		part, err := NewPartialTree(root, p1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if part.Hash() != root {
			t.Fatal("partial tree does not hash to its root")
		}
		if err := part.AddProof(p2, 0); err != nil {
			t.Fatal(err)
		}
		for _, k := range append(dedup(first), dedup(second)...) {
			want, werr := full.Get(k)
			got, gerr := part.Get(k)
			if string(want) != string(got) || errors.Is(werr, ErrNotFound) != errors.Is(gerr, ErrNotFound) {
				t.Fatalf("Get(%s): partial %q/%v, full %q/%v", k, got, gerr, want, werr)
			}
		}
		for _, k := range append(first, second...) {
			var ferr, perr error
			if rng.Intn(3) == 0 {
				ferr, perr = full.Remove(k), part.Remove(k)
			} else {
				v := []byte(fmt.Sprintf("new %d", rng.Intn(100)))
				ferr, perr = full.Insert(k, v), part.Insert(k, v)
			}
			if ferr != nil || perr != nil {
				t.Fatalf("round %d: change of %s: %v / %v", round, k, ferr, perr)
			}
		}
		if full.Hash() != part.Hash() {
			t.Fatalf("round %d: partial root %s, full root %s", round, part.Hash(), full.Hash())
		}
	}
}

func dedup(keys [][]byte) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, k := range keys {
		if !seen[string(k)] {
			seen[string(k)] = true
			out = append(out, k)
		}
	}
	return out
}

func TestPartialTree_RefusesUnprovenKeys(t *testing.T) {
	full := NewTree()
	for i := 0; i < 100; i++ {
		_ = full.Insert([]byte(fmt.Sprintf("key %03d", i)), []byte("v"))
	}
	proof, _ := full.Prove([]byte("key 010"))
	part, err := NewPartialTree(full.Hash(), proof, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Get([]byte("key 077")); !errors.Is(err, ErrNotInProof) {
		t.Fatalf("Get outside the proof: %v", err)
	}
	if err := part.Insert([]byte("key 077"), []byte("x")); !errors.Is(err, ErrNotInProof) {
		t.Fatalf("Insert outside the proof: %v", err)
	}
	if _, err := NewPartialTree(Hash{1}, proof, 0); !errors.Is(err, ErrProofMismatch) {
		t.Fatalf("wrong root accepted: %v", err)
	}
	other := NewTree()
	_ = other.Insert([]byte("key 010"), []byte("w"))
	foreign, _ := other.Prove([]byte("key 010"))
	if err := part.AddProof(foreign, 0); !errors.Is(err, ErrProofMismatch) {
		t.Fatalf("proof of another tree grafted: %v", err)
	}
}

func TestPartialTree_Empty(t *testing.T) {
	empty := NewTree()
	proof, err := empty.Prove([]byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	part, err := NewPartialTree(EmptyRoot, proof, 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = part.Insert([]byte("a"), []byte("1"))
	_ = empty.Insert([]byte("a"), []byte("1"))
	if part.Hash() != empty.Hash() {
		t.Fatal("insert into an empty partial tree")
	}
}

// FuzzPartialTree builds partial trees from arbitrary proofs and changes
// arbitrary keys: errors are fine, panics are not.
func FuzzPartialTree(f *testing.F) {
	full := NewTree()
	for i := 0; i < 20; i++ {
		_ = full.Insert([]byte{byte(i), 1}, []byte{byte(i)})
	}
	p, _ := full.Prove([]byte{3, 1}, []byte{9, 9})
	f.Add(p, []byte{3, 1})
	f.Fuzz(func(t *testing.T, proof, key []byte) {
		dp, err := DecodeProof(proof, 0)
		if err != nil {
			return
		}
		part, err := NewPartialTree(dp.hash(), proof, 0)
		if err != nil {
			t.Fatalf("a decodable proof of its own root was refused: %v", err)
		}
		_, _ = part.Get(key)
		_ = part.Insert(key, []byte("v"))
		_ = part.Remove(append(key, 0))
		_ = part.Hash()
		_ = part.AddProof(proof, 0)
	})
}
