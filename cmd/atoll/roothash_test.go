package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

func TestWriteRound(t *testing.T) {
	h := api.Header{Namespace: genesis.SVMRuntimeID, Round: 4, Type: api.Normal, StateRoot: api.Hash{0xab}}
	w := signature.PublicKey{1}
	v := &api.RoundView{Latest: api.BlockView{Header: h, Hash: h.Hash(), Height: 40}, Round: &api.RoundState{
		Round: 5, StartHeight: 40, Deadline: 50, Discrepancy: true, IncomingUpTo: 3,
		Committee: api.Committee{Epoch: 2, Workers: []signature.PublicKey{w, {2}}, Backups: []signature.PublicKey{{3}}},
		Proposal:  &api.LockedProposal{Scheduler: w, BatchHash: api.Hash{0xcd}},
		Votes:     []api.Vote{{Node: w, Results: api.ComputeResults{StateRoot: api.Hash{0xee}}}, {Node: signature.PublicKey{3}, Backup: true, Failure: api.FailureUnknown}},
	}}
	var out bytes.Buffer
	writeRound(&out, v)
	for _, want := range []string{"svm round 4 (normal) at height 40", "round 5 (epoch 2) started at height 40, deadline 50, discrepancy: backups decide",
		"locked to batch cd00", "worker " + w.String() + "  state ee00000000000000", "backup " + signature.PublicKey{3}.String() + "  failure",
		"1 of 2 workers, 1 backups committed; incoming up to #3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	out.Reset()
	writeRound(&out, &api.RoundView{Latest: v.Latest, Suspended: true})
	if !strings.Contains(out.String(), "suspended: no round runs") {
		t.Errorf("suspended view:\n%s", out.String())
	}
}
