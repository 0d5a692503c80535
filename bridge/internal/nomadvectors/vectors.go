package nomadvectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the vectors directory: ../shared/vectors/nomad relative to the
// repository root, which is the nearest ancestor of the working directory that
// holds go.mod. A missing directory fails the test: vectors are mandatory.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("nomadvectors: working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			v := filepath.Join(dir, "..", "shared", "vectors", "nomad")
			if _, err := os.Stat(v); err != nil {
				t.Fatalf("nomadvectors: vectors not found beside the checkout: %v", err)
			}
			return v
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("nomadvectors: no go.mod above %s", wd)
		}
	}
}

// Load decodes the named vector file into out.
func Load(t testing.TB, name string, out any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("nomadvectors: %v", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("nomadvectors: decoding %s: %v", name, err)
	}
}

// Message is one entry of message.json.
type Message struct {
	Origin      uint32 `json:"origin"`
	Sender      string `json:"sender"`
	Nonce       uint32 `json:"nonce"`
	Destination uint32 `json:"destination"`
	Recipient   string `json:"recipient"`
	Body        []int  `json:"body"`
	MessageHash string `json:"messageHash"`
}

// DestinationNonce is one entry of destinationNonce.json.
type DestinationNonce struct {
	Destination uint32 `json:"destination"`
	Nonce       uint32 `json:"nonce"`
	Expected    uint64 `json:"expectedDestinationAndNonce"`
}

// HomeDomainHash is one entry of homeDomainHash.json.
type HomeDomainHash struct {
	HomeDomain uint32 `json:"homeDomain"`
	Expected   string `json:"expectedDomainHash"`
}

// Proof is a leaf, its index and the 32 sibling hashes from leaf to root.
type Proof struct {
	Leaf  string   `json:"leaf"`
	Index uint32   `json:"index"`
	Path  []string `json:"path"`
}

// MerkleCase is one entry of merkle.json. Leaves are strings whose EIP-191
// personal-message hashes are the tree's leaves.
type MerkleCase struct {
	Name         string   `json:"testName"`
	ExpectedRoot string   `json:"expectedRoot"`
	Leaves       []string `json:"leaves"`
	Proofs       []Proof  `json:"proofs"`
}

// ProofFile is proof.json.
type ProofFile struct {
	Proof Proof  `json:"proof"`
	Root  string `json:"root"`
}

// ProveAndProcess is one entry of proveAndProcess.json. ProofRoot is stale
// upstream; recompute the root from Leaf, Path and Index.
type ProveAndProcess struct {
	Comment   string   `json:"comment"`
	Message   string   `json:"message"`
	ProofRoot string   `json:"proofRoot"`
	Leaf      string   `json:"leaf"`
	Index     uint32   `json:"index"`
	Path      []string `json:"path"`
}

// Signature is an r, s, v triple as Ethereum tooling prints it.
type Signature struct {
	R string `json:"r"`
	S string `json:"s"`
	V byte   `json:"v"`
}

// SignedUpdate is one entry of signedUpdate.json.
type SignedUpdate struct {
	HomeDomain uint32    `json:"homeDomain"`
	OldRoot    string    `json:"oldRoot"`
	NewRoot    string    `json:"newRoot"`
	Signature  Signature `json:"signature"`
	Signer     string    `json:"signer"`
}

// SignedFailure is one entry of signedFailure.json.
type SignedFailure struct {
	Domain    uint32    `json:"domain"`
	Updater   string    `json:"updater"`
	Signature Signature `json:"signature"`
	Signer    string    `json:"signer"`
}
