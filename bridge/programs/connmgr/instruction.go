package connmgr

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Tag is the first byte of a connection manager instruction.
type Tag uint8

// Instructions (fields big-endian):
//
//	tag  name                  data after the tag                       accounts
//	  0  Initialize            capacity u32 | owner 32                  0 admin (s), 1 payer (s,w), 2 manager (w), 3 system program
//	  1  EnrollReplica         domain u32 | replica 32                  0 manager (w), 1 owner (s)
//	  2  OwnerUnenrollReplica  domain u32                               0 manager (w), 1 owner (s)
//	  3  SetWatcherPermission  watcher 20 | domain u32 | allowed u8     0 manager (w), 1 owner (s)
//	  4  SetOwner              owner 32                                 0 manager (w), 1 owner (s)
//	  5  UnenrollReplica       signed failure (update.SignedFailure,    0 manager (w), 1 the enrolled Replica's state account
//	                           101 bytes)
//
// replica is the Replica's state account (address.ReplicaState(domain)).
const (
	TagInitialize Tag = iota
	TagEnrollReplica
	TagOwnerUnenrollReplica
	TagSetWatcherPermission
	TagSetOwner
	TagUnenrollReplica
)

// ErrInstruction is returned for malformed instruction data.
var ErrInstruction = errors.New("connmgr program: malformed instruction")

// Instruction is a decoded instruction; only the fields of its Tag are set.
type Instruction struct {
	Tag      Tag
	Capacity uint32
	Owner    sol.Pubkey
	Domain   uint32
	Replica  sol.Pubkey
	Watcher  update.Address
	Allowed  bool
	Failure  update.SignedFailure
}

// Encode returns the instruction data.
func (in *Instruction) Encode() ([]byte, error) {
	b := []byte{byte(in.Tag)}
	switch in.Tag {
	case TagInitialize:
		return append(binary.BigEndian.AppendUint32(b, in.Capacity), in.Owner[:]...), nil
	case TagEnrollReplica:
		return append(binary.BigEndian.AppendUint32(b, in.Domain), in.Replica[:]...), nil
	case TagOwnerUnenrollReplica:
		return binary.BigEndian.AppendUint32(b, in.Domain), nil
	case TagSetWatcherPermission:
		b = binary.BigEndian.AppendUint32(append(b, in.Watcher[:]...), in.Domain)
		if in.Allowed {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case TagSetOwner:
		return append(b, in.Owner[:]...), nil
	case TagUnenrollReplica:
		f, err := in.Failure.MarshalBinary()
		return append(b, f...), err
	}
	return nil, fmt.Errorf("%w: unknown tag %d", ErrInstruction, in.Tag)
}

// DecodeInstruction parses instruction data, rejecting anything Encode would
// not produce.
func DecodeInstruction(data []byte) (Instruction, error) {
	r := wire.NewReader(data, ErrInstruction)
	in := Instruction{Tag: Tag(r.Byte())}
	switch in.Tag {
	case TagInitialize:
		in.Capacity = r.U32()
		copy(in.Owner[:], r.Bytes(32))
	case TagEnrollReplica:
		in.Domain = r.U32()
		copy(in.Replica[:], r.Bytes(32))
	case TagOwnerUnenrollReplica:
		in.Domain = r.U32()
	case TagSetWatcherPermission:
		copy(in.Watcher[:], r.Bytes(20))
		in.Domain = r.U32()
		in.Allowed = r.Bool()
	case TagSetOwner:
		copy(in.Owner[:], r.Bytes(32))
	case TagUnenrollReplica:
		if err := in.Failure.UnmarshalBinary(r.Bytes(update.SignedFailureSize)); err != nil && r.Err() == nil {
			r.Fail("%v", err)
		}
	default:
		r.Fail("unknown tag %d", in.Tag)
	}
	if err := r.Finish(); err != nil {
		return Instruction{}, err
	}
	return in, nil
}

func instr(in *Instruction, metas ...sol.AccountMeta) (sol.Instruction, error) {
	return onchain.NewInstruction(address.ConnMgr, in, metas...)
}

func owned(in *Instruction, owner sol.Pubkey) (sol.Instruction, error) {
	return instr(in, onchain.W(address.Manager(), false), onchain.R(owner, true))
}

// Initialize creates the manager; admin is the network's bridge admin.
func Initialize(admin, payer sol.Pubkey, capacity uint32, owner sol.Pubkey) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagInitialize, Capacity: capacity, Owner: owner},
		onchain.R(admin, true), onchain.W(payer, true), onchain.W(address.Manager(), false), onchain.R(svm.SystemProgramID, false))
}

// EnrollReplica makes the Replica of domain trusted.
func EnrollReplica(owner sol.Pubkey, domain uint32, replica sol.Pubkey) (sol.Instruction, error) {
	return owned(&Instruction{Tag: TagEnrollReplica, Domain: domain, Replica: replica}, owner)
}

// OwnerUnenrollReplica removes the Replica of domain.
func OwnerUnenrollReplica(owner sol.Pubkey, domain uint32) (sol.Instruction, error) {
	return owned(&Instruction{Tag: TagOwnerUnenrollReplica, Domain: domain}, owner)
}

// SetWatcherPermission grants or revokes watcher's right over domain.
func SetWatcherPermission(owner sol.Pubkey, watcher update.Address, domain uint32, allowed bool) (sol.Instruction, error) {
	return owned(&Instruction{Tag: TagSetWatcherPermission, Watcher: watcher, Domain: domain, Allowed: allowed}, owner)
}

// SetOwner hands governance to newOwner.
func SetOwner(owner, newOwner sol.Pubkey) (sol.Instruction, error) {
	return owned(&Instruction{Tag: TagSetOwner, Owner: newOwner}, owner)
}

// UnenrollReplica submits a watcher's signed failure notification.
func UnenrollReplica(sf *update.SignedFailure) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagUnenrollReplica, Failure: *sf},
		onchain.W(address.Manager(), false), onchain.R(address.ReplicaState(sf.HomeDomain), false))
}
