package onchain

import (
	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/update"
)

// ReadQuorum decodes an update.QuorumUpdate encoding from r into q.
func ReadQuorum(r *wire.Reader, q *update.QuorumUpdate) { read(r, q, update.DecodeQuorumUpdate) }

// ReadUpdaterSet decodes an update.UpdaterSet encoding from r into s.
func ReadUpdaterSet(r *wire.Reader, s *update.UpdaterSet) { read(r, s, update.DecodeUpdaterSet) }

// read decodes a value of a self-delimiting encoding from the rest of r
// into dst and skips the bytes it used; a malformed one fails r with the
// decoder's error. Nothing is read once r has failed.
func read[T any](r *wire.Reader, dst *T, decode func([]byte) (T, int, error)) {
	if r.Err() != nil {
		return
	}
	v, n, err := decode(r.Rest())
	if err != nil {
		r.Fail("%v", err)
		return
	}
	*dst = v
	r.Skip(n)
}

// AppendAddresses appends a list of at most 255 updater addresses as
// n u8 | n × 20 bytes; ok is false for a longer list.
func AppendAddresses(b []byte, as []update.Address) (_ []byte, ok bool) {
	if len(as) > 255 {
		return nil, false
	}
	b = append(b, byte(len(as)))
	for _, a := range as {
		b = append(b, a[:]...)
	}
	return b, true
}

// ReadAddresses reads a list AppendAddresses wrote (nil for an empty one).
func ReadAddresses(r *wire.Reader) []update.Address {
	var as []update.Address
	n := int(r.Byte())
	for i := 0; i < n && r.Err() == nil; i++ {
		var a update.Address
		copy(a[:], r.Bytes(len(a)))
		as = append(as, a)
	}
	return as
}
