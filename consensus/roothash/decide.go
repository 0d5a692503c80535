package roothash

import (
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Outcome is what a round's votes decide.
type Outcome uint8

// Outcomes.
const (
	// Pending: wait for more votes or the deadline.
	Pending Outcome = iota
	// Finalize: Decision.Results become the next block.
	Finalize
	// Discrepancy: the backup workers must decide.
	Discrepancy
	// Fail: the round closes with a RoundFailed block.
	Fail
)

func (o Outcome) String() string {
	switch o {
	case Pending:
		return "pending"
	case Finalize:
		return "finalize"
	case Discrepancy:
		return "discrepancy"
	case Fail:
		return "fail"
	}
	return "unknown"
}

// Decision is Decide's answer; Reason names why for discrepancies and
// failures, for events and logs.
type Decision struct {
	Outcome Outcome
	Results api.ComputeResults
	Reason  string
}

// Decide judges the round's votes. timedOut says the current phase's
// deadline has passed. It is a pure function of its arguments.
//
// Worker phase: two differing votes are a discrepancy at once; all of W
// agreeing on results finalizes, all of W failing is a discrepancy; at the
// deadline, no votes fail the round, at most allowedStragglers missing with
// the rest agreeing on results finalizes, anything else is a discrepancy.
//
// Backup phase: the result ⌊|B|/2⌋+1 backups agree on decides if it is a
// result (not a failure) some worker also committed; any other majority,
// all of B voting without a majority, no backups at all, or the deadline
// fail the round.
func Decide(r *api.RoundState, allowedStragglers int, timedOut bool) Decision {
	if r.Discrepancy {
		return decideBackups(r, timedOut)
	}
	var first *api.Vote
	for i := range r.Votes {
		v := &r.Votes[i]
		if first == nil {
			first = v
		} else if !first.Agrees(v) {
			return Decision{Outcome: Discrepancy, Reason: "workers disagree"}
		}
	}
	missing := len(r.Committee.Workers) - len(r.Votes)
	switch {
	case first == nil && timedOut:
		return Decision{Outcome: Fail, Reason: "no commitments before the deadline"}
	case first == nil:
		return Decision{Outcome: Pending}
	case missing == 0 && first.Failure != api.NoFailure:
		return Decision{Outcome: Discrepancy, Reason: "every worker reported failure"}
	case missing == 0:
		return Decision{Outcome: Finalize, Results: first.Results}
	case !timedOut:
		return Decision{Outcome: Pending}
	case missing <= allowedStragglers && first.Failure == api.NoFailure:
		return Decision{Outcome: Finalize, Results: first.Results}
	case first.Failure != api.NoFailure:
		return Decision{Outcome: Discrepancy, Reason: "workers reported failure"}
	}
	return Decision{Outcome: Discrepancy, Reason: "too many workers missing at the deadline"}
}

func decideBackups(r *api.RoundState, timedOut bool) Decision {
	b := len(r.Committee.Backups)
	if b == 0 {
		return Decision{Outcome: Fail, Reason: "no backup workers"}
	}
	need := b/2 + 1
	var backups []*api.Vote
	for i := range r.Votes {
		if r.Votes[i].Backup {
			backups = append(backups, &r.Votes[i])
		}
	}
	for _, v := range backups {
		n := 0
		for _, o := range backups {
			if v.Agrees(o) {
				n++
			}
		}
		if n < need {
			continue
		}
		if v.Failure != api.NoFailure {
			return Decision{Outcome: Fail, Reason: "backup majority reported failure"}
		}
		for i := range r.Votes {
			if w := &r.Votes[i]; !w.Backup && w.Agrees(v) {
				return Decision{Outcome: Finalize, Results: v.Results}
			}
		}
		return Decision{Outcome: Fail, Reason: "backup majority matches no worker commitment"}
	}
	switch {
	case len(backups) == b:
		return Decision{Outcome: Fail, Reason: "backups reached no majority"}
	case timedOut:
		return Decision{Outcome: Fail, Reason: "backup deadline passed without a majority"}
	}
	return Decision{Outcome: Pending}
}

// missingWorkers lists the workers without a vote, in committee order.
func missingWorkers(r *api.RoundState) []signature.PublicKey {
	var out []signature.PublicKey
	for _, w := range r.Committee.Workers {
		if !r.Voted(w) {
			out = append(out, w)
		}
	}
	return out
}
