package storage

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// CandidateRoots are the roots one stashed candidate of a round claims.
type CandidateRoots struct {
	StateRoot, IORoot roothash.Hash
}

// Candidate is a round's results this replica verified (Stash: the write
// logs lead from PrevStateRoot to the claimed roots) and keeps until a
// header finalizes or supersedes the round. It is not final: the round
// may finalize other results, or none.
type Candidate struct {
	Round         uint64
	PrevStateRoot roothash.Hash
	CandidateRoots
	StateLog, IOLog mkvs.WriteLog
}

// CandidateRoots lists the roots of the candidates stashed for round, in
// key order, from the keys alone. It only reads; the RPC serves a round's results at the
// processed commitment level from here before the round finalizes.
func (r *Replica) CandidateRoots(round uint64) ([]CandidateRoots, error) {
	it, err := r.pending.db.NewIter(&pebble.IterOptions{
		LowerBound: binary.BigEndian.AppendUint64(nil, round),
		UpperBound: binary.BigEndian.AppendUint64(nil, round+1),
	})
	if err != nil {
		return nil, fmt.Errorf("storage: listing candidates of round %d: %w", round, err)
	}
	defer it.Close()
	var out []CandidateRoots
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) != 72 {
			continue
		}
		var cr CandidateRoots
		copy(cr.StateRoot[:], k[8:40])
		copy(cr.IORoot[:], k[40:72])
		out = append(out, cr)
	}
	return out, it.Error()
}

// Candidate returns the candidate of round with the given roots, if
// stashed. It only reads.
func (r *Replica) Candidate(round uint64, state, io roothash.Hash) (*Candidate, bool, error) {
	c, ok, err := r.pending.get(round, state, io)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := &Candidate{Round: round, PrevStateRoot: c.PrevStateRoot, CandidateRoots: CandidateRoots{StateRoot: state, IORoot: io}}
	if err := out.StateLog.UnmarshalBinary(c.StateLog); err != nil {
		return nil, false, fmt.Errorf("storage: candidate of round %d: %w", round, err)
	}
	if err := out.IOLog.UnmarshalBinary(c.IOLog); err != nil {
		return nil, false, fmt.Errorf("storage: candidate of round %d: %w", round, err)
	}
	return out, true, nil
}
