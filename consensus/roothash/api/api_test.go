package api

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/signature"
)

func signer(t *testing.T, seed byte) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHeader_NextAndHash(t *testing.T) {
	g := Header{Round: 0, StateRoot: Hash{1}}
	n := g.Next(ComputeResults{IORoot: Hash{2}, StateRoot: Hash{3}, MessagesHash: MessagesHash(nil)}, 7)
	if n.Round != 1 || n.PreviousHash != g.Hash() || n.Type != Normal || n.Timestamp != 7 {
		t.Fatalf("next header %+v", n)
	}
	e := n.Empty(RoundFailed, 8)
	if e.StateRoot != n.StateRoot || e.IORoot != n.IORoot || e.PreviousHash != n.Hash() || e.Round != 2 {
		t.Fatalf("empty header %+v", e)
	}
	if g.Hash() == n.Hash() || n.Hash() == e.Hash() {
		t.Fatal("distinct headers hash equal")
	}
	var back Header
	if err := codec.Unmarshal(codec.Marshal(&n), &back); err != nil || back != n {
		t.Fatalf("round trip: %v", err)
	}
}

func TestSignatures_BindChainAndPurpose(t *testing.T) {
	s := signer(t, 1)
	chainA, chainB := []byte("chain a"), []byte("chain b")
	p := SignProposal(s, chainA, Proposal{Round: 3, BatchHash: BatchHash([][]byte{{1}})})
	if err := p.Verify(chainA); err != nil {
		t.Fatal(err)
	}
	if p.Verify(chainB) == nil {
		t.Fatal("proposal verified on another chain")
	}
	c := SignCommitment(s, chainA, Commitment{Round: 3, Proposal: p, Results: ComputeResults{MessagesHash: MessagesHash(nil)}})
	if err := c.Verify(chainA); err != nil {
		t.Fatal(err)
	}
	c.Commitment.Results.StateRoot[0] ^= 1
	if c.Verify(chainA) == nil {
		t.Fatal("tampered commitment verified")
	}
	c = SignCommitment(s, chainA, Commitment{Round: 3, Results: ComputeResults{MessagesHash: Hash{9}}})
	if c.Verify(chainA) == nil {
		t.Fatal("commitment with a wrong messages hash verified")
	}
	r := SignReceipt(s, chainA, Receipt{Round: 3})
	if err := r.Verify(chainA); err != nil {
		t.Fatal(err)
	}
	// A receipt's signature is no proposal's.
	forged := SignedProposal{Scheduler: s.Public(), Signature: r.Signature}
	if forged.Verify(chainA) == nil {
		t.Fatal("signature reused across purposes")
	}
}

func FuzzSignedCommitment_Decode(f *testing.F) {
	s, _ := signature.SignerFromSeed(bytes.Repeat([]byte{1}, 32))
	f.Add(codec.Marshal(SignCommitment(s, nil, Commitment{Round: 1, Messages: []Message{{Staking: &StakingMessage{Transfer: &StakingTransfer{Amount: 5}}}}})))
	f.Fuzz(func(t *testing.T, b []byte) {
		var sc SignedCommitment
		if err := codec.Unmarshal(b, &sc); err != nil {
			return
		}
		_ = sc.Verify(nil)
		if !bytes.Equal(codec.Marshal(&sc), b) {
			t.Fatal("a decoded commitment re-encodes differently")
		}
	})
}
