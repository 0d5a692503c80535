package node

import (
	"encoding/json"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// FuzzSVMGenesis_JSON feeds arbitrary bytes to the decoding LoadSVMGenesis
// does of a home's atoll-svm.json (homes of a multi-host network are
// copied between machines) and derives the genesis state of whatever
// decodes: neither may panic, and a decoded genesis re-encodes to the same
// state root.
func FuzzSVMGenesis_JSON(f *testing.F) {
	seed, _ := json.Marshal(&SVMGenesis{SlotsPerEpoch: 32, Faucet: sol.Pubkey{1}, FaucetLamports: 10, BridgeDomain: 1000,
		Accounts: []GenesisAccount{{Pubkey: sol.Pubkey{7}, Account: sol.Account{Lamports: 5, Data: []byte{1, 2, 3}, Owner: svm.BPFLoader2ID, Executable: true}}}})
	f.Add(seed)
	f.Add([]byte(`{"slots_per_epoch":0,"faucet":"11111111111111111111111111111111","accounts":[{"pubkey":"x"}]}`))
	f.Add([]byte(`{"accounts":[{"account":{"Lamports":18446744073709551615,"Data":"AAAA"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var g SVMGenesis
		if json.Unmarshal(b, &g) != nil {
			return
		}
		_, root, err := g.State()
		if err != nil {
			return
		}
		again, _ := json.Marshal(&g)
		var back SVMGenesis
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if _, root2, err := back.State(); err != nil || root2 != root {
			t.Fatalf("state root changed across a JSON round trip: %x, then %x (%v)", root, root2, err)
		}
	})
}
