package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

func TestSVMGenesis_AccountsAndBridgeConfig(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	extra := sol.Pubkey{7}
	g := &SVMGenesis{SlotsPerEpoch: 32, Faucet: sol.Pubkey{1}, FaucetLamports: 10, BridgeDomain: 1000, BridgeAdmin: sol.Pubkey{9},
		Accounts: []GenesisAccount{{Pubkey: extra, Account: sol.Account{Lamports: 5, Data: []byte{1, 2, 3}, Owner: svm.SystemProgramID}}}}
	if err := WriteSVMGenesis(home, g); err != nil {
		t.Fatal(err)
	}
	back, ok, err := LoadSVMGenesis(home)
	if err != nil || !ok {
		t.Fatalf("load: ok=%v err=%v", ok, err)
	}
	if back.Config() != g.Config() || back.Config().BridgeDomain != 1000 {
		t.Fatalf("config %+v, want %+v", back.Config(), g.Config())
	}
	wl, root, err := back.State()
	if err != nil {
		t.Fatal(err)
	}
	_, wantRoot, _ := g.State()
	if root != wantRoot {
		t.Fatalf("root after a JSON round trip %x, want %x", root, wantRoot)
	}
	tree := mkvs.NewTree()
	for _, e := range wl {
		if err := tree.Insert(e.Key, e.Value); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := tree.Get(extra[:])
	if err != nil {
		t.Fatalf("extra account missing from genesis state: %v", err)
	}
	var acct sol.Account
	if err := acct.UnmarshalBinary(raw); err != nil || acct.Lamports != 5 || string(acct.Data) != "\x01\x02\x03" {
		t.Fatalf("extra account %+v (%v)", acct, err)
	}
}
