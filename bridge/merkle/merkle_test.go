package merkle

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/nomadvectors"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

func leafN(i int) keccak.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return keccak.Sum(b[:])
}

func mustHash(t *testing.T, s string) keccak.Hash {
	t.Helper()
	h, err := keccak.ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustPath(t *testing.T, ss []string) (p [Depth]keccak.Hash) {
	t.Helper()
	if len(ss) != Depth {
		t.Fatalf("path has %d nodes", len(ss))
	}
	for i, s := range ss {
		p[i] = mustHash(t, s)
	}
	return p
}

func TestZeroHash(t *testing.T) {
	if !ZeroHash(0).IsZero() {
		t.Fatal("Z[0] must be 0x0")
	}
	want := "0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757"
	if got := EmptyRoot().String(); got != want {
		t.Fatalf("EmptyRoot = %s, want %s", got, want)
	}
	var tr Tree
	var ft FullTree
	if tr.Root() != EmptyRoot() || ft.Root() != EmptyRoot() {
		t.Fatal("empty trees must have root Z_32")
	}
}

func TestTree_Root_vectors(t *testing.T) {
	var cases []nomadvectors.MerkleCase
	nomadvectors.Load(t, "merkle.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var tr Tree
			var ft FullTree
			for _, s := range c.Leaves {
				leaf := keccak.PersonalMessageHash([]byte(s))
				if err := tr.Insert(leaf); err != nil {
					t.Fatal(err)
				}
				if err := ft.Insert(leaf); err != nil {
					t.Fatal(err)
				}
			}
			want := mustHash(t, c.ExpectedRoot)
			if tr.Root() != want || ft.Root() != want {
				t.Fatalf("roots %s / %s, want %s", tr.Root(), ft.Root(), want)
			}
			if len(c.Proofs) != len(c.Leaves) {
				t.Fatalf("%d proofs for %d leaves", len(c.Proofs), len(c.Leaves))
			}
			for _, vp := range c.Proofs {
				p := Proof{Leaf: mustHash(t, vp.Leaf), Index: vp.Index, Path: mustPath(t, vp.Path)}
				if !p.Verify(want) {
					t.Fatalf("vector proof of leaf %d does not verify", vp.Index)
				}
				got, err := ft.Proof(vp.Index)
				if err != nil {
					t.Fatal(err)
				}
				if got != p {
					t.Fatalf("FullTree proof of leaf %d differs from the vector", vp.Index)
				}
			}
		})
	}
}

func TestBranchRoot_vectors(t *testing.T) {
	var pf nomadvectors.ProofFile
	nomadvectors.Load(t, "proof.json", &pf)
	p := Proof{Leaf: mustHash(t, pf.Proof.Leaf), Index: pf.Proof.Index, Path: mustPath(t, pf.Proof.Path)}
	if got := p.Root(); got != mustHash(t, pf.Root) {
		t.Fatalf("proof.json root = %s, want %s", got, pf.Root)
	}

	// proveAndProcess.json's proofRoot is stale upstream: the path is the
	// single-leaf path, so the true root is that of a one-leaf tree.
	var pp []nomadvectors.ProveAndProcess
	nomadvectors.Load(t, "proveAndProcess.json", &pp)
	for _, c := range pp {
		leaf := mustHash(t, c.Leaf)
		path := mustPath(t, c.Path)
		var ft FullTree
		ft.Insert(leaf)
		if got := BranchRoot(leaf, &path, c.Index); got != ft.Root() {
			t.Fatalf("%s: root %s, want %s", c.Comment, got, ft.Root())
		}
	}
}

// TestFullTree_Proof checks the full tree against the incremental one and
// every proof against the root, at sizes around powers of two.
func TestFullTree_Proof(t *testing.T) {
	var tr Tree
	var ft FullTree
	sizes := map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 7: true, 8: true, 9: true, 16: true, 17: true, 31: true, 32: true, 33: true, 100: true}
	for n := 1; n <= 100; n++ {
		leaf := leafN(n)
		tr.Insert(leaf)
		ft.Insert(leaf)
		if !sizes[n] {
			continue
		}
		root := tr.Root()
		if ft.Root() != root {
			t.Fatalf("n=%d: full root %s, incremental %s", n, ft.Root(), root)
		}
		for i := 0; i < n; i++ {
			p, err := ft.Proof(uint32(i))
			if err != nil {
				t.Fatal(err)
			}
			if !p.Verify(root) {
				t.Fatalf("n=%d: proof of %d does not verify", n, i)
			}
			p.Index ^= 1
			if p.Verify(root) {
				t.Fatalf("n=%d: proof of %d verifies at the wrong index", n, i)
			}
		}
	}
	if _, err := ft.Proof(100); !errors.Is(err, ErrIndexTooLarge) {
		t.Fatalf("Proof past the end: %v", err)
	}
}

func TestProof_Verify_rejects(t *testing.T) {
	var ft FullTree
	for i := 0; i < 5; i++ {
		ft.Insert(leafN(i))
	}
	root := ft.Root()
	good, _ := ft.Proof(3)
	tests := []struct {
		name  string
		alter func(p *Proof)
	}{
		{"all-zero proof", func(p *Proof) { *p = Proof{} }},
		{"zero path", func(p *Proof) { p.Path = [Depth]keccak.Hash{} }},
		{"other leaf", func(p *Proof) { p.Leaf = leafN(4) }},
		{"flipped sibling", func(p *Proof) { p.Path[5][0] ^= 1 }},
		{"high index bit", func(p *Proof) { p.Index |= 1 << 31 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.alter(&p)
			if p.Verify(root) {
				t.Fatal("altered proof verified")
			}
			if p.Root().IsZero() {
				t.Fatal("a proof produced the zero root")
			}
		})
	}
}

func TestTree_MarshalBinary(t *testing.T) {
	var tr Tree
	for i := 0; i < 37; i++ {
		tr.Insert(leafN(i))
	}
	b, _ := tr.MarshalBinary()
	var back Tree
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back != tr || back.Root() != tr.Root() {
		t.Fatal("round trip changed the tree")
	}
	if err := back.UnmarshalBinary(b[1:]); !errors.Is(err, ErrEncoding) {
		t.Fatalf("short: %v", err)
	}
	binary.BigEndian.PutUint32(b, MaxLeaves)
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if err := back.Insert(leafN(0)); !errors.Is(err, ErrFull) {
		t.Fatalf("insert into a full tree: %v", err)
	}
}

func TestProof_MarshalBinary(t *testing.T) {
	var ft FullTree
	for i := 0; i < 9; i++ {
		ft.Insert(leafN(i))
	}
	p, _ := ft.Proof(6)
	b, _ := p.MarshalBinary()
	var back Proof
	if err := back.UnmarshalBinary(b); err != nil || back != p {
		t.Fatalf("round trip: %v", err)
	}
	if err := back.UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrEncoding) {
		t.Fatalf("long: %v", err)
	}
}
