package roothash_test

import (
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// fuzzState is a network whose runtime has a pending round, with a valid
// commitment for it as a seed.
func fuzzState(f *testing.F) (*service.Context, api.SignedCommitment) {
	ctx, _, signers := memNet(f)
	svc := roothash.New()
	ctx.Height = 2
	if err := svc.EndBlock(ctx); err != nil {
		f.Fatal(err)
	}
	res, err := svc.Query(ctx.KV, 0, "round", api.RuntimeQueryData(genesis.SVMRuntimeID))
	if err != nil {
		f.Fatal(err)
	}
	v := res.(api.RoundView)
	cc := ctx.ChainContext
	sched, _ := v.Round.Committee.Scheduler(v.Round.Round, 0)
	p := api.SignProposal(signers[sched], cc, api.Proposal{Namespace: v.Runtime, Round: v.Round.Round, PreviousHash: v.Latest.Hash})
	r := results(v.Round.Round, nil)
	c := api.Commitment{Namespace: v.Runtime, Round: v.Round.Round, PreviousHash: v.Latest.Hash, Proposal: p, Results: r}
	for _, s := range v.Round.Committee.Storage {
		c.Receipts = append(c.Receipts, api.SignReceipt(signers[s], cc, api.Receipt{Namespace: v.Runtime, Round: c.Round, IORoot: r.IORoot, StateRoot: r.StateRoot}))
	}
	return ctx, api.SignCommitment(signers[sched], cc, c)
}

// FuzzService_ExecTx runs arbitrary bodies through every roothash method
// on a live round: no input may panic.
func FuzzService_ExecTx(f *testing.F) {
	ctx, sc := fuzzState(f)
	f.Add("ExecutorCommit", codec.Marshal(api.ExecutorCommitBody{Runtime: genesis.SVMRuntimeID, Commitments: []api.SignedCommitment{sc}}))
	f.Add("SubmitIncoming", codec.Marshal(api.SubmitIncomingBody{Runtime: genesis.SVMRuntimeID, Amount: 10}))
	f.Add("ChallengeReceipt", codec.Marshal(api.ChallengeBody{Receipt: sc.Commitment.Receipts[0], Key: []byte("k")}))
	f.Add("SubmitEvidence", codec.Marshal(api.EquivocationBody{A: sc.Commitment.Proposal, B: sc.Commitment.Proposal}))
	f.Add("AnswerChallenge", codec.Marshal(api.AnswerChallengeBody{ID: 0, Proof: []byte{1, 2, 3}}))
	signer := seeded(1, 0).Public()
	f.Fuzz(func(t *testing.T, method string, body []byte) {
		c := *ctx
		c.KV, c.Events, c.Signer, c.Mode = state.NewOverlay(ctx.KV), nil, signer, service.ModeDeliver
		_ = roothash.New().ExecTx(&c, method, body)
		c.Mode = service.ModeSystem
		if err := roothash.New().EndBlock(&c); err != nil {
			t.Fatalf("EndBlock after %s: %v", method, err)
		}
	})
}

// FuzzService_Query feeds arbitrary query paths and data.
func FuzzService_Query(f *testing.F) {
	ctx, _ := fuzzState(f)
	id := api.RuntimeQueryData(genesis.SVMRuntimeID)
	for _, p := range []string{"latest", "round", "incoming", "blocks", "challenges", "params", "liveness"} {
		f.Add(p, id)
	}
	f.Add("block", api.BlockQueryData(genesis.SVMRuntimeID, 0))
	f.Add("receipts", api.BlockQueryData(genesis.SVMRuntimeID, 0))
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		_, _ = roothash.New().Query(ctx.KV, 0, path, data)
	})
}
