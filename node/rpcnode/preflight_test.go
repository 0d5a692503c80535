package rpcnode

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestBackend_Preflight: concurrent preflights, batched, each get the
// outcome their transaction has when simulated alone, whether they share
// a payer (two transfers that together overdraw it must both pass), pay
// from an account that does not exist, or run beside unrelated ones.
func TestBackend_Preflight(t *testing.T) {
	hr, rep := newHandRounds(t)
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep})
	if err != nil {
		t.Fatal(err)
	}
	if err := (&follower{b: b, chain: hr.chain}).step(context.Background()); err != nil {
		t.Fatal(err)
	}
	recent := b.LatestBlockhash(rpc.Finalized).Blockhash
	payer, broke := key(9), key(10)
	var txs []*sol.Transaction
	var raws [][]byte
	add := func(from []byte, lamports uint64) {
		raw, _, err := client.SignTransaction(recent, from, nil, svm.Transfer(client.PubkeyOf(from), sol.Pubkey{byte(len(txs)), 'p'}, lamports))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			t.Fatal(err)
		}
		txs, raws = append(txs, tx), append(raws, raw)
	}
	for i := 0; i < 40; i++ {
		switch i % 4 {
		case 0:
			add(payer, 6e11) // two of these overdraw the payer's 1e12
		case 1:
			add(broke, 1)
		default:
			add(payer, uint64(1e6+i))
		}
	}
	want := make([]string, len(txs))
	for i := range txs {
		sim, err := b.simulate(txs[i], raws[i], rpc.SimulateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fmt.Sprint(sim.Result.Err)
	}
	var wg sync.WaitGroup
	for i := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sim, err := b.preflight(txs[i], raws[i])
			if err != nil {
				t.Error(err)
				return
			}
			if got := fmt.Sprint(sim.Result.Err); got != want[i] {
				t.Errorf("preflight %d: %s, alone %s", i, got, want[i])
			}
		}()
	}
	wg.Wait()
	if want[1] == "<nil>" || want[0] != "<nil>" {
		t.Fatalf("the cases do not test what they should: %v", want[:2])
	}
}

// TestDisjointGroups: a batch's groups never let one transaction write an
// account another of its group reads or writes.
func TestDisjointGroups(t *testing.T) {
	a, c := key(1), key(2)
	mk := func(from []byte, to sol.Pubkey) *preflightReq {
		raw, _, err := client.SignTransaction(sol.Hash{1}, from, nil, svm.Transfer(client.PubkeyOf(from), to, 1))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &preflightReq{tx: tx}
	}
	reqs := []*preflightReq{mk(a, sol.Pubkey{9}), mk(c, sol.Pubkey{8}), mk(a, sol.Pubkey{7}), mk(c, client.PubkeyOf(a)), mk(key(3), sol.Pubkey{6})}
	groups := disjointGroups(reqs)
	at := map[*preflightReq]int{}
	for gi, g := range groups {
		for _, r := range g {
			at[r] = gi
		}
	}
	for _, tc := range []struct {
		i, j     int
		together bool
	}{{0, 1, true}, {0, 2, false}, {1, 3, false}, {0, 3, false}, {0, 4, true}} {
		if (at[reqs[tc.i]] == at[reqs[tc.j]]) != tc.together {
			t.Errorf("transactions %d and %d together: %v, want %v (groups %v)", tc.i, tc.j, !tc.together, tc.together, at)
		}
	}
}
