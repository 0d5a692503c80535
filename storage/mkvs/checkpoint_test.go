package mkvs

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestCheckpoint_ExportRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	src := openTestStore(t, t.TempDir(), Options{})
	defer src.Close()
	tr, _ := src.Tree(src.EmptyRoot(RootState, 0))
	m := model{}
	for i := 0; i < 500; i++ {
		k := []byte{byte(rng.IntN(256)), byte(rng.IntN(256)), 'x'}
		v := randValue(rng)
		tr.Insert(k, v)
		m[string(k)] = string(v)
	}
	root, _, err := tr.Commit(7)
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := src.ExportCheckpoint(root, 512)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 4 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	for i, c := range chunks {
		if _, err := VerifyChunk(root.Hash, c); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}

	// Restore in reverse order into an empty store.
	dst := openTestStore(t, t.TempDir(), Options{})
	defer dst.Close()
	r, err := dst.NewRestorer(root)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(chunks) - 1; i >= 0; i-- {
		if err := r.AddChunk(chunks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Tree(root)
	if err != nil {
		t.Fatal(err)
	}
	checkTreeMatches(t, got, m)
	if _, err := dst.NewRestorer(root); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("restoring into a non-empty store: %v", err)
	}

	// A missing chunk is caught when finishing; nothing is committed.
	partial := openTestStore(t, t.TempDir(), Options{})
	defer partial.Close()
	r, _ = partial.NewRestorer(root)
	for _, c := range chunks[1:] {
		if err := r.AddChunk(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(); !errors.Is(err, ErrRootMismatch) {
		t.Fatalf("finish without a chunk: %v", err)
	}
	if _, ok := partial.LatestRoot(RootState); ok {
		t.Fatal("a failed restore committed a root")
	}

	flipped := append([]byte(nil), chunks[1]...)
	flipped[len(flipped)-1] ^= 1
	proof, _ := tr.Prove([]byte("zz"))
	tests := []struct {
		name  string
		root  Hash
		chunk []byte
		want  error
	}{
		{"other root", Hash{1}, chunks[0], ErrChunkMismatch},
		{"flipped value bit", root.Hash, flipped, ErrChunkMismatch},
		{"truncated", root.Hash, chunks[0][:len(chunks[0])-3], ErrMalformedChunk},
		{"trailing", root.Hash, append(append([]byte(nil), chunks[0]...), 1), ErrMalformedChunk},
		{"a proof is not a chunk", root.Hash, proof, ErrMalformedChunk},
		{"no leaves", root.Hash, append([]byte{chunkFormat, byte(ProofStub)}, root.Hash[:]...), ErrMalformedChunk},
		{"empty", root.Hash, nil, ErrMalformedChunk},
	}
	for _, tc := range tests {
		if _, err := VerifyChunk(tc.root, tc.chunk); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
