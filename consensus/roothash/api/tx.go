package api

import (
	"github.com/atoll-dev/atoll/consensus/registry"
)

// Consensus transaction methods of the roothash service.
const (
	MethodExecutorCommit  = "roothash.ExecutorCommit"
	MethodSubmitIncoming  = "roothash.SubmitIncoming"
	MethodChallenge       = "roothash.ChallengeReceipt"
	MethodAnswerChallenge = "roothash.AnswerChallenge"
)

// MaxCommitmentsPerTx bounds the commitments one ExecutorCommit carries.
const MaxCommitmentsPerTx = 64

// ExecutorCommitBody is the body of roothash.ExecutorCommit. Commitments
// are self-authenticating, so any account may relay them (it pays the fee).
// Each is judged on its own: the transaction succeeds if at least one is
// accepted, and reports the rest in roothash.commitment_rejected events.
type ExecutorCommitBody struct {
	Runtime     registry.RuntimeID `cbor:"runtime"`
	Commitments []SignedCommitment `cbor:"commitments"`
}

// SubmitIncomingBody is the body of roothash.SubmitIncoming: the signer
// pays Amount into the runtime's staking account and queues an
// IncomingMessage crediting Recipient inside the runtime.
type SubmitIncomingBody struct {
	Runtime   registry.RuntimeID `cbor:"runtime"`
	Amount    uint64             `cbor:"amount"`
	Recipient [32]byte           `cbor:"recipient"`
}

// RootKind selects one of a receipt's two roots.
type RootKind uint8

const (
	// StateRootKind is the runtime state tree.
	StateRootKind RootKind = 0
	// IORootKind is the round's input/output tree.
	IORootKind RootKind = 1
)

// MaxChallengeKeySize bounds a challenged key.
const MaxChallengeKeySize = 1024

// ChallengeBody is the body of roothash.ChallengeReceipt: the signer bonds
// the challenge bond and asks the receipt's signer to prove, within the
// challenge window, that it can serve Key under the receipt's Root.
type ChallengeBody struct {
	Receipt SignedReceipt `cbor:"receipt"`
	Root    RootKind      `cbor:"root"`
	Key     []byte        `cbor:"key"`
}

// AnswerChallengeBody is the body of roothash.AnswerChallenge: an MKVS
// proof (storage/mkvs proof encoding) that answers the challenged key under
// the challenged root. Any account may relay it.
type AnswerChallengeBody struct {
	ID    uint64 `cbor:"id"`
	Proof []byte `cbor:"proof"`
}
