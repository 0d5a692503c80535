package replica

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Tag is the first byte of a Replica instruction.
type Tag uint8

// Replica instructions. Fields are big-endian; "quorum" is an
// update.QuorumUpdate encoding, "set" an update.UpdaterSet encoding,
// "message" a Nomad message to the end, and "path" the 32 sibling hashes of a
// proof compressed so that it fits Solana's 1,232-byte transactions:
//
//	zeros u32   bit i set: the sibling at level i is Z[i], the empty
//	            subtree's root, and is omitted
//	k × 32      the other siblings, leaf level first (k = 32 − popcount(zeros))
//
// The form is canonical: a listed sibling equal to Z[i] is refused. In a tree
// of n ≤ 2^h leaves every sibling above level h of the last leaves is Z, so
// proofs stay short while the tree is young; a Prove transaction fits for
// proofs of up to 27 listed siblings, and a processor whose proveAndProcess
// does not fit sends Prove and Process separately.
//
//	tag  name                     data after the tag
//	  0  Initialize               remote u32 | optimisticSeconds u64 | committedRoot 32 | owner 32 | set
//	  1  Update                   quorum
//	  2  Prove                    leaf 32 | index u32 | path
//	  3  Process                  message
//	  4  ProveAndProcess          index u32 | path | message
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
	path := func(b []byte) []byte { return AppendPath(b, &in.Path) }
	switch in.Tag {
	case TagInitialize:
		b = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, in.Remote), in.OptimisticSeconds)
		b = append(append(b, in.CommittedRoot[:]...), in.Owner[:]...)
		return in.Updaters.AppendBinary(b)
	case TagUpdate, TagDoubleUpdate:
		if b, err = in.Update.AppendBinary(b); err != nil || in.Tag == TagUpdate {
			return b, err
		}
		return in.Update2.AppendBinary(b)
	case TagProve:
		return path(binary.BigEndian.AppendUint32(append(b, in.Leaf[:]...), in.Index)), nil
	case TagProcess, TagProveAndProcess:
		if len(in.Message) > message.MaxSize || len(in.Message) < message.HeaderSize {
			return nil, fmt.Errorf("%w: message of %d bytes", ErrInstruction, len(in.Message))
		}
		if in.Tag == TagProveAndProcess {
			b = path(binary.BigEndian.AppendUint32(b, in.Index))
		}
		return append(b, in.Message...), nil
	case TagDoubleUpdateFromHistory:
		return in.Update.AppendBinary(append(b, in.RecordedRoot[:]...))
	case TagSetOptimisticSeconds:
		return binary.BigEndian.AppendUint64(b, in.OptimisticSeconds), nil
	case TagSetUpdaters:
		return in.Updaters.AppendBinary(b)
	case TagSetOwner:
		return append(b, in.Owner[:]...), nil
	}
	return nil, fmt.Errorf("%w: unknown tag %d", ErrInstruction, in.Tag)
}

// DecodeInstruction parses instruction data, rejecting anything Encode would
// not produce. Message aliases data.
func DecodeInstruction(data []byte) (Instruction, error) {
	r := wire.NewReader(data, ErrInstruction)
	in := Instruction{Tag: Tag(r.Byte())}
	quorum := func(q *update.QuorumUpdate) { onchain.ReadQuorum(r, q) }
	set := func() { onchain.ReadUpdaterSet(r, &in.Updaters) }
	path := func() { readPath(r, &in.Path) }
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

// AppendPath appends the compressed form of path to b.
func AppendPath(b []byte, path *[merkle.Depth]keccak.Hash) []byte {
	var zeros uint32
	for i := range path {
		if path[i] == merkle.ZeroHash(i) {
			zeros |= 1 << i
		}
	}
	b = binary.BigEndian.AppendUint32(b, zeros)
	for i := range path {
		if zeros&(1<<i) == 0 {
			b = append(b, path[i][:]...)
		}
	}
	return b
}

func readPath(r *wire.Reader, path *[merkle.Depth]keccak.Hash) {
	zeros := r.U32()
	for i := range path {
		if zeros&(1<<i) != 0 {
			path[i] = merkle.ZeroHash(i)
			continue
		}
		copy(path[i][:], r.Bytes(32))
		if r.Err() == nil && path[i] == merkle.ZeroHash(i) {
			r.Fail("sibling %d is Z[%d] but listed", i, i)
		}
	}
}
