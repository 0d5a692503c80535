package roothash_test

import (
	"testing"

	"github.com/atoll-dev/atoll/consensus/roothash"
)

// BenchmarkService_Round measures one finalized round through the
// application: a block holding the three workers' commitments (each with
// two receipts), judged, decided and finalized. Signing is excluded.
func BenchmarkService_Round(b *testing.B) {
	cfg := defaultNet()
	cfg.EpochInterval = 1 << 30 // registrations would expire
	h := newHarness(b, cfg)
	for b.Loop() {
		b.StopTimer()
		rc := h.pendingRound()
		p := rc.propose(rc.scheduler(0), [][]byte{{1}})
		for _, w := range rc.c.Workers {
			h.submit(rc.commitment(h.signers[w], p, results(rc.round, nil), nil))
		}
		b.StartTimer()
		h.block()
	}
	if h.latest().Header.Round == 0 {
		b.Fatal("no round finalized")
	}
}

// BenchmarkDecide measures deciding a backup round of five backups.
func BenchmarkDecide(b *testing.B) {
	f := newJudgeFixture()
	r := *f.round
	r.Discrepancy = true
	r.Committee.Backups = nil
	for i := 0; i < 5; i++ {
		r.Committee.Backups = append(r.Committee.Backups, seeded(8, i).Public())
	}
	for i := range r.Committee.Workers {
		r.Votes = append(r.Votes, voteOf(r.Committee.Workers[i], results(uint64(i), nil), false))
	}
	for i := 0; i < 4; i++ {
		r.Votes = append(r.Votes, voteOf(r.Committee.Backups[i], results(uint64(i/3), nil), true))
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := roothash.Decide(&r, 0, false); d.Outcome == roothash.Pending {
			b.Fatal("undecided")
		}
	}
}
