package hosted

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestConfig_EpochSchedule(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want svm.EpochSchedule
	}{
		{Config{}, svm.DefaultEpochSchedule},
		{Config{Warmup: true}, svm.EpochSchedule{SlotsPerEpoch: 432_000, LeaderScheduleSlotOffset: 432_000, Warmup: true, FirstNormalEpoch: 14, FirstNormalSlot: 524_256}},
		{Config{SlotsPerEpoch: 64}, svm.EpochSchedule{SlotsPerEpoch: 64, LeaderScheduleSlotOffset: 64}},
		{Config{SlotsPerEpoch: 64, Warmup: true}, svm.EpochSchedule{SlotsPerEpoch: 64, LeaderScheduleSlotOffset: 64, Warmup: true, FirstNormalEpoch: 1, FirstNormalSlot: 32}},
	} {
		if got := c.cfg.EpochSchedule(); got != c.want {
			t.Errorf("%+v: schedule %+v, want %+v", c.cfg, got, c.want)
		}
	}
}

// TestConfig_EncodingCompatible: a configuration without warmup encodes as
// it did before the field existed, so existing networks' workers keep
// sending, and runtimes keep reading, the same bytes.
func TestConfig_EncodingCompatible(t *testing.T) {
	type before struct {
		SlotsPerEpoch uint64     `cbor:"slots_per_epoch"`
		BridgeDomain  uint32     `cbor:"bridge_domain"`
		BridgeAdmin   sol.Pubkey `cbor:"bridge_admin"`
	}
	old, err := rhp.Marshal(before{SlotsPerEpoch: 32, BridgeDomain: 3, BridgeAdmin: sol.Pubkey{4}})
	if err != nil {
		t.Fatal(err)
	}
	now, err := rhp.Marshal(Config{SlotsPerEpoch: 32, BridgeDomain: 3, BridgeAdmin: sol.Pubkey{4}})
	if err != nil || string(now) != string(old) {
		t.Fatalf("encoding changed: %x, was %x (%v)", now, old, err)
	}
	var cfg Config
	if err := rhp.Unmarshal(old, &cfg); err != nil || cfg.Warmup || cfg.SlotsPerEpoch != 32 {
		t.Fatalf("old encoding decodes to %+v, %v", cfg, err)
	}
	warm, _ := rhp.Marshal(Config{SlotsPerEpoch: 32, Warmup: true})
	if err := rhp.Unmarshal(warm, &cfg); err != nil || !cfg.Warmup {
		t.Fatalf("warmup does not round-trip: %+v, %v", cfg, err)
	}
}

func TestRuntime_InfoRefusesShortEpochs(t *testing.T) {
	rt, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, spe := range []uint64{1, 31} {
		b, _ := rhp.Marshal(Config{SlotsPerEpoch: spe})
		if _, err := rt.Info(context.Background(), &rhp.InfoRequest{LocalConfig: b}); err == nil {
			t.Errorf("slots_per_epoch %d accepted", spe)
		}
	}
	b, _ := rhp.Marshal(Config{SlotsPerEpoch: 32, Warmup: true})
	if _, err := rt.Info(context.Background(), &rhp.InfoRequest{LocalConfig: b}); err != nil {
		t.Fatal(err)
	}
}

// TestExecuteTxBatch_EpochFromSlot: the Clock sysvar's epoch and feature
// activation follow the runtime's schedule of the slot, whatever epoch the
// host sends. With 64 slots per epoch and warmup, epoch 0 is slots 0-31 and
// epoch 1 starts at slot 32.
func TestExecuteTxBatch_EpochFromSlot(t *testing.T) {
	cfg := Config{SlotsPerEpoch: 64, Warmup: true}
	genesis, err := GenesisAccounts(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rent := svm.DefaultRent
	feature := svm.FeatureTxWideComputeBudget.ID
	clock := (&svm.Clock{}).Encode()
	genesis = append(genesis,
		// A pending feature, and the clock of slot 0, so the first round
		// is not a first block (which activates everything pending).
		svm.AccountWrite{Key: feature, Account: sol.Account{Lamports: rent.MinimumBalance(9), Data: make([]byte, 9), Owner: svm.FeatureProgramID}},
		svm.AccountWrite{Key: svm.SysvarClockID, Account: sol.Account{Lamports: rent.MinimumBalance(len(clock)), Data: clock, Owner: svm.SysvarOwnerID}},
	)
	h := newHost(t, genesis)
	rt, err := New(h.fetch)
	if err != nil {
		t.Fatal(err)
	}
	lc, _ := rhp.Marshal(cfg)
	if _, err := rt.Info(context.Background(), &rhp.InfoRequest{LocalConfig: lc}); err != nil {
		t.Fatal(err)
	}
	a, _, err := h.state.Account(svm.SysvarEpochScheduleID)
	if err != nil || string(a.Data) != string(cfg.EpochSchedule().Encode()) {
		t.Fatalf("EpochSchedule sysvar %x, want %x (%v)", a.Data, cfg.EpochSchedule().Encode(), err)
	}
	for i, c := range []struct {
		slot, hostEpoch, epoch uint64
		status                 svm.FeatureStatus
	}{
		{31, 9, 0, svm.FeaturePending},
		{32, 0, 1, svm.FeatureActive},
		{96, 1, 2, svm.FeatureActive},
	} {
		round := uint64(i + 1)
		req := &rhp.ExecuteTxBatch{Round: round, PrevRoots: rhp.Roots{State: h.root()},
			Context: rhp.BlockContext{Slot: c.slot, Epoch: c.hostEpoch, UnixTimestamp: 1_700_000_000, RecentBlockhashes: []rhp.Hash{{byte(round)}}}}
		pre, err := h.fetch(context.Background(), h.root(), PrefetchKeys(nil))
		if err != nil {
			t.Fatal(err)
		}
		req.Prefetch = Prefetch(pre)
		resp, err := rt.ExecuteTxBatch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		h.apply(round, resp)
		a, _, err := h.state.Account(svm.SysvarClockID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := svm.DecodeClock(a.Data)
		if err != nil || got.Slot != c.slot || got.Epoch != c.epoch {
			t.Fatalf("slot %d (host epoch %d): clock %+v, want epoch %d (%v)", c.slot, c.hostEpoch, got, c.epoch, err)
		}
		f, ok, err := h.state.Account(feature)
		if err != nil {
			t.Fatal(err)
		}
		st, at := svm.DecodeFeatureAccount(&f, ok)
		if st != c.status || (st == svm.FeatureActive && at != 32) {
			t.Fatalf("slot %d: feature %v at %d, want %v (at slot 32)", c.slot, st, at, c.status)
		}
	}
}
