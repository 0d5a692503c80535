package rpc

import (
	"errors"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Backend is what the RPC server needs from a node. It is the contract the
// replicated node implements; rpc/devbank implements it for one process.
//
// Every method is safe for concurrent use and must not block on slot
// production for longer than it takes to read consistent state. Returned
// values are owned by the caller: a Backend never modifies a slice or account
// after returning it. Errors are either one of the sentinels below (the
// server maps each to Agave's code) or *PreflightError /
// *SignatureVerificationError; any other error is reported as an internal
// error.
//
// Slots and commitment: a slot is a runtime round. Processed is the newest
// round executed by this node's view of the scheduler; Confirmed is the newest
// round its committee agreed on; Finalized is the newest round the consensus
// layer finalized. For every backend Finalized <= Confirmed <= Processed, and
// each only grows. Slots advance even when no transaction arrives. Block
// height counts blocks from genesis (0); every slot of atoll produces a
// block, so in practice height equals slot, but callers must not rely on it.
//
// rpc/backendtest checks these properties through the interface alone;
// every implementation runs it.
type Backend interface {
	// Slot is the newest slot at commitment c.
	Slot(c Commitment) uint64
	// BlockHeight is the height of the block at Slot(c).
	BlockHeight(c Commitment) uint64
	// LatestBlockhash is the blockhash of the block at Slot(c). A
	// transaction naming it lands if it executes at a block height no greater
	// than LastValidBlockHeight, which is the block's height plus
	// svm.MaxRecentBlockhashes (150).
	LatestBlockhash(c Commitment) BlockhashInfo
	// IsBlockhashValid reports whether h may still be named by a transaction
	// executed after Slot(c); the slot returned is that context slot.
	IsBlockhashValid(h sol.Hash, c Commitment) (valid bool, slot uint64)

	// Accounts returns the accounts at keys as of Slot(c), nil where none
	// exists, and that context slot. Accounts with zero lamports do not
	// exist.
	Accounts(keys []sol.Pubkey, c Commitment) (accts []*sol.Account, slot uint64, err error)
	// ProgramAccounts returns every account owned by program as of Slot(c) for
	// which keep returns true (keep may be nil), in ascending key order.
	// keep must not retain or modify the account it is given.
	ProgramAccounts(program sol.Pubkey, c Commitment, keep func(*sol.Account) bool) ([]KeyedAccount, uint64, error)

	// SendTransaction queues a wire-format transaction for execution and
	// returns its signature. It refuses a transaction that does not decode
	// (ErrInvalidTransaction) or whose signatures do not verify
	// (*SignatureVerificationError). Unless opts.SkipPreflight, it first
	// simulates at opts.PreflightCommitment and refuses a failing
	// transaction with *PreflightError. Submitting a transaction that is
	// already queued or executed is not an error and returns its signature.
	SendTransaction(raw []byte, opts SendOptions) (sol.Signature, error)
	// Simulate executes a wire-format transaction against the state at
	// opts.Commitment without committing anything. With SigVerify false the
	// signatures are not checked (so unsigned transactions simulate); with
	// ReplaceRecentBlockhash the blockhash is replaced by the latest one
	// first (and SigVerify must be false: ErrInvalidParams otherwise).
	Simulate(raw []byte, opts SimulateOptions) (*SimulateResult, error)
	// FeeForMessage is the fee a wire-format message would pay when executed
	// after Slot(c); ok is false when its blockhash is no longer valid.
	FeeForMessage(message []byte, c Commitment) (fee uint64, ok bool, slot uint64, err error)

	// SignatureStatuses returns, for each signature, its status or nil when
	// the node knows nothing of it, and the context slot (processed).
	// searchHistory extends the search beyond the recent status cache to the
	// whole ledger the node keeps.
	SignatureStatuses(sigs []sol.Signature, searchHistory bool) ([]*SignatureStatus, uint64, error)
	// Transaction returns an executed transaction whose block has reached
	// commitment c (which is never Processed for this call), or nil.
	Transaction(sig sol.Signature, c Commitment) (*TransactionRecord, error)
	// SignaturesForAddress lists transactions mentioning addr, newest first,
	// at commitment c, as getSignaturesForAddress pages them.
	SignaturesForAddress(addr sol.Pubkey, q SignaturesQuery, c Commitment) ([]SignatureInfo, error)
	// Block returns the block at slot once it reached commitment c, or
	// ErrBlockNotAvailable.
	Block(slot uint64, c Commitment) (*Block, error)
	// Blocks lists the slots in [start, end] that have blocks at c.
	Blocks(start, end uint64, c Commitment) ([]uint64, error)
	// FirstAvailableBlock is the lowest slot whose block the ledger holds.
	FirstAvailableBlock() uint64
	// TransactionCount is the number of transactions executed up to Slot(c).
	TransactionCount(c Commitment) uint64

	// EpochInfo describes the epoch containing Slot(c).
	EpochInfo(c Commitment) EpochInfo
	// EpochSchedule is the network's epoch schedule.
	EpochSchedule() svm.EpochSchedule
	// Rent is the rent in force, for getMinimumBalanceForRentExemption.
	Rent() svm.Rent
	// GenesisHash identifies the network.
	GenesisHash() sol.Hash
	// Identity is this node's public identity key.
	Identity() sol.Pubkey
	// Version describes the software.
	Version() VersionInfo
	// Health is nil when the node is keeping up; otherwise the reason.
	Health() error

	// RequestAirdrop sends lamports from the network's faucet to to, and
	// returns the transfer's signature. It refuses more than the faucet's
	// per-request limit with ErrAirdropLimit and answers ErrNoFaucet where
	// the network has none.
	RequestAirdrop(to sol.Pubkey, lamports uint64) (sol.Signature, error)

	// Subscribe delivers every Event from now on to the returned channel,
	// in order, until cancel is called. A subscriber that falls behind by
	// more than buffer events is dropped: its channel is closed. cancel is
	// idempotent.
	Subscribe(buffer int) (events <-chan Event, cancel func())
}

// Commitment is how settled a slot is.
type Commitment uint8

// Commitment levels, in increasing order of settlement.
const (
	Processed Commitment = iota
	Confirmed
	Finalized
)

func (c Commitment) String() string { return [...]string{"processed", "confirmed", "finalized"}[c] }

// ParseCommitment reads Agave's commitment names, including the deprecated
// aliases ("recent", "single", "singleGossip", "root", "max").
func ParseCommitment(s string) (Commitment, error) {
	switch s {
	case "processed", "recent":
		return Processed, nil
	case "confirmed", "single", "singleGossip":
		return Confirmed, nil
	case "finalized", "root", "max", "":
		return Finalized, nil
	}
	return 0, errors.New("rpc: unknown commitment " + s)
}

// Errors a Backend returns; the server maps each to its Agave error code.
var (
	ErrInvalidTransaction = errors.New("rpc: invalid transaction")
	ErrInvalidParams      = errors.New("rpc: invalid params")
	ErrBlockNotAvailable  = errors.New("rpc: block not available")
	ErrAirdropLimit       = errors.New("rpc: airdrop request exceeds the faucet's per-request limit")
	ErrNoFaucet           = errors.New("rpc: this network has no faucet")
	ErrNodeUnhealthy      = errors.New("rpc: node is unhealthy")
	ErrQueueFull          = errors.New("rpc: transaction queue is full")
)

// PreflightError is sendTransaction's refusal of a transaction whose
// simulation failed (-32002).
type PreflightError struct {
	Sim *SimulateResult
}

func (e *PreflightError) Error() string {
	return "Transaction simulation failed: " + txErrorDisplay(e.Sim.Result.Err)
}

// SignatureVerificationError is the refusal of a transaction whose
// signatures do not verify (-32003).
type SignatureVerificationError struct{}

func (*SignatureVerificationError) Error() string {
	return "Transaction signature verification failure"
}

// BlockhashInfo is a block's hash and the last block height at which a
// transaction naming it can land.
type BlockhashInfo struct {
	Slot                 uint64
	Blockhash            sol.Hash
	LastValidBlockHeight uint64
}

// KeyedAccount is an account and its address.
type KeyedAccount struct {
	Key     sol.Pubkey
	Account sol.Account
}

// SendOptions are sendTransaction's options.
type SendOptions struct {
	SkipPreflight       bool
	PreflightCommitment Commitment
}

// SimulateOptions are simulateTransaction's options.
type SimulateOptions struct {
	SigVerify              bool
	ReplaceRecentBlockhash bool
	Commitment             Commitment
	// Accounts are addresses whose post-simulation state to return.
	Accounts []sol.Pubkey
}

// SimulateResult is a simulation's outcome.
type SimulateResult struct {
	// Slot is the context slot the simulation ran on top of.
	Slot   uint64
	Result svm.TxResult
	// Accounts are the post-simulation states of SimulateOptions.Accounts
	// (nil where none exists).
	Accounts []*sol.Account
	// ReplacementBlockhash is set when ReplaceRecentBlockhash was asked for.
	ReplacementBlockhash *BlockhashInfo
}

// SignatureStatus is where a transaction stands.
type SignatureStatus struct {
	Slot uint64
	Err  *svm.TransactionError
	// Commitment is the highest level its slot has reached.
	Commitment Commitment
	// Confirmations is how many slots were processed on top of it, nil once
	// finalized.
	Confirmations *uint64
}

// TransactionRecord is an executed transaction as the ledger keeps it.
type TransactionRecord struct {
	Slot      uint64
	BlockTime int64
	// Raw is the transaction exactly as submitted.
	Raw []byte
	// Result is the outcome. When Detail is set, Result holds only what
	// statuses and indexes read (Signature, Processed, Err, Keys) and Detail
	// produces the rest; see Full.
	Result svm.TxResult
	// Detail, when set, decodes the full result (logs, balances, fee,
	// return data) on demand: a ledger indexing thousands of transactions
	// a round pays for the details only of those a client asks for.
	Detail func() (svm.TxResult, error)
}

// Full returns the complete result: Result itself, or what Detail
// decodes (a fresh value on each call).
func (r *TransactionRecord) Full() (*svm.TxResult, error) {
	if r.Detail == nil {
		return &r.Result, nil
	}
	full, err := r.Detail()
	if err != nil {
		return nil, err
	}
	return &full, nil
}

// Block is one slot's block.
type Block struct {
	Slot              uint64
	ParentSlot        uint64
	BlockHeight       uint64
	BlockTime         int64
	Blockhash         sol.Hash
	PreviousBlockhash sol.Hash
	// Transactions are the block's executed transactions in execution order.
	Transactions []TransactionRecord
}

// SignaturesQuery pages getSignaturesForAddress: at most Limit results,
// strictly older than Before when set, stopping at Until (exclusive).
type SignaturesQuery struct {
	Limit  int
	Before *sol.Signature
	Until  *sol.Signature
}

// SignatureInfo is one row of getSignaturesForAddress.
type SignatureInfo struct {
	Signature  sol.Signature
	Slot       uint64
	Err        *svm.TransactionError
	BlockTime  int64
	Commitment Commitment
}

// EpochInfo is getEpochInfo's answer.
type EpochInfo struct {
	AbsoluteSlot     uint64
	BlockHeight      uint64
	Epoch            uint64
	SlotIndex        uint64
	SlotsInEpoch     uint64
	TransactionCount uint64
}

// VersionInfo is getVersion's answer.
type VersionInfo struct {
	// SolanaCore is the Agave version whose RPC behaviour this node follows.
	SolanaCore string
	FeatureSet uint32
}

// Event is something subscribers are told about: a *SlotEvent or a
// *CommitEvent.
type Event interface{ isEvent() }

// SlotEvent says a new slot was processed.
type SlotEvent struct {
	Slot   uint64
	Parent uint64
	// Root is the newest finalized slot.
	Root uint64
	// RootOnly marks an event that only moves Root: Slot was announced
	// before, when it was processed (slotSubscribe hears each slot once).
	RootOnly bool
}

// CommitEvent says the block at Slot reached Commitment. A backend emits one
// per slot and level, in slot order per level, and each level's event for a
// slot after the lower levels' events for it. Block and Writes are shared by
// every subscriber and must not be modified.
type CommitEvent struct {
	Commitment Commitment
	Slot       uint64
	Block      *Block
	// Writes are the final states of the accounts the block changed, in
	// ascending key order; a write with zero lamports is a deletion. When
	// LoadWrites is set, read them with AccountWrites instead.
	Writes []svm.AccountWrite
	// LoadWrites, when set, produces Writes on first use (most events
	// reach no account or program subscription, and a block's writes cost
	// a state diff). It runs at most once per event.
	LoadWrites func() ([]svm.AccountWrite, error)

	writesOnce sync.Once
	writes     []svm.AccountWrite
	writesErr  error
}

// AccountWrites returns Writes, loading them once when LoadWrites is set.
// It is safe for concurrent use.
func (e *CommitEvent) AccountWrites() ([]svm.AccountWrite, error) {
	if e.LoadWrites == nil {
		return e.Writes, nil
	}
	e.writesOnce.Do(func() { e.writes, e.writesErr = e.LoadWrites() })
	return e.writes, e.writesErr
}

func (*SlotEvent) isEvent()   {}
func (*CommitEvent) isEvent() {}

// ErrSigVerifyRequired is returned by a backend that can simulate only
// transactions whose signatures verify.
var ErrSigVerifyRequired = errors.New("rpc: this node cannot yet simulate a transaction whose signatures do not verify; sign it and pass sigVerify: true")
