package mkvs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// fuzzTree is the fixed tree fuzzed proofs are checked against.
func fuzzTree() (*Tree, model) {
	rng := rand.New(rand.NewPCG(99, 99))
	tr := NewTree()
	m := model{}
	for i := 0; i < 40; i++ {
		k, v := randKey(rng), randValue(rng)
		tr.Insert(k, v)
		m[string(k)] = string(v)
	}
	return tr, m
}

// FuzzVerifyProof feeds arbitrary proofs and keys to the verifier. It must
// never panic, and whatever it accepts must tell the truth about the tree
// whose root it trusts.
func FuzzVerifyProof(f *testing.F) {
	tr, m := fuzzTree()
	root := tr.Hash()
	for _, keys := range [][][]byte{{[]byte("a")}, {[]byte("ab"), []byte("\xff")}, {[]byte("")}, {[]byte("b\x00")}} {
		p, _ := tr.Prove(keys...)
		f.Add(p, keys[0])
	}
	f.Add([]byte{proofVersion, byte(ProofEmpty)}, []byte("a"))
	f.Fuzz(func(t *testing.T, proof, key []byte) {
		got, err := VerifyProof(root, proof, key)
		if err == nil {
			v, ok := m[string(key)]
			if got[0].Found != ok || string(got[0].Value) != v {
				t.Fatalf("accepted a false answer for %q: %q,%v; truth %q,%v", key, got[0].Value, got[0].Found, v, ok)
			}
		}
		if p, err := DecodeProof(proof, DefaultMaxProofDepth); err == nil {
			if !bytes.Equal(EncodeProof(p), proof) {
				t.Fatalf("decoded proof re-encodes differently")
			}
		} else if !errors.Is(err, ErrMalformedProof) && !errors.Is(err, ErrProofTooDeep) {
			t.Fatalf("decode error without a sentinel: %v", err)
		}
	})
}

// FuzzDecodeWriteLog checks that the write-log decoder never panics, names
// its errors, and accepts only canonical encodings.
func FuzzDecodeWriteLog(f *testing.F) {
	good, _ := WriteLog{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Deleted: true}}.MarshalBinary()
	f.Add(good)
	f.Add([]byte{writeLogVersion, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var wl WriteLog
		if err := wl.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrMalformedLog) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		again, err := wl.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical write log (%v)", err)
		}
		// Whatever decodes must also apply cleanly to a tree.
		if err := NewTree().ApplyWriteLog(wl); err != nil {
			t.Fatalf("decoded log does not apply: %v", err)
		}
	})
}

// FuzzVerifyChunk feeds arbitrary chunks to the checkpoint verifier: it
// must not panic, and every pair it accepts must be in the trusted tree.
func FuzzVerifyChunk(f *testing.F) {
	tr, m := fuzzTree()
	root := tr.Hash()
	it := tr.NewIterator(nil, nil)
	var keys [][]byte
	for it.First(); it.Valid(); it.Next() {
		keys = append(keys, it.Key())
	}
	for i := 0; i+8 <= len(keys); i += 8 {
		p, _ := tr.Prove(keys[i : i+8]...)
		p[0] = chunkFormat
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, chunk []byte) {
		pairs, err := VerifyChunk(root, chunk)
		if err != nil {
			if !errors.Is(err, ErrMalformedChunk) && !errors.Is(err, ErrChunkMismatch) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		for _, p := range pairs {
			if v, ok := m[string(p.Key)]; !ok || v != string(p.Value) {
				t.Fatalf("accepted pair %q=%q not in the tree", p.Key, p.Value)
			}
		}
	})
}
