package node

import (
	"encoding/json"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
)

// TestSVMGenesis_Warmup: warmup reaches the runtime configuration and so
// the genesis state (its EpochSchedule sysvar); a genesis file written
// before warmup existed reads as no warmup and keeps its state root.
func TestSVMGenesis_Warmup(t *testing.T) {
	var old SVMGenesis
	if err := json.Unmarshal([]byte(`{"slots_per_epoch":64,"faucet":"11111111111111111111111111111111","faucet_lamports":10}`), &old); err != nil {
		t.Fatal(err)
	}
	warm := old
	warm.Warmup = true
	for _, c := range []struct {
		g    *SVMGenesis
		want bool
	}{{&old, false}, {&warm, true}} {
		var cfg hosted.Config
		if err := rhp.Unmarshal(c.g.LocalConfig(), &cfg); err != nil || cfg.Warmup != c.want || cfg.SlotsPerEpoch != 64 {
			t.Fatalf("warmup %v: runtime config %+v, %v", c.want, cfg, err)
		}
	}
	b, _ := json.Marshal(&old)
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, ok := back["warmup"]; ok {
		t.Fatalf("a genesis without warmup writes it: %s", b)
	}
	_, oldRoot, err := old.State()
	if err != nil {
		t.Fatal(err)
	}
	_, warmRoot, err := warm.State()
	if err != nil {
		t.Fatal(err)
	}
	if oldRoot == warmRoot {
		t.Fatal("warmup does not reach the genesis state's EpochSchedule sysvar")
	}
	short := old
	short.SlotsPerEpoch = 8
	if _, _, err := short.State(); err == nil {
		t.Fatal("a genesis of 8 slots per epoch was accepted")
	}
}
