package storage

import (
	"sync"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// maxVerifiedPerRound bounds how many distinct results of one round keep
// their verified trees in memory (honest workers agree on one; a
// Byzantine one may send many, which are still stashed, just not kept).
const maxVerifiedPerRound = 4

// candidateKey names one round's results: what a receipt vouches for,
// plus the state they build on.
type candidateKey struct {
	round           uint64
	prev, state, io roothash.Hash
}

// verification is one candidate's check, shared by everyone who stashes
// the same results: the first caller verifies and stashes durably, later
// callers wait for its outcome instead of doing the work again. The trees
// are the verified working trees (state from the previous root, IO from
// the empty root), hashed and ready to commit when the round finalizes.
type verification struct {
	done      chan struct{}
	err       error
	state, io *mkvs.Tree
	ioLog     mkvs.WriteLog
}

// verifications are a Replica's candidates verified since it started,
// for rounds not yet finalized. It is safe for concurrent use.
type verifications struct {
	mu sync.Mutex
	m  map[candidateKey]*verification
}

// claim returns the verification of k and whether the caller owns it
// (must verify, then call finish).
func (vs *verifications) claim(k candidateKey) (*verification, bool) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if v := vs.m[k]; v != nil {
		return v, false
	}
	if vs.m == nil {
		vs.m = map[candidateKey]*verification{}
	}
	v := &verification{done: make(chan struct{})}
	vs.m[k] = v
	return v, true
}

// finish publishes the outcome of an owned verification. A failed one is
// forgotten (other results with the same roots may still verify); a
// successful one keeps its trees unless the round already holds
// maxVerifiedPerRound others.
func (vs *verifications) finish(k candidateKey, v *verification, err error, state, io *mkvs.Tree, ioLog mkvs.WriteLog) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	v.err = err
	if err != nil {
		delete(vs.m, k)
	} else {
		n := 0
		for o := range vs.m {
			if o.round == k.round {
				n++
			}
		}
		if n <= maxVerifiedPerRound {
			v.state, v.io, v.ioLog = state, io, ioLog
		}
	}
	close(v.done)
}

// stashed reports whether k was verified and stashed durably.
func (vs *verifications) stashed(k candidateKey) bool {
	vs.mu.Lock()
	v := vs.m[k]
	vs.mu.Unlock()
	if v == nil {
		return false
	}
	select {
	case <-v.done:
		return v.err == nil
	default:
		return false
	}
}

// take removes k's verified trees, if kept, for the caller to commit, with
// the IO write log that built io.
func (vs *verifications) take(k candidateKey) (state, io *mkvs.Tree, ioLog mkvs.WriteLog, ok bool) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	v := vs.m[k]
	if v == nil {
		return nil, nil, nil, false
	}
	select {
	case <-v.done:
	default:
		return nil, nil, nil, false
	}
	if v.err != nil || v.state == nil {
		return nil, nil, nil, false
	}
	state, io, ioLog = v.state, v.io, v.ioLog
	v.state, v.io, v.ioLog = nil, nil, nil
	return state, io, ioLog, true
}

// forgetThrough drops the verifications of rounds up to round.
func (vs *verifications) forgetThrough(round uint64) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	for k, v := range vs.m {
		select {
		case <-v.done:
		default:
			continue // its owner still needs it
		}
		if k.round <= round {
			delete(vs.m, k)
		}
	}
}
