package mkvs

import "fmt"

// MaxKeySize is the largest key the tree accepts. Crit-bit indexes are
// 32-bit, and bounded keys bound the depth of a path.
const MaxKeySize = 1024

// MaxValueSize is the largest value the tree accepts (enough for a Solana
// account of 10 MiB with its header).
const MaxValueSize = 64 << 20

// NamespaceSize is the size of a namespace (a runtime id).
const NamespaceSize = 32

// Namespace identifies the runtime whose trees a store holds.
type Namespace [NamespaceSize]byte

// RootType distinguishes the trees kept per round.
type RootType uint8

const (
	// RootState is a runtime's state tree, carried from round to round.
	RootState RootType = 1
	// RootIO is a round's input/output tree, started empty every round.
	RootIO RootType = 2
)

// String returns "state" or "io".
func (t RootType) String() string {
	switch t {
	case RootState:
		return "state"
	case RootIO:
		return "io"
	}
	return fmt.Sprintf("RootType(%d)", uint8(t))
}

func (t RootType) valid() bool { return t == RootState || t == RootIO }

// Root names one committed tree: the runtime it belongs to, the round
// (version) at which it was committed, its type, and its hash.
type Root struct {
	Namespace Namespace
	Version   uint64
	Type      RootType
	Hash      Hash
}

// IsEmpty reports whether the root is that of the empty tree.
func (r Root) IsEmpty() bool { return r.Hash == EmptyRoot }

// String formats the root for logs.
func (r Root) String() string {
	return fmt.Sprintf("%s/%x@%d:%s", r.Type, r.Namespace[:4], r.Version, r.Hash)
}
