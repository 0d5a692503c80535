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
	var chunks [][]byte
	if err := src.ExportCheckpoint(root, 512, func(c []byte) error {
		chunks = append(chunks, c)
		return nil
	}); err != nil {
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

	// Restore into an empty store, in small batches so that finished
	// subtrees really go to disk before the end.
	defer func(n int) { restoreBatchBytes = n }(restoreBatchBytes)
	restoreBatchBytes = 2048
	dst := openTestStore(t, t.TempDir(), Options{})
	defer dst.Close()
	r, err := dst.NewRestorer(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if err := r.AddChunk(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if l, ok := dst.LatestRoot(RootState); !ok || l != root {
		t.Fatalf("latest root after restore %s, want %s", l, root)
	}
	if err := dst.Check(root); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Tree(root)
	if err != nil {
		t.Fatal(err)
	}
	checkTreeMatches(t, got, m)
	// The restored store continues like any other.
	got.Insert([]byte("new"), []byte("x"))
	if _, _, err := got.Commit(root.Version + 1); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.NewRestorer(root); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("restoring into a non-empty store: %v", err)
	}

	// A missing chunk is caught when finishing; what was written is
	// deleted and no root appears.
	partial := openTestStore(t, t.TempDir(), Options{})
	defer partial.Close()
	r, _ = partial.NewRestorer(root)
	for i, c := range chunks {
		if i == 2 {
			continue
		}
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
	if n := countNodes(t, partial); n != 0 {
		t.Fatalf("a failed restore left %d nodes", n)
	}

	// Chunks out of order are refused.
	r, _ = partial.NewRestorer(root)
	if err := r.AddChunk(chunks[1]); err != nil {
		t.Fatal(err)
	}
	if err := r.AddChunk(chunks[0]); !errors.Is(err, ErrMalformedChunk) {
		t.Fatalf("chunk out of order: %v", err)
	}
	if err := r.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := countNodes(t, partial); n != 0 {
		t.Fatalf("an aborted restore left %d nodes", n)
	}

	// The empty tree restores from no chunks.
	empty := openTestStore(t, t.TempDir(), Options{})
	defer empty.Close()
	r, _ = empty.NewRestorer(empty.EmptyRoot(RootIO, 4))
	if err := r.Finish(); err != nil {
		t.Fatal(err)
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
