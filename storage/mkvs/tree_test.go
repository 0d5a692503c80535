package mkvs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestTree_Differential(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		tr := NewTree()
		m := model{}
		for op := 0; op < 400; op++ {
			k := randKey(rng)
			switch rng.IntN(10) {
			case 0, 1, 2, 3, 4:
				v := randValue(rng)
				if err := tr.Insert(k, v); err != nil {
					t.Fatal(err)
				}
				m[string(k)] = string(v)
			case 5, 6, 7:
				if err := tr.Remove(k); err != nil {
					t.Fatal(err)
				}
				delete(m, string(k))
			case 8:
				v, err := tr.Get(k)
				want, ok := m[string(k)]
				if ok != (err == nil) || (ok && string(v) != want) {
					t.Fatalf("seed %d: Get(%q) = %q, %v; model %q, %v", seed, k, v, err, want, ok)
				}
				if !ok && !errors.Is(err, ErrNotFound) {
					t.Fatalf("Get of absent key: %v", err)
				}
			case 9:
				checkTreeMatches(t, tr, m)
			}
		}
		checkTreeMatches(t, tr, m)
	}
}

// The root depends only on the final set of pairs: any insertion order,
// and any detour through keys that are later removed or values later
// overwritten, gives the same hash.
func TestTree_OrderIndependence(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		m := model{}
		for i := rng.IntN(60); i > 0; i-- {
			m[string(randKey(rng))] = string(randValue(rng))
		}
		keys := m.sortedKeys()
		var first Hash
		for round := 0; round < 4; round++ {
			tr := NewTree()
			rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			var noise [][]byte
			for _, k := range keys {
				if rng.IntN(3) == 0 {
					nk := randKey(rng)
					if _, ok := m[string(nk)]; !ok {
						noise = append(noise, nk)
						if err := tr.Insert(nk, randValue(rng)); err != nil {
							t.Fatal(err)
						}
					}
				}
				if rng.IntN(4) == 0 {
					if err := tr.Insert([]byte(k), randValue(rng)); err != nil {
						t.Fatal(err)
					}
					if rng.IntN(2) == 0 {
						_ = tr.Hash() // hashing midway must not matter either
					}
				}
				if err := tr.Insert([]byte(k), []byte(m[k])); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range noise {
				if err := tr.Remove(k); err != nil {
					t.Fatal(err)
				}
			}
			h := tr.Hash()
			if round == 0 {
				first = h
				if h != m.refRoot() {
					t.Fatalf("seed %d: root %s, reference %s", seed, h, m.refRoot())
				}
			} else if h != first {
				t.Fatalf("seed %d: order %d gives %s, first order gave %s", seed, round, h, first)
			}
		}
	}
}

func TestTree_EmptyRoot(t *testing.T) {
	tr := NewTree()
	if tr.Hash() != EmptyRoot {
		t.Fatalf("empty tree hash %s", tr.Hash())
	}
	if err := tr.Insert([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Remove([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if tr.Hash() != EmptyRoot {
		t.Fatalf("emptied tree hash %s", tr.Hash())
	}
}

// Pinned hashes, also computed independently from the layout in hash.go
// with Python's hashlib. Changing the node layout or hash function changes them,
// which must be a deliberate, documented format change.
func TestTree_KnownRoots(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"empty", nil, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"},
		{"one", []string{"key", "value"}, "56f5d684fca23907632050af7da0232f6029ba25b8d3ebd453d58cf0d030f27c"},
		{"prefix", []string{"a", "1", "ab", "2", "", "3"}, "f1099633b161d274ffa1a8734ccccba8fceaa05773da0cdbcd9e6db66b66fa14"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTree()
			for i := 0; i < len(tc.pairs); i += 2 {
				if err := tr.Insert([]byte(tc.pairs[i]), []byte(tc.pairs[i+1])); err != nil {
					t.Fatal(err)
				}
			}
			if got := tr.Hash().String(); got != tc.want {
				t.Errorf("root %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTree_Limits(t *testing.T) {
	tr := NewTree()
	if err := tr.Insert(make([]byte, MaxKeySize+1), nil); !errors.Is(err, ErrKeyTooLarge) {
		t.Fatalf("oversized key: %v", err)
	}
	if err := tr.Insert(make([]byte, MaxKeySize), nil); err != nil {
		t.Fatalf("largest key: %v", err)
	}
	if err := tr.Remove(make([]byte, MaxKeySize+1)); !errors.Is(err, ErrKeyTooLarge) {
		t.Fatalf("oversized key remove: %v", err)
	}
}

func TestIterator_Bounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := 0; round < 30; round++ {
		tr := NewTree()
		m := model{}
		for i := rng.IntN(50); i > 0; i-- {
			k, v := randKey(rng), randValue(rng)
			m[string(k)] = string(v)
			if err := tr.Insert(k, v); err != nil {
				t.Fatal(err)
			}
		}
		keys := m.sortedKeys()
		for q := 0; q < 30; q++ {
			lo, hi := randKey(rng), randKey(rng)
			var loB, hiB []byte
			if rng.IntN(4) > 0 {
				loB = lo
			}
			if rng.IntN(4) > 0 {
				hiB = hi
			}
			var want []string
			for _, k := range keys {
				if (loB == nil || k >= string(loB)) && (hiB == nil || k < string(hiB)) {
					want = append(want, k)
				}
			}
			var got []string
			it := tr.NewIterator(loB, hiB)
			for it.First(); it.Valid(); it.Next() {
				got = append(got, string(it.Key()))
			}
			if it.Err() != nil || !equalStrings(got, want) {
				t.Fatalf("range [%q,%q): got %q want %q (err %v)", loB, hiB, got, want, it.Err())
			}
			// Prefix iteration.
			p := randKey(rng)
			want = want[:0]
			for _, k := range keys {
				if bytes.HasPrefix([]byte(k), p) {
					want = append(want, k)
				}
			}
			got = got[:0]
			it = tr.NewPrefixIterator(p)
			for it.First(); it.Valid(); it.Next() {
				got = append(got, string(it.Key()))
			}
			if !equalStrings(got, want) {
				t.Fatalf("prefix %q: got %q want %q", p, got, want)
			}
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
