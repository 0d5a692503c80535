package compute

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/runtime/svm/crosslayer"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
)

// runtimeBalance reads an account at the latest finalized state from the
// first member's replica.
func (tn *testNet) runtimeBalance(t *testing.T, k sol.Pubkey) (uint64, uint64) {
	t.Helper()
	ctx := context.Background()
	v, err := NewHostChain(tn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	m := tn.members[0]
	root := mkvs.Root{Namespace: m.replica.KV.Namespace(), Version: v.Latest.Round, Type: mkvs.RootState, Hash: mkvs.Hash(v.Latest.StateRoot)}
	st, err := accounts.OpenAt(m.replica.KV, root)
	if err != nil {
		return 0, v.Latest.Round // the replica has not applied the round yet
	}
	a, _, err := st.Account(k)
	if err != nil {
		t.Fatal(err)
	}
	return a.Lamports, v.Latest.Round
}

func (tn *testNet) consensusBalance(a staking.Address) uint64 {
	tn.chain.blockMu.Lock()
	defer tn.chain.blockMu.Unlock()
	return staking.GetAccount(tn.chain.store.Committed(), a).General.Balance
}

// TestPipeline_CrossLayerValueConserved moves value into the runtime with a
// consensus deposit and out again with the cross-layer program's withdrawal,
// through the whole pipeline, and checks both layers agree on every unit.
func TestPipeline_CrossLayerValueConserved(t *testing.T) {
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3})
	tn.waitRound(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	depositor := seeded(1, 0) // a funded consensus entity
	runtimeAccount := staking.RuntimeAddress(genesis.SVMRuntimeID)
	recipient := sol.Pubkey(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
	const deposit, withdrawal = 300_000_000, 120_000_000
	startRuntimeAccount := tn.consensusBalance(runtimeAccount)

	if err := tn.chain.Submit(ctx, depositor, roothash.MethodSubmitIncoming,
		roothash.SubmitIncomingBody{Runtime: genesis.SVMRuntimeID, Amount: deposit, Recipient: recipient}); err != nil {
		t.Fatal(err)
	}
	for {
		if bal, _ := tn.runtimeBalance(t, recipient); bal == deposit {
			break
		} else if bal != 0 {
			t.Fatalf("recipient holds %d after the deposit", bal)
		}
		if ctx.Err() != nil {
			t.Fatalf("the deposit never reached the runtime; events %v", tn.chain.eventTypes(tn.names))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := tn.consensusBalance(runtimeAccount); got != startRuntimeAccount+deposit {
		t.Fatalf("runtime account holds %d, want %d", got, startRuntimeAccount+deposit)
	}

	dest := staking.Address{0xde, 0x57}
	recent, _ := tn.latest(t)
	msg, err := sol.NewLegacyMessage(payerPub(), sol.Hash(recent), crosslayer.Withdraw(payerPub(), dest, withdrawal))
	if err != nil {
		t.Fatal(err)
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(payer); err != nil {
		t.Fatal(err)
	}
	raw, _ := tx.MarshalBinary()
	res, err := tn.members[0].worker.SubmitTx(ctx, raw)
	if err != nil || res.Code != hosted.CodeOK {
		t.Fatalf("withdrawal: %+v %v", res, err)
	}
	for tn.consensusBalance(dest) != withdrawal {
		if ctx.Err() != nil {
			t.Fatalf("the withdrawal never reached the consensus layer; events %v", tn.chain.eventTypes(tn.names))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := tn.consensusBalance(runtimeAccount); got != startRuntimeAccount+deposit-withdrawal {
		t.Fatalf("runtime account holds %d, want %d", got, startRuntimeAccount+deposit-withdrawal)
	}
}
