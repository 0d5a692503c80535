package api

import (
	"crypto/sha256"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Signing contexts. Each signed value is signed over
// chain context ‖ canonical CBOR of the value, under its own context, so no
// signature is valid on another chain or for another purpose.
const (
	ProposalContext   = "atoll/roothash: proposal"
	CommitmentContext = "atoll/roothash: executor commitment"
	ReceiptContext    = "atoll/roothash: storage receipt"
)

func signedBytes(chainContext []byte, v any) []byte {
	return append(append([]byte(nil), chainContext...), codec.Marshal(v)...)
}

// BatchHash identifies a batch: sha256 of the canonical CBOR list of its
// transactions, in order.
func BatchHash(txs [][]byte) Hash {
	if txs == nil {
		txs = [][]byte{}
	}
	return sha256.Sum256(codec.Marshal(txs))
}

// Proposal is a scheduler's batch for a round, built on the latest
// finalized header. The transactions travel beside it, over the workers'
// transport; BatchHash binds them.
type Proposal struct {
	Namespace    registry.RuntimeID `cbor:"namespace"`
	Round        uint64             `cbor:"round"`
	PreviousHash Hash               `cbor:"previous_hash"`
	BatchHash    Hash               `cbor:"batch_hash"`
}

// SignedProposal is a proposal signed by its scheduler node.
type SignedProposal struct {
	Proposal  Proposal            `cbor:"proposal"`
	Scheduler signature.PublicKey `cbor:"scheduler"`
	Signature signature.Signature `cbor:"signature"`
}

// SignProposal signs p as scheduler.
func SignProposal(s *signature.Signer, chainContext []byte, p Proposal) SignedProposal {
	return SignedProposal{Proposal: p, Scheduler: s.Public(), Signature: s.Sign(ProposalContext, signedBytes(chainContext, &p))}
}

// Verify checks the scheduler's signature.
func (sp *SignedProposal) Verify(chainContext []byte) error {
	return signature.Verify(sp.Scheduler, ProposalContext, signedBytes(chainContext, &sp.Proposal), sp.Signature)
}

// Failure marks a commitment that reports the runtime could not execute the
// batch (it crashed, or the batch was malformed) instead of results.
type Failure uint8

const (
	// NoFailure: the commitment carries results.
	NoFailure Failure = 0
	// FailureUnknown: execution failed for a reason the worker cannot attest.
	FailureUnknown Failure = 1
)

// Commitment is one executor's claim about a round.
type Commitment struct {
	Namespace    registry.RuntimeID `cbor:"namespace"`
	Round        uint64             `cbor:"round"`
	PreviousHash Hash               `cbor:"previous_hash"`
	// Proposal is the scheduler's signed proposal the worker executed.
	Proposal SignedProposal `cbor:"proposal"`
	Failure  Failure        `cbor:"failure"`
	Results  ComputeResults `cbor:"results"`
	// Messages are the runtime messages the batch emitted; their hash is
	// Results.MessagesHash.
	Messages []Message `cbor:"messages"`
	// Receipts prove that storage nodes durably hold both new roots.
	Receipts []SignedReceipt `cbor:"receipts"`
}

// SignedCommitment is a commitment signed by the executor node.
type SignedCommitment struct {
	Commitment Commitment          `cbor:"commitment"`
	Node       signature.PublicKey `cbor:"node"`
	Signature  signature.Signature `cbor:"signature"`
}

// SignCommitment signs c as node.
func SignCommitment(s *signature.Signer, chainContext []byte, c Commitment) SignedCommitment {
	return SignedCommitment{Commitment: c, Node: s.Public(), Signature: s.Sign(CommitmentContext, signedBytes(chainContext, &c))}
}

// Verify checks the executor's signature and that the messages match their
// hash; membership, receipts and the proposal are the roothash's to judge.
func (sc *SignedCommitment) Verify(chainContext []byte) error {
	if err := signature.Verify(sc.Node, CommitmentContext, signedBytes(chainContext, &sc.Commitment), sc.Signature); err != nil {
		return err
	}
	c := &sc.Commitment
	if c.Failure == NoFailure && MessagesHash(c.Messages) != c.Results.MessagesHash {
		return fmt.Errorf("roothash: commitment messages do not match their hash")
	}
	return nil
}

// Receipt is a storage node's statement that it has durably applied a round's
// write logs and holds these roots.
type Receipt struct {
	Namespace registry.RuntimeID `cbor:"namespace"`
	Round     uint64             `cbor:"round"`
	IORoot    Hash               `cbor:"io_root"`
	StateRoot Hash               `cbor:"state_root"`
}

// SignedReceipt is a receipt signed by a storage node.
type SignedReceipt struct {
	Receipt   Receipt             `cbor:"receipt"`
	Node      signature.PublicKey `cbor:"node"`
	Signature signature.Signature `cbor:"signature"`
}

// SignReceipt signs r as a storage node.
func SignReceipt(s *signature.Signer, chainContext []byte, r Receipt) SignedReceipt {
	return SignedReceipt{Receipt: r, Node: s.Public(), Signature: s.Sign(ReceiptContext, signedBytes(chainContext, &r))}
}

// Verify checks the storage node's signature.
func (sr *SignedReceipt) Verify(chainContext []byte) error {
	return signature.Verify(sr.Node, ReceiptContext, signedBytes(chainContext, &sr.Receipt), sr.Signature)
}
