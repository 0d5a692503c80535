package roothash_test

import (
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
)

func TestService_EquivocationEvidence(t *testing.T) {
	s := newScene(t, defaultNet(), 0)
	first := s.rc.propose(s.faulty, [][]byte{{1}})
	second := s.rc.propose(s.faulty, [][]byte{{2}})
	other := s.rc.propose(s.honest[0], [][]byte{{2}})
	forged := second
	forged.Signature[5] ^= 1
	future := api.SignProposal(s.faulty, s.cc, api.Proposal{Namespace: s.rt, Round: 9, BatchHash: api.BatchHash(nil)})
	futureB := api.SignProposal(s.faulty, s.cc, api.Proposal{Namespace: s.rt, Round: 9, BatchHash: api.BatchHash([][]byte{{1}})})
	before := s.escrows()["faulty"]
	watcher := s.relayer
	submit := func(a, b api.SignedProposal) int {
		return s.tx(watcher, api.MethodSubmitEvidence, api.EquivocationBody{A: a, B: b})
	}
	cases := map[int]string{
		submit(first, first):    "the proposals are the same",
		submit(first, other):    "two schedulers",
		submit(first, forged):   "bad signature",
		submit(future, futureB): "neither pending nor among the last",
		submit(first, second):   "",
		submit(second, first):   "already punished",
	}
	equalLines(t, "evidence", s.block(), []string{"slashed round=1 node=faulty reason=equivocation amount=5000"})
	for i, want := range cases {
		code, log := s.code(i)
		if want == "" && code != app.CodeOK || want != "" && (code != app.CodeInvalid && code != app.CodeForbidden || !strings.Contains(log, want)) {
			t.Errorf("tx %d: code %d %q, want %q", i, code, log, want)
		}
	}
	if loss := before - s.escrows()["faulty"]; loss != 5000 {
		t.Fatalf("equivocating scheduler lost %d, want 5000", loss)
	}
}
