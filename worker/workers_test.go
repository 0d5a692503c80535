package worker

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/submit"
)

func signer(t *testing.T, b byte) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStart(t *testing.T) {
	gl, gr, err := wrt.Genesis(hosted.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := registry.RuntimeID{9}
	cfg := Config{Runtime: rt, Identity: signer(t, 1), P2PKey: signer(t, 2), DataDir: t.TempDir(), P2PAddr: "127.0.0.1:0",
		SubmitAddr: "127.0.0.1:0", Compute: true, Storage: true, GenesisLog: gl, GenesisRoot: gr, NoSync: true}
	w, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range w.Components {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "compute-") || !strings.Contains(got, "storage-challenges-") || !strings.Contains(got, "worker-p2p-peers") {
		t.Fatalf("components %s", got)
	}
	if _, root, ok := w.Replica.Round(); !ok || root.Hash != gr {
		t.Fatalf("genesis not seeded: %v", root)
	}
	// The submission endpoint is up; the worker has not seen the chain, so
	// it refuses with a reason.
	resp, err := http.Post("http://"+w.SubmitAddr+submit.Path(rt), "application/json", strings.NewReader(`{"tx":"AQI="}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("submission answered %d", resp.StatusCode)
	}
	if _, err := w.Compute.SubmitTx(context.Background(), []byte{1}); err == nil {
		t.Fatal("submission before the chain was seen")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening finds the state; a second seed is a no-op.
	w, err = Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r, _, ok := w.Replica.Round(); !ok || r != 0 {
		t.Fatalf("reopened at %d %v", r, ok)
	}
	w.Close()

	for _, bad := range []Config{{Runtime: rt}, {Runtime: rt, Identity: cfg.Identity, P2PKey: cfg.P2PKey, DataDir: t.TempDir()}} {
		if _, err := Start(bad); err == nil {
			t.Errorf("bad config accepted: %+v", bad)
		}
	}
}
