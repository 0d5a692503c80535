package mkvs

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// nodeID is where a persisted node lives in the database: the version and
// tree type of the commit that wrote it and its sequence number within that
// commit. Persisted nodes are never rewritten, so an id names one immutable
// node for its whole life. The zero nodeID (typ 0) means "not persisted".
type nodeID struct {
	version uint64
	seq     uint32
	typ     RootType
}

// nodeIDSize is the encoded size of a nodeID: version u64 BE | type u8 | seq u32 BE.
const nodeIDSize = 8 + 1 + 4

func (id nodeID) persisted() bool { return id.typ != 0 }

func (id nodeID) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, id.version)
	b = append(b, byte(id.typ))
	return binary.BigEndian.AppendUint32(b, id.seq)
}

func decodeNodeID(b []byte) nodeID {
	return nodeID{
		version: binary.BigEndian.Uint64(b[0:8]),
		typ:     RootType(b[8]),
		seq:     binary.BigEndian.Uint32(b[9:13]),
	}
}

// ref is an edge to a child (or the root). For a persisted child, id and
// hash are always set and n may be nil (the node is fetched through the
// store's cache). For an unpersisted child, n is set and id is zero; its
// hash is n.hash once n.clean.
type ref struct {
	n    *node
	hash Hash
	id   nodeID
}

func (r *ref) empty() bool { return r.n == nil && !r.id.persisted() }

// node is a leaf (key → value) or an internal crit-bit node.
//
// Ownership: a node with a persisted id is immutable and may be shared by
// any number of trees and the cache. A node without one belongs to exactly
// one Tree, which may change it in place.
type node struct {
	leaf  bool
	clean bool // hash is up to date
	// digestOnly marks a leaf of a partial tree whose value the proofs
	// give only as a hash.
	digestOnly bool
	// cached belongs to the nodeCache (see hints below).
	cached bool
	bit    uint32
	id     nodeID
	hash   Hash
	child  [2]ref
	key    []byte
	value  []byte

	// cacheRef is the nodeCache's CLOCK reference flag, set by readers
	// without the cache lock.
	cacheRef atomic.Bool
	// hints[i] points straight at child i while both are cached, so a read
	// can follow it without a cache lookup; see nodeCache.link. cached and
	// hintedBy belong to the nodeCache and change only under its lock.
	hints    [2]atomic.Pointer[node]
	hintedBy *atomic.Pointer[node]
}

// clone returns an unpersisted, unhashed copy of n for a tree to modify.
func (n *node) clone() *node {
	return &node{leaf: n.leaf, bit: n.bit, child: n.child, key: n.key, value: n.value}
}

// nodeOverhead is what the cache charges per node besides key and value:
// the struct, the map slot and the eviction ring slot.
const nodeOverhead = int64(unsafe.Sizeof(node{})) + 48

func (n *node) size() int64 { return nodeOverhead + int64(len(n.key)+len(n.value)) }

// Stored node encodings (the Pebble value under the node's key):
//
//	leaf:     0x00 | len(key) u32 BE | key | value
//	internal: 0x01 | bit u32 BE | left hash | left id | right hash | right id
//
// where an id is version u64 BE | type u8 | seq u32 BE.
const (
	storedLeaf     = 0x00
	storedInternal = 0x01
	internalSize   = 1 + 4 + 2*(HashSize+nodeIDSize)
)

func (n *node) appendStored(b []byte) []byte {
	if n.leaf {
		b = append(b, storedLeaf)
		b = binary.BigEndian.AppendUint32(b, uint32(len(n.key)))
		b = append(b, n.key...)
		return append(b, n.value...)
	}
	b = append(b, storedInternal)
	b = binary.BigEndian.AppendUint32(b, n.bit)
	for i := range n.child {
		b = append(b, n.child[i].hash[:]...)
		b = n.child[i].id.append(b)
	}
	return b
}

// decodeStoredNode decodes a node read from the database and checks that it
// hashes to want. It copies what it keeps; b may be reused afterwards.
func decodeStoredNode(b []byte, id nodeID, want *Hash) (*node, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: node %v: empty record", ErrCorrupt, id)
	}
	n := &node{id: id, clean: true}
	switch b[0] {
	case storedLeaf:
		if len(b) < 5 {
			return nil, fmt.Errorf("%w: node %v: short leaf", ErrCorrupt, id)
		}
		kl := binary.BigEndian.Uint32(b[1:5])
		if kl > MaxKeySize || uint64(kl) > uint64(len(b)-5) {
			return nil, fmt.Errorf("%w: node %v: bad key length %d", ErrCorrupt, id, kl)
		}
		kv := append([]byte(nil), b[5:]...)
		n.leaf = true
		n.key = kv[:kl:kl]
		n.value = kv[kl:]
		n.hash = leafHash(n.key, n.value)
	case storedInternal:
		if len(b) != internalSize {
			return nil, fmt.Errorf("%w: node %v: internal node of %d bytes", ErrCorrupt, id, len(b))
		}
		n.bit = binary.BigEndian.Uint32(b[1:5])
		off := 5
		for i := range n.child {
			c := &n.child[i]
			copy(c.hash[:], b[off:off+HashSize])
			c.id = decodeNodeID(b[off+HashSize:])
			if !c.id.persisted() {
				return nil, fmt.Errorf("%w: node %v: child without id", ErrCorrupt, id)
			}
			off += HashSize + nodeIDSize
		}
		n.hash = internalHash(n.bit, &n.child[0].hash, &n.child[1].hash)
	default:
		return nil, fmt.Errorf("%w: node %v: unknown kind 0x%02x", ErrCorrupt, id, b[0])
	}
	if n.hash != *want {
		return nil, fmt.Errorf("%w: node %v: hash %s, parent expects %s", ErrCorrupt, id, n.hash, *want)
	}
	return n, nil
}

func (id nodeID) String() string { return fmt.Sprintf("%s@%d#%d", id.typ, id.version, id.seq) }
