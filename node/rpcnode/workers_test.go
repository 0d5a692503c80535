package rpcnode

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/worker"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

func TestForWorkers(t *testing.T) {
	rc := hosted.Config{SlotsPerEpoch: 64, BridgeDomain: 7}
	enc, err := rhp.Marshal(&rc)
	if err != nil {
		t.Fatal(err)
	}
	gl, gr, err := wrt.Genesis(rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	signer := func(b byte) *signature.Signer {
		s, err := signature.SignerFromSeed(bytes.Repeat([]byte{b}, 32))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	wc := worker.Config{Runtime: registry.RuntimeID{9}, Identity: signer(1), P2PKey: signer(2), DataDir: t.TempDir(), P2PAddr: "127.0.0.1:0",
		Compute: true, Storage: true, GenesisLog: gl, GenesisRoot: gr, NoSync: true, RuntimeConfig: enc}
	w, err := worker.Start(wc)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cfg, err := ForWorkers(w, wc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Replica != w.Replica || cfg.Compute != w.Compute || cfg.Runtime != wc.Runtime || cfg.RuntimeConfig != rc ||
		cfg.Identity != sol.Pubkey(wc.Identity.Public()) {
		t.Fatalf("config %+v", cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b.EpochSchedule().SlotsPerEpoch != 64 {
		t.Fatalf("epoch schedule %+v", b.EpochSchedule())
	}
	wc.RuntimeConfig = []byte{0xff}
	if _, err := ForWorkers(w, wc); err == nil {
		t.Fatal("a malformed runtime configuration was accepted")
	}
}
