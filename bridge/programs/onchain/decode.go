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
