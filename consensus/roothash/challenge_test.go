package roothash_test

import (
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

func TestService_StorageChallenge(t *testing.T) {
	h := newHarness(t, defaultNet())
	tree := mkvs.NewTree()
	for _, k := range []string{"acct/1", "acct/2", "acct/3", "code/1"} {
		if err := tree.Insert([]byte(k), []byte("value of "+k)); err != nil {
			t.Fatal(err)
		}
	}
	res := api.ComputeResults{IORoot: api.Hash(mkvs.EmptyRoot), StateRoot: api.Hash(tree.Hash()), MessagesHash: api.MessagesHash(nil)}
	rc := h.pendingRound()
	p := rc.propose(rc.scheduler(0), [][]byte{{1}})
	var scs []api.SignedCommitment
	for _, w := range rc.c.Workers {
		scs = append(scs, rc.commitment(h.signers[w], p, res, nil))
	}
	h.submit(scs...)
	h.block()
	if l := h.latest(); l.Header.StateRoot != res.StateRoot {
		t.Fatal("round 1 not finalized with the tree's root")
	}
	r0, r1 := scs[0].Commitment.Receipts[0], scs[0].Commitment.Receipts[1]
	h.names[r0.Node], h.names[r1.Node] = "s0", "s1"
	challenger := h.relayer
	cAddr := staking.NewAddress(challenger.Public())
	s0Ent, s1Ent := staking.NewAddress(h.entity[r0.Node]), staking.NewAddress(h.entity[r1.Node])
	cBefore, s0Before := staking.GetAccount(h.kv(), cAddr).General.Balance, staking.GetAccount(h.kv(), s0Ent).General.Balance
	s1Escrow := staking.EscrowBalance(h.kv(), s1Ent)

	challenge := func(r api.SignedReceipt, kind api.RootKind, key string) int {
		return h.tx(challenger, api.MethodChallenge, api.ChallengeBody{Receipt: r, Root: kind, Key: []byte(key)})
	}
	ok0 := challenge(r0, api.StateRootKind, "acct/2")
	ok1 := challenge(r1, api.StateRootKind, "acct/9")
	dup := challenge(r0, api.StateRootKind, "acct/2")
	unfinal := r0
	unfinal.Receipt.Round = 2
	notFinal := challenge(unfinal, api.StateRootKind, "x")
	forged := r0
	forged.Signature[0] ^= 1
	badSig := challenge(forged, api.StateRootKind, "y")
	badKind := challenge(r0, 9, "z")
	equalLines(t, "challenges", h.block(), []string{"challenge round=1 id=0 node=s0", "challenge round=1 id=1 node=s1"})
	for i, want := range map[int]string{ok0: "", ok1: "", dup: "same challenge is open", notFinal: "not for a finalized block",
		badSig: "bad signature", badKind: "unknown root kind"} {
		code, log := h.code(i)
		if want == "" && code != app.CodeOK || want != "" && (code == app.CodeOK || !strings.Contains(log, want)) {
			t.Errorf("tx %d: code %d %q, want %q", i, code, log, want)
		}
	}
	cs := query[[]api.Challenge](t, nil, h.kv(), "challenges", nil)
	if len(cs) != 2 || cs[0].Node != r0.Node || cs[1].Deadline != 3+20 || cs[0].Root != res.StateRoot {
		t.Fatalf("open challenges %+v", cs)
	}

	wrong, _ := tree.Prove([]byte("acct/1"))
	right, _ := tree.Prove([]byte("acct/2"))
	bad := h.tx(challenger, api.MethodAnswerChallenge, api.AnswerChallengeBody{ID: 0, Proof: wrong})
	good := h.tx(h.signers[r0.Node], api.MethodAnswerChallenge, api.AnswerChallengeBody{ID: 0, Proof: right})
	equalLines(t, "answer", h.block(), []string{"challenge_answered round=1 id=0 node=s0"})
	if code, log := h.code(bad); code != app.CodeInvalid || !strings.Contains(log, "does not answer") {
		t.Fatalf("wrong proof: %d %s", code, log)
	}
	if code, log := h.code(good); code != app.CodeOK {
		t.Fatalf("right proof: %d %s", code, log)
	}
	h.until(22) // idle rounds fail meanwhile; nothing else happens
	equalLines(t, "expiry", h.block(), []string{"challenge_expired round=1 id=1 node=s1",
		"slashed round=1 node=s1 reason=incorrect-results amount=1000"})
	late := h.tx(challenger, api.MethodAnswerChallenge, api.AnswerChallengeBody{ID: 1, Proof: right})
	h.block()
	if code, _ := h.code(late); code != app.CodeNotFound {
		t.Fatalf("answer after expiry: code %d", code)
	}
	if got := int64(staking.GetAccount(h.kv(), cAddr).General.Balance) - int64(cBefore); got != -1000 {
		t.Errorf("challenger balance moved %d, want -1000 (lost the answered bond)", got)
	}
	if got := staking.GetAccount(h.kv(), s0Ent).General.Balance - s0Before; got != 1000 {
		t.Errorf("answering node's entity earned %d, want 1000", got)
	}
	if got := s1Escrow - staking.EscrowBalance(h.kv(), s1Ent); got != 1000 {
		t.Errorf("unanswering node lost %d escrow, want 1000", got)
	}
	if st := registry.GetNodeStatus(h.kv(), r1.Node); !st.IsFrozen(0) {
		t.Error("unanswering node not frozen")
	}
	if cs := query[[]api.Challenge](t, nil, h.kv(), "challenges", nil); len(cs) != 0 {
		t.Fatalf("challenges left open: %+v", cs)
	}
}

// TestService_StorageChallengeOncePerReceipt: several nodes that failed to
// fetch the same round each challenge the same receipt (with their own
// keys); all expire unanswered, and the signer is slashed once for the
// round. A receipt of another round is another fault.
func TestService_StorageChallengeOncePerReceipt(t *testing.T) {
	h := newHarness(t, defaultNet())
	var receipts []api.SignedReceipt
	for r := uint64(1); r <= 2; r++ {
		h.finalizeRound(results(r, nil), nil)
		got := query[[]api.SignedReceipt](t, nil, h.kv(), "receipts", api.BlockQueryData(h.rt, r))
		receipts = append(receipts, got[0])
	}
	lazy := receipts[0].Node
	h.names[lazy] = "lazy"
	ent := staking.NewAddress(h.entity[lazy])
	before := staking.EscrowBalance(h.kv(), ent)
	for _, k := range []string{"a", "b", "c"} {
		h.tx(h.relayer, api.MethodChallenge, api.ChallengeBody{Receipt: receipts[0], Root: api.StateRootKind, Key: []byte(k)})
	}
	h.tx(h.relayer, api.MethodChallenge, api.ChallengeBody{Receipt: receipts[0], Root: api.IORootKind, Key: []byte("a")})
	h.tx(h.relayer, api.MethodChallenge, api.ChallengeBody{Receipt: receipts[1], Root: api.StateRootKind, Key: []byte("a")})
	opened := h.block()
	if len(opened) != 5 {
		t.Fatalf("opened %q", opened)
	}
	deadline := h.height + 20
	h.until(deadline - 1)
	var slashes []string
	for _, e := range h.block() {
		if strings.HasPrefix(e, "slashed") {
			slashes = append(slashes, e)
		}
	}
	equalLines(t, "slashes", slashes, []string{
		"slashed round=1 node=lazy reason=incorrect-results amount=1000",
		"slashed round=2 node=lazy reason=incorrect-results amount=1000",
	})
	if got := before - staking.EscrowBalance(h.kv(), ent); got != 2000 {
		t.Errorf("lazy lost %d escrow, want 2000 (two rounds)", got)
	}
}
