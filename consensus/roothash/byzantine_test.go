package roothash_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

// scene is one Byzantine scenario run: the faulty worker holds scheduler
// rank pos (0: the round's primary scheduler, 1: its backup scheduler).
type scene struct {
	*harness
	rc      *roundCtx
	pos     int
	faulty  *signature.Signer
	honest  []*signature.Signer // the other workers, in rank order
	backups []*signature.Signer
	good    api.ComputeResults
}

func newScene(t *testing.T, cfg netConfig, pos int) *scene {
	h := newHarness(t, cfg)
	rc := h.pendingRound()
	s := &scene{harness: h, rc: rc, pos: pos, faulty: rc.scheduler(pos), good: results(rc.round, nil)}
	h.names[s.faulty.Public()] = "faulty"
	for k := 0; k < len(rc.c.Workers); k++ {
		if k != pos {
			w := rc.scheduler(k)
			h.names[w.Public()] = fmt.Sprintf("w%d", len(s.honest))
			s.honest = append(s.honest, w)
		}
	}
	for i, b := range rc.c.Backups {
		h.names[b] = fmt.Sprintf("b%d", i)
		s.backups = append(s.backups, h.signers[b])
	}
	for n := range h.signers {
		if _, ok := h.names[n]; !ok {
			h.names[n] = "validator"
		}
	}
	return s
}

// honestProposal is the proposal honest workers execute: the primary
// scheduler's at once, or, when the primary is the faulty node and does not
// propose usefully, the backup scheduler's once its rank may propose.
func (s *scene) honestProposal(faultyProposes bool) (api.SignedProposal, int64) {
	if s.pos != 0 || faultyProposes {
		return s.rc.propose(s.rc.scheduler(0), [][]byte{{1}}), s.height + 1
	}
	pt := int64(s.doc.Registry.Runtimes[0].Executor.ProposerTimeout)
	s.until(1 + pt - 1) // the round started at height 1
	return s.rc.propose(s.rc.scheduler(1), [][]byte{{1}}), s.height + 1
}

func (s *scene) wantCode(i int, code uint32, msg string) {
	s.t.Helper()
	got, log := s.code(i)
	if got != code || !strings.Contains(log, msg) {
		s.t.Fatalf("tx %d: code %d %q, want code %d containing %q", i, got, log, code, msg)
	}
}

func (s *scene) backupsCommit(p api.SignedProposal, res api.ComputeResults, n int) {
	for _, b := range s.backups[:n] {
		s.submit(s.rc.commitment(b, p, res, nil))
	}
}

var (
	evHonest         = []string{"commitment round=1 node=w0", "commitment round=1 node=w1", "commitment round=1 node=faulty", "finalized round=1 messages=0"}
	evBackupFinalize = []string{"commitment round=1 node=b0 backup=true", "commitment round=1 node=b1 backup=true", "finalized round=1 messages=0"}
	slashFaulty      = "slashed round=1 node=faulty reason=incorrect-results amount=1000"
)

func TestByzantine(t *testing.T) {
	scenarios := []struct {
		name  string
		cfg   func(*netConfig)
		run   func(s *scene)
		slash int64 // expected escrow loss of the faulty node's entity
		// stateRoot is what the round must finalize to; zero: round failed.
		failed bool
	}{
		{name: "honest", run: func(s *scene) {
			p, _ := s.honestProposal(true)
			for _, w := range append(append([]*signature.Signer{}, s.honest...), s.faulty) {
				s.submit(s.rc.commitment(w, p, s.good, nil))
			}
			equalLines(s.t, "block", s.block(), evHonest)
		}},
		{name: "dishonest", slash: 1000, run: func(s *scene) {
			p, _ := s.honestProposal(true)
			bad := s.good
			bad.StateRoot[0] ^= 0xff
			s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
			s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
			s.submit(s.rc.commitment(s.faulty, p, bad, nil))
			equalLines(s.t, "workers", s.block(), []string{"commitment round=1 node=w0", "commitment round=1 node=w1",
				"commitment round=1 node=faulty", "discrepancy round=1 reason=workers disagree"})
			s.backupsCommit(p, s.good, 2)
			equalLines(s.t, "backups", s.block(), append(evBackupFinalize, slashFaulty))
		}},
		{name: "bogus", run: func(s *scene) {
			garbage := s.rawTx([]byte("\xa1garbage commitment"))
			rc := s.rc
			bogus := api.SignCommitment(s.faulty, s.cc, api.Commitment{Namespace: s.rt, Round: rc.round, PreviousHash: rc.parent,
				Results: api.ComputeResults{StateRoot: api.Hash{0xde, 0xad}, MessagesHash: api.MessagesHash(nil)}})
			bogusTx := s.submit(bogus)
			equalLines(s.t, "bogus", s.block(), nil)
			s.wantCode(garbage, app.CodeMalformed, "")
			s.wantCode(bogusTx, app.CodeInvalid, "roothash: bad proposal")
			s.stragglerRound(false)
		}},
		{name: "invalid-batch-hash", run: func(s *scene) {
			// The faulty scheduler's proposal names a hash its batch does
			// not have; honest workers discard it and never commit it.
			bad := s.rc.propose(s.faulty, [][]byte{{0xba, 0xd}})
			if s.pos == 0 {
				equalLines(s.t, "nothing", s.until(10), nil)
				equalLines(s.t, "timeout", s.block(), []string{"round_failed round=1 reason=no commitments before the deadline"})
				return
			}
			// As backup scheduler it is too early to propose, and honest
			// workers follow the primary.
			p, _ := s.honestProposal(true)
			early := s.submit(s.rc.commitment(s.faulty, bad, s.good, nil))
			s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
			s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
			s.submit(s.rc.commitment(s.faulty, p, s.good, nil))
			equalLines(s.t, "block", s.block(), evHonest)
			s.wantCode(early, app.CodeInvalid, "proposer's rank may not propose yet")
		}, failed: true},
		{name: "runaway", run: func(s *scene) {
			p, _ := s.honestProposal(true)
			second := s.rc.propose(s.faulty, [][]byte{{2}, {3}})
			if s.pos == 0 {
				// The scheduler proposes twice; the first accepted
				// commitment locks the round to its proposal.
				first := s.rc.propose(s.faulty, [][]byte{{1}})
				s.submit(s.rc.commitment(s.honest[0], first, s.good, nil))
				locked := s.submit(s.rc.commitment(s.honest[1], second, results(1, []api.Message{}), nil))
				s.submit(s.rc.commitment(s.honest[1], first, s.good, nil))
				s.submit(s.rc.commitment(s.faulty, first, s.good, nil))
				equalLines(s.t, "block", s.block(), evHonest)
				s.wantCode(locked, app.CodeInvalid, "round is locked to another proposal")
				return
			}
			early := s.submit(s.rc.commitment(s.faulty, second, s.good, nil))
			s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
			equalLines(s.t, "early", s.block(), []string{"commitment round=1 node=w0"})
			s.wantCode(early, app.CodeInvalid, "proposer's rank may not propose yet")
			s.until(6 - 1) // rank 1 may propose from height 6
			locked := s.submit(s.rc.commitment(s.faulty, second, s.good, nil))
			s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
			s.submit(s.rc.commitment(s.faulty, p, s.good, nil))
			equalLines(s.t, "block", s.block(), evHonest[1:])
			s.wantCode(locked, app.CodeInvalid, "round is locked to another proposal")
		}},
		{name: "straggler", run: func(s *scene) { s.stragglerRound(false) }},
		{name: "straggler-allowed", cfg: func(c *netConfig) { c.Stragglers = 1 }, run: func(s *scene) { s.stragglerRound(true) }},
		// A failure commitment forces the backups to decide but is not a
		// false claim: no slash, one liveness fault.
		{name: "failure-indicating", run: func(s *scene) {
			p, _ := s.honestProposal(true)
			s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
			s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
			s.submit(s.rc.failure(s.faulty, p))
			equalLines(s.t, "workers", s.block(), []string{"commitment round=1 node=w0", "commitment round=1 node=w1",
				"commitment round=1 node=faulty failure=1", "discrepancy round=1 reason=workers disagree"})
			s.backupsCommit(p, s.good, 2)
			equalLines(s.t, "backups", s.block(), append(evBackupFinalize, "liveness_fault round=1 node=faulty faults=1"))
		}},
	}
	for _, sc := range scenarios {
		for pos, where := range []string{"primary-scheduler", "backup-scheduler"} {
			t.Run(sc.name+"/"+where, func(t *testing.T) {
				cfg := defaultNet()
				if sc.cfg != nil {
					sc.cfg(&cfg)
				}
				s := newScene(t, cfg, pos)
				before := s.escrows()
				sc.run(s)
				after := s.escrows()
				for name, b := range before {
					want := int64(0)
					if name == "faulty" {
						want = sc.slash
					}
					if loss := b - after[name]; loss != want {
						t.Errorf("%s lost %d escrow, want %d", name, loss, want)
					}
				}
				l := s.latest()
				switch {
				case sc.failed && s.pos == 0:
					if l.Header.Type != api.RoundFailed || l.Header.Round != 1 {
						t.Fatalf("latest block %+v, want round 1 failed", l.Header)
					}
				case l.Header.Type != api.Normal || l.Header.Round != 1 || l.Header.StateRoot != s.good.StateRoot:
					t.Fatalf("latest block %+v, want round 1 with the honest state root", l.Header)
				}
			})
		}
	}
}

// stragglerRound runs round 1 with the faulty worker never committing
// (and, as primary scheduler, never proposing): with allowed stragglers
// it finalizes at the deadline, else the backups decide; either way the
// straggler gets one liveness fault and no slash.
func (s *scene) stragglerRound(allowed bool) {
	p, _ := s.honestProposal(false)
	s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
	s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
	equalLines(s.t, "workers", s.block(), []string{"commitment round=1 node=w0", "commitment round=1 node=w1"})
	deadline := int64(1 + s.doc.Registry.Runtimes[0].Executor.RoundTimeout)
	equalLines(s.t, "quiet", s.until(deadline-1), nil)
	fault := "liveness_fault round=1 node=faulty faults=1"
	if allowed {
		equalLines(s.t, "deadline", s.block(), []string{"finalized round=1 messages=0", fault})
		return
	}
	equalLines(s.t, "deadline", s.block(), []string{"discrepancy round=1 reason=too many workers missing at the deadline"})
	s.backupsCommit(p, s.good, 2)
	equalLines(s.t, "backups", s.block(), append(evBackupFinalize, fault))
}

// TestByzantine_DishonestBackup: a worker and a backup both commit a wrong
// state; the honest backup majority decides, and both are slashed.
func TestByzantine_DishonestBackup(t *testing.T) {
	s := newScene(t, defaultNet(), 1)
	p, _ := s.honestProposal(true)
	bad := s.good
	bad.StateRoot[31] ^= 1
	s.names[s.backups[1].Public()] = "faulty-backup"
	s.submit(s.rc.commitment(s.honest[0], p, s.good, nil))
	s.submit(s.rc.commitment(s.faulty, p, bad, nil))
	equalLines(t, "workers", s.block(), []string{"commitment round=1 node=w0", "commitment round=1 node=faulty",
		"discrepancy round=1 reason=workers disagree"})
	s.submit(s.rc.commitment(s.backups[0], p, s.good, nil))
	s.submit(s.rc.commitment(s.backups[1], p, bad, nil))
	s.submit(s.rc.commitment(s.backups[2], p, s.good, nil))
	late := s.submit(s.rc.commitment(s.honest[1], p, s.good, nil))
	equalLines(t, "backups", s.block(), []string{
		"commitment round=1 node=b0 backup=true", "commitment round=1 node=faulty-backup backup=true",
		"commitment round=1 node=b2 backup=true", "finalized round=1 messages=0",
		"slashed round=1 node=faulty reason=incorrect-results amount=1000",
		"slashed round=1 node=faulty-backup reason=incorrect-results amount=1000",
	})
	// Worker votes closed with the discrepancy; the round is over anyway.
	if code, _ := s.code(late); code == app.CodeOK {
		t.Fatal("a late worker commitment was accepted")
	}
	if l := s.latest(); l.Header.StateRoot != s.good.StateRoot {
		t.Fatal("the wrong state was finalized")
	}
}

// TestService_ExecutorCommitBatch: commitments relayed together are judged
// one by one; a rejected one is reported and leaves the others standing.
func TestService_ExecutorCommitBatch(t *testing.T) {
	s := newScene(t, defaultNet(), 0)
	p, _ := s.honestProposal(true)
	w0 := s.rc.commitment(s.honest[0], p, s.good, nil)
	mixed := s.submit(w0, w0, s.rc.commitment(s.honest[1], p, s.good, nil))
	onlyBad := s.submit(w0)
	empty := s.tx(s.relayer, api.MethodExecutorCommit, api.ExecutorCommitBody{Runtime: s.rt})
	equalLines(t, "block", s.block(), []string{"commitment round=1 node=w0", "commitment_rejected index=1 node=w0", "commitment round=1 node=w1"})
	s.wantCode(mixed, app.CodeOK, "")
	s.wantCode(onlyBad, app.CodeInvalid, "already committed")
	s.wantCode(empty, app.CodeInvalid, "0 commitments")
	// More than fit a transaction today, but bounded on their own.
	ctx := &service.Context{KV: state.NewOverlay(s.kv()), Height: s.height + 1, ChainContext: s.cc, Mode: service.ModeDeliver}
	body := codec.Marshal(api.ExecutorCommitBody{Runtime: s.rt, Commitments: make([]api.SignedCommitment, api.MaxCommitmentsPerTx+1)})
	if err := roothash.New().ExecTx(ctx, "ExecutorCommit", body); err == nil || !strings.Contains(err.Error(), "65 commitments") {
		t.Fatalf("65 commitments: %v", err)
	}
}
