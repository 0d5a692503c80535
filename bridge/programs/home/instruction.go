package home

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Tag is the first byte of a Home instruction.
type Tag uint8

// Home instructions. Fields after the tag are big-endian, as in Nomad's
// formats; "set" is an update.UpdaterSet encoding and "quorum" an
// update.QuorumUpdate encoding.
//
//	tag  name            data after the tag                                 accounts
//	  0  Initialize      bondDelay u64 | capacity u32 | owner 32 | set      0 admin (s), 1 payer (s,w), 2 home state (w), 3 treasury (w), 4 system program
//	  1  Dispatch        destination u32 | recipient 32 | flag u8 |         0 home state (w), 1 sender (s): the account itself (flag 0),
//	                     [program 32 if flag = 1] | body (≤ 2048, to end)      or the dispatcher address of program (flag 1)
//	  2  Update          quorum                                             0 home state (w), 1 treasury (w), 2… bond accounts of the signers
//	  3  ImproperUpdate  quorum                                             as Update
//	  4  DoubleUpdate    quorum | quorum                                    as Update, bonds of the signers of both
//	  5  SetUpdaters     set                                                0 home state (w), 1 owner (s)
//	  6  SetOwner        owner 32                                           0 home state (w), 1 owner (s)
//	  7  Bond            updater 20 | lamports u64 | consent 65             0 home state, 1 funder (s,w), 2 bond (w), 3 system program
//	  8  Unbond          (none)                                             0 home state, 1 bond (w), 2 authority (s)
//	  9  WithdrawBond    (none)                                             0 home state, 1 bond (w), 2 authority (s), 3 destination (w)
//	 10  WithdrawTreasury lamports u64                                      0 home state, 1 treasury (w), 2 owner (s), 3 destination (w)
//
// consent is the updater's signature (EIP-191 over BondDigest(domain,
// funder)) naming the funder as the bond's authority; it is checked when the
// bond account is created, so nobody can occupy an updater's bond address,
// and ignored on top-ups (which anyone may make; only the authority's re-arm
// the bond after Unbond).
//
// capacity is the most state bytes the Home account will hold (its size is
// fixed at creation); a dispatch that would exceed it fails until an update
// empties the queue.
const (
	TagInitialize Tag = iota
	TagDispatch
	TagUpdate
	TagImproperUpdate
	TagDoubleUpdate
	TagSetUpdaters
	TagSetOwner
	TagBond
	TagUnbond
	TagWithdrawBond
	TagWithdrawTreasury
)

// ErrInstruction is returned for malformed instruction data.
var ErrInstruction = errors.New("home program: malformed instruction")

// Instruction is a decoded Home instruction; only the fields of its Tag are set.
type Instruction struct {
	Tag Tag

	BondDelay uint64            // Initialize: seconds between Unbond and WithdrawBond
	Capacity  uint32            // Initialize
	Owner     sol.Pubkey        // Initialize, SetOwner
	Updaters  update.UpdaterSet // Initialize, SetUpdaters

	Destination uint32      // Dispatch
	Recipient   keccak.Hash // Dispatch
	FromProgram bool        // Dispatch: sender is Program, signing by its dispatcher address
	Program     sol.Pubkey  // Dispatch
	Body        []byte      // Dispatch

	Update  update.QuorumUpdate // Update, ImproperUpdate, DoubleUpdate
	Update2 update.QuorumUpdate // DoubleUpdate

	Updater  update.Address   // Bond
	Lamports uint64           // Bond, WithdrawTreasury
	Consent  update.Signature // Bond
}

// Encode returns the instruction data.
func (in *Instruction) Encode() ([]byte, error) {
	b := []byte{byte(in.Tag)}
	var err error
	switch in.Tag {
	case TagInitialize:
		b = binary.BigEndian.AppendUint64(b, in.BondDelay)
		b = binary.BigEndian.AppendUint32(b, in.Capacity)
		b = append(b, in.Owner[:]...)
		return in.Updaters.AppendBinary(b)
	case TagDispatch:
		if len(in.Body) > message.MaxBodySize {
			return nil, message.ErrBodyTooLong
		}
		b = binary.BigEndian.AppendUint32(b, in.Destination)
		b = append(b, in.Recipient[:]...)
		if in.FromProgram {
			b = append(append(b, 1), in.Program[:]...)
		} else {
			b = append(b, 0)
		}
		return append(b, in.Body...), nil
	case TagUpdate, TagImproperUpdate:
		return in.Update.AppendBinary(b)
	case TagDoubleUpdate:
		if b, err = in.Update.AppendBinary(b); err != nil {
			return nil, err
		}
		return in.Update2.AppendBinary(b)
	case TagSetUpdaters:
		return in.Updaters.AppendBinary(b)
	case TagSetOwner:
		return append(b, in.Owner[:]...), nil
	case TagBond:
		b = append(b, in.Updater[:]...)
		b = binary.BigEndian.AppendUint64(b, in.Lamports)
		return append(b, in.Consent[:]...), nil
	case TagUnbond, TagWithdrawBond:
		return b, nil
	case TagWithdrawTreasury:
		return binary.BigEndian.AppendUint64(b, in.Lamports), nil
	}
	return nil, fmt.Errorf("%w: unknown tag %d", ErrInstruction, in.Tag)
}

// DecodeInstruction parses instruction data, rejecting anything Encode would
// not produce. Body aliases data.
func DecodeInstruction(data []byte) (Instruction, error) {
	r := wire.NewReader(data, ErrInstruction)
	in := Instruction{Tag: Tag(r.Byte())}
	quorum := func(q *update.QuorumUpdate) { onchain.ReadQuorum(r, q) }
	set := func() { onchain.ReadUpdaterSet(r, &in.Updaters) }
	switch in.Tag {
	case TagInitialize:
		in.BondDelay = r.U64()
		in.Capacity = r.U32()
		copy(in.Owner[:], r.Bytes(32))
		set()
	case TagDispatch:
		in.Destination = r.U32()
		copy(in.Recipient[:], r.Bytes(32))
		in.FromProgram = r.Bool()
		if in.FromProgram {
			copy(in.Program[:], r.Bytes(32))
		}
		if r.Err() == nil {
			in.Body = r.Rest()
			if len(in.Body) > message.MaxBodySize {
				r.Fail("body of %d bytes", len(in.Body))
			}
			r.Skip(len(in.Body))
		}
	case TagUpdate, TagImproperUpdate:
		quorum(&in.Update)
	case TagDoubleUpdate:
		quorum(&in.Update)
		quorum(&in.Update2)
	case TagSetUpdaters:
		set()
	case TagSetOwner:
		copy(in.Owner[:], r.Bytes(32))
	case TagBond:
		copy(in.Updater[:], r.Bytes(20))
		in.Lamports = r.U64()
		copy(in.Consent[:], r.Bytes(update.SignatureSize))
	case TagUnbond, TagWithdrawBond:
	case TagWithdrawTreasury:
		in.Lamports = r.U64()
	default:
		r.Fail("unknown tag %d", in.Tag)
	}
	if err := r.Finish(); err != nil {
		return Instruction{}, err
	}
	return in, nil
}
