package home

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/update"
)

// stateVersion is the first byte of the encoding; bump it with the layout.
const stateVersion = 1

// ErrEncoding is returned for malformed or non-canonical state bytes.
var ErrEncoding = errors.New("home: malformed state encoding")

// MarshalBinary encodes the Home canonically (one byte string per state):
//
//	offset  size    field
//	     0     1    version (1)
//	     1     1    failed (0 or 1)
//	     2     4    localDomain, uint32 big-endian
//	     6    32    owner
//	    38    32    committedRoot
//	    70  1028    tree (merkle.Tree encoding)
//	  1098     v    updater set (update.UpdaterSet encoding, 2 + 20n bytes)
//	     …     4    k, number of nonce entries
//	     …    8k    k × (destination u32, next nonce u32), destinations ascending, nonces > 0
//	     …     4    m, queue length (≤ MaxQueue)
//	     …   32m    queued roots, oldest first
func (h *Home) MarshalBinary() ([]byte, error) {
	dests := slices.Sorted(maps.Keys(h.nonces))
	b := make([]byte, 0, 1098+h.updaters.Size()+8+8*len(dests)+32*len(h.queue))
	b = append(b, stateVersion, boolByte(h.failed))
	b = binary.BigEndian.AppendUint32(b, h.localDomain)
	b = append(b, h.owner[:]...)
	b = append(b, h.committedRoot[:]...)
	tree, _ := h.tree.MarshalBinary()
	b = append(b, tree...)
	b, err := h.updaters.AppendBinary(b)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, d := range dests {
		if h.nonces[d] != 0 {
			n++
		}
	}
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	for _, d := range dests {
		if v := h.nonces[d]; v != 0 {
			b = binary.BigEndian.AppendUint32(b, d)
			b = binary.BigEndian.AppendUint32(b, v)
		}
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.queue)))
	for _, r := range h.queue {
		b = append(b, r[:]...)
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's form, rejecting anything it would
// not have produced: unknown versions, a zero owner or committed root,
// unsorted or zero nonce entries, an oversized queue, zero queued roots and
// trailing bytes. On error h is unchanged.
func (h *Home) UnmarshalBinary(b []byte) error {
	r := wire.NewReader(b, ErrEncoding)
	var out Home
	if v := r.Byte(); v != stateVersion {
		r.Fail("version %d", v)
	}
	out.failed = r.Bool()
	out.localDomain = r.U32()
	copy(out.owner[:], r.Bytes(32))
	copy(out.committedRoot[:], r.Bytes(32))
	if r.Err() == nil && out.owner.IsZero() {
		r.Fail("zero owner")
	}
	if r.Err() == nil && out.committedRoot.IsZero() {
		r.Fail("zero committed root")
	}
	if err := out.tree.UnmarshalBinary(r.Bytes(merkle.TreeSize)); err != nil {
		r.Fail("%v", err)
	}
	if r.Err() != nil {
		return r.Err()
	}
	set, n, err := update.DecodeUpdaterSet(r.Rest())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	out.updaters = set
	r.Skip(n)
	k := r.Count(8)
	out.nonces = make(map[uint32]uint32, k)
	var prev uint32
	for i := 0; i < k && r.Err() == nil; i++ {
		d, v := r.U32(), r.U32()
		if (i > 0 && d <= prev) || v == 0 {
			r.Fail("nonce entries not canonical")
		}
		out.nonces[d] = v
		prev = d
	}
	m := r.Count(keccak.Size)
	if m > MaxQueue {
		r.Fail("queue of %d roots", m)
	}
	for i := 0; i < m && r.Err() == nil; i++ {
		var root keccak.Hash
		copy(root[:], r.Bytes(keccak.Size))
		if root.IsZero() {
			r.Fail("zero queued root")
		}
		out.queue = append(out.queue, root)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*h = out
	return nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
