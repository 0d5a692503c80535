package home

import (
	"errors"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
)

// Errors of the program's own rules (the pure Home's are in bridge/home).
var (
	ErrNotAdmin       = errors.New("home program: signer is not the network's bridge admin")
	ErrCapacity       = errors.New("home program: capacity cannot hold the initial state")
	ErrBondMissing    = errors.New("home program: bond account of a slashed updater is not listed")
	ErrBondSlashed    = errors.New("home program: bond was slashed")
	ErrBondAuthority  = errors.New("home program: signer is not the bond's authority")
	ErrBondLocked     = errors.New("home program: bond is not unbonding, its delay has not passed, or the updater is still in the set")
	ErrDispatcher     = errors.New("home program: sender does not sign with the program's dispatcher address")
	ErrBondZeroAmount = errors.New("home program: a new bond needs lamports")
	ErrBondConsent    = errors.New("home program: the updater did not sign for this bond authority")
)

// Custom error codes the program returns, for clients to match:
//
//	 1 failed            2 not owner          3 wrong domain        4 not current
//	 5 not a fraud       6 local destination  7 nonces exhausted    8 queue full
//	 9 bad config       10 quorum short      11 bad signature      12 not a member
//	13 duplicate signer 14 message too long  15 tree full
//	20 not admin        21 capacity          22 bond missing       23 bond slashed
//	24 bond authority   25 bond locked       26 dispatcher         27 zero bond
//	28 bond consent
var errorCodes = onchain.ErrorCodes{
	{bhome.ErrFailed, 1}, {bhome.ErrNotOwner, 2}, {bhome.ErrDomain, 3}, {bhome.ErrNotCurrent, 4},
	{bhome.ErrNotFraud, 5}, {bhome.ErrDestination, 6}, {bhome.ErrNonceExhausted, 7}, {bhome.ErrQueueFull, 8},
	{bhome.ErrConfig, 9}, {update.ErrUpdaterSet, 9}, {update.ErrQuorum, 10}, {update.ErrNoSignatures, 10},
	{update.ErrSignature, 11}, {update.ErrHighS, 11}, {update.ErrRecoveryID, 11},
	{update.ErrNotMember, 12}, {update.ErrDuplicateSigner, 13}, {message.ErrBodyTooLong, 14}, {merkle.ErrFull, 15},
	{ErrNotAdmin, 20}, {ErrCapacity, 21}, {ErrBondMissing, 22}, {ErrBondSlashed, 23}, {ErrBondAuthority, 24},
	{ErrBondLocked, 25}, {ErrDispatcher, 26}, {ErrBondZeroAmount, 27},
	{ErrBondConsent, 28},
}

// ErrorCode returns the custom code for err, 0 if it has none.
func ErrorCode(err error) uint32 { return errorCodes.Code(err) }
