package replica

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Tag is the first byte of a Replica instruction.
type Tag uint8

// Replica instructions. Fields are big-endian; "quorum" is an
// update.QuorumUpdate encoding, "set" an update.UpdaterSet encoding, "path"
// 32 sibling hashes (leaf level first), "message" a Nomad message to the end.
//
//	tag  name                     data after the tag
//	  0  Initialize               remote u32 | optimisticSeconds u64 | committedRoot 32 | owner 32 | set
//	  1  Update                   quorum
//	  2  Prove                    leaf 32 | index u32 | path 32×32
//	  3  Process                  message
//	  4  ProveAndProcess          index u32 | path 32×32 | message
//	  5  DoubleUpdate             quorum | quorum
//	  6  DoubleUpdateFromHistory  recordedRoot 32 | quorum
//	  7  SetOptimisticSeconds     seconds u64
//	  8  SetUpdaters              set
//	  9  SetOwner                 owner 32
//
// Accounts ("state" is the Replica's state account, "entry" a root's history
// account, "record" a message's status account):
//
//	Initialize               0 admin (s), 1 payer (s,w), 2 state (w), 3 system program
//	Update                   0 state (w), 1 payer (s,w), 2 entry of the new root (w), 3 system program
//	Prove                    0 state, 1 payer (s,w), 2 entry of the proof's root, 3 record (w), 4 system program
//	Process,                 0 state, 1 payer (s,w), 2 entry of the root the message is proven under,
//	ProveAndProcess            3 record (w), 4 system program, 5 connection manager state,
//	                           6 recipient program, 7… the recipient's accounts (passed to handle as they are)
//	DoubleUpdate             0 state (w)
//	DoubleUpdateFromHistory  0 state (w), 1 entry of recordedRoot
//	Set*                     0 state (w), 1 owner (s)
const (
	TagInitialize Tag = iota
	TagUpdate
	TagProve
	TagProcess
	TagProveAndProcess
	TagDoubleUpdate
	TagDoubleUpdateFromHistory
	TagSetOptimisticSeconds
	TagSetUpdaters
	TagSetOwner
)

// ErrInstruction is returned for malformed instruction data.
var ErrInstruction = errors.New("replica program: malformed instruction")

// Instruction is a decoded Replica instruction; only the fields of its Tag are set.
type Instruction struct {
	Tag Tag

	Remote            uint32            // Initialize
	OptimisticSeconds uint64            // Initialize, SetOptimisticSeconds
	CommittedRoot     keccak.Hash       // Initialize
	Owner             sol.Pubkey        // Initialize, SetOwner
	Updaters          update.UpdaterSet // Initialize, SetUpdaters

	Update  update.QuorumUpdate // Update, DoubleUpdate, DoubleUpdateFromHistory
	Update2 update.QuorumUpdate // DoubleUpdate

	Leaf  keccak.Hash               // Prove
	Index uint32                    // Prove, ProveAndProcess
	Path  [merkle.Depth]keccak.Hash // Prove, ProveAndProcess

	Message []byte // Process, ProveAndProcess

	RecordedRoot keccak.Hash // DoubleUpdateFromHistory
}

// Encode returns the instruction data.
func (in *Instruction) Encode() ([]byte, error) {
	b := []byte{byte(in.Tag)}
	var err error
	path := func(b []byte) []byte {
		for i := range in.Path {
			b = append(b, in.Path[i][:]...)
		}
		return b
	}
	switch in.Tag {
	case TagInitialize:
		b = be64(be32(b, in.Remote), in.OptimisticSeconds)
		b = append(append(b, in.CommittedRoot[:]...), in.Owner[:]...)
		return in.Updaters.AppendBinary(b)
	case TagUpdate, TagDoubleUpdate:
		if b, err = in.Update.AppendBinary(b); err != nil || in.Tag == TagUpdate {
			return b, err
		}
		return in.Update2.AppendBinary(b)
	case TagProve:
		return path(be32(append(b, in.Leaf[:]...), in.Index)), nil
	case TagProcess, TagProveAndProcess:
		if len(in.Message) > message.MaxSize || len(in.Message) < message.HeaderSize {
			return nil, fmt.Errorf("%w: message of %d bytes", ErrInstruction, len(in.Message))
		}
		if in.Tag == TagProveAndProcess {
			b = path(be32(b, in.Index))
		}
		return append(b, in.Message...), nil
	case TagDoubleUpdateFromHistory:
		return in.Update.AppendBinary(append(b, in.RecordedRoot[:]...))
	case TagSetOptimisticSeconds:
		return be64(b, in.OptimisticSeconds), nil
	case TagSetUpdaters:
		return in.Updaters.AppendBinary(b)
	case TagSetOwner:
		return append(b, in.Owner[:]...), nil
	}
	return nil, fmt.Errorf("%w: unknown tag %d", ErrInstruction, in.Tag)
}

func be32(b []byte, v uint32) []byte { return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }
func be64(b []byte, v uint64) []byte { return be32(be32(b, uint32(v>>32)), uint32(v)) }

// DecodeInstruction parses instruction data, rejecting anything Encode would
// not produce. Message aliases data.
func DecodeInstruction(data []byte) (Instruction, error) {
	r := wire.NewReader(data, ErrInstruction)
	in := Instruction{Tag: Tag(r.Byte())}
	quorum := func(q *update.QuorumUpdate) {
		if r.Err() != nil {
			return
		}
		v, n, err := update.DecodeQuorumUpdate(r.Rest())
		if err != nil {
			r.Fail("%v", err)
			return
		}
		*q = v
		r.Skip(n)
	}
	set := func() {
		if r.Err() != nil {
			return
		}
		s, n, err := update.DecodeUpdaterSet(r.Rest())
		if err != nil {
			r.Fail("%v", err)
			return
		}
		in.Updaters = s
		r.Skip(n)
	}
	path := func() {
		for i := range in.Path {
			copy(in.Path[i][:], r.Bytes(32))
		}
	}
	msg := func() {
		if r.Err() != nil {
			return
		}
		in.Message = r.Rest()
		if len(in.Message) < message.HeaderSize || len(in.Message) > message.MaxSize {
			r.Fail("message of %d bytes", len(in.Message))
		}
		r.Skip(len(in.Message))
	}
	switch in.Tag {
	case TagInitialize:
		in.Remote = r.U32()
		in.OptimisticSeconds = r.U64()
		copy(in.CommittedRoot[:], r.Bytes(32))
		copy(in.Owner[:], r.Bytes(32))
		set()
	case TagUpdate:
		quorum(&in.Update)
	case TagDoubleUpdate:
		quorum(&in.Update)
		quorum(&in.Update2)
	case TagProve:
		copy(in.Leaf[:], r.Bytes(32))
		in.Index = r.U32()
		path()
	case TagProcess:
		msg()
	case TagProveAndProcess:
		in.Index = r.U32()
		path()
		msg()
	case TagDoubleUpdateFromHistory:
		copy(in.RecordedRoot[:], r.Bytes(32))
		quorum(&in.Update)
	case TagSetOptimisticSeconds:
		in.OptimisticSeconds = r.U64()
	case TagSetUpdaters:
		set()
	case TagSetOwner:
		copy(in.Owner[:], r.Bytes(32))
	default:
		r.Fail("unknown tag %d", in.Tag)
	}
	if err := r.Finish(); err != nil {
		return Instruction{}, err
	}
	return in, nil
}
