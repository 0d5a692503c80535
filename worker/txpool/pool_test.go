package txpool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// feeChecker admits transactions whose first byte is not 0 with that byte
// as priority.
type feeChecker struct{ calls int }

func (c *feeChecker) CheckTx(_ context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	c.calls++
	out := &rhp.CheckTxBatchResponse{}
	for _, tx := range req.Txs {
		if tx[0] == 0 {
			out.Results = append(out.Results, rhp.CheckTxResult{Code: 2, Message: "bad"})
		} else {
			out.Results = append(out.Results, rhp.CheckTxResult{Priority: uint64(tx[0])})
		}
	}
	return out, nil
}

func tx(prio byte, id int) []byte { return append([]byte{prio}, fmt.Sprint(id)...) }

func TestPool_Add(t *testing.T) {
	c := &feeChecker{}
	p := New(Config{MaxTxs: 3, MaxTxSize: 10}, c)
	errs, err := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(1, 1), tx(1, 1), tx(0, 2), make([]byte, 11), tx(5, 3)})
	if err != nil {
		t.Fatal(err)
	}
	want := []error{nil, ErrDuplicate, ErrRejected, ErrTooLarge, nil}
	for i := range want {
		if !errors.Is(errs[i], want[i]) && !(want[i] == nil && errs[i] == nil) {
			t.Errorf("tx %d: %v, want %v", i, errs[i], want[i])
		}
	}
	if errs, _ := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(1, 1)}); !errors.Is(errs[0], ErrDuplicate) || c.calls != 1 {
		t.Errorf("pooled duplicate re-checked: %v, %d checks", errs[0], c.calls)
	}
	// Full: a higher priority evicts the lowest; an equal one is refused.
	p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(3, 4)})
	errs, _ = p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(1, 5), tx(4, 6)})
	if !errors.Is(errs[0], ErrFull) || errs[1] != nil {
		t.Fatalf("eviction: %v", errs)
	}
	got := p.Batch(10)
	if len(got) != 3 || string(got[0]) != string(tx(5, 3)) || string(got[1]) != string(tx(4, 6)) || string(got[2]) != string(tx(3, 4)) {
		t.Fatalf("batch %q", got)
	}
}

func TestPool_BatchAndRemove(t *testing.T) {
	p := New(Config{}, &feeChecker{})
	var txs [][]byte
	for i := range 10 {
		txs = append(txs, tx(byte(1+i%2), i))
	}
	added := p.Added()
	p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs)
	select {
	case <-added:
	default:
		t.Fatal("admission not signalled")
	}
	b := p.Batch(4)
	// Priority 2 first (odd ids), in arrival order.
	for i, want := range []int{1, 3, 5, 7} {
		if string(b[i]) != string(tx(2, want)) {
			t.Fatalf("batch[%d] = %q", i, b[i])
		}
	}
	p.Remove(b)
	if p.Len() != 6 || len(p.Batch(100)) != 6 {
		t.Fatalf("after remove: %d", p.Len())
	}
	mark := p.Mark()
	p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(9, 100)})
	if old := p.Admitted(100, mark); len(old) != 6 || slices.ContainsFunc(old, func(b []byte) bool { return string(b) == string(tx(9, 100)) }) {
		t.Fatalf("admitted up to the mark: %q", old)
	}
	if all := p.Batch(100); len(all) != 7 || string(all[0]) != string(tx(9, 100)) {
		t.Fatalf("batch after the mark: %q", all)
	}
	p.Remove([][]byte{tx(9, 100)})
	p.RemoveHashes([]Hash{HashOf(tx(1, 0)), HashOf(tx(9, 99))})
	if p.Len() != 5 {
		t.Fatalf("after removing by hash: %d", p.Len())
	}
	for _, b := range p.Batch(100) {
		if string(b) == string(tx(1, 0)) {
			t.Fatal("removed transaction still batched")
		}
	}
}

func BenchmarkPool_AddBatch(b *testing.B) {
	p := New(Config{MaxTxs: 1 << 20}, &feeChecker{})
	txs := make([][]byte, 1000)
	for i := 0; b.Loop(); i++ {
		for j := range txs {
			txs[j] = tx(byte(1+j%7), i*1000+j)
		}
		p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs)
		p.Remove(p.Batch(1000))
	}
}

// flipChecker refuses the transactions named in refuse.
type flipChecker struct {
	refuse map[string]bool
	calls  int
}

func (c *flipChecker) CheckTx(_ context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	c.calls++
	out := &rhp.CheckTxBatchResponse{}
	for _, tx := range req.Txs {
		if c.refuse[string(tx)] {
			out.Results = append(out.Results, rhp.CheckTxResult{Code: 2, Message: "blockhash not found"})
		} else {
			out.Results = append(out.Results, rhp.CheckTxResult{Priority: 1})
		}
	}
	return out, nil
}

func TestPool_Recheck(t *testing.T) {
	c := &flipChecker{refuse: map[string]bool{}}
	p := New(Config{}, c)
	var heard []Hash
	p.OnRecheckRefused(func(h Hash, _ string) { heard = append(heard, h) })
	txs := [][]byte{tx(1, 1), tx(1, 2), tx(1, 3)}
	if _, err := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs); err != nil {
		t.Fatal(err)
	}
	// tx 2 has expired since; tx 3 landed (removed); tx 4 was never pooled.
	c.refuse[string(tx(1, 2))] = true
	p.Remove([][]byte{tx(1, 3)})
	live, err := p.Recheck(context.Background(), rhp.Root{}, rhp.BlockContext{}, append(txs, tx(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || string(live[0]) != string(tx(1, 1)) {
		t.Fatalf("live %q, want only tx 1", live)
	}
	if p.Len() != 1 || len(p.Batch(10)) != 1 {
		t.Fatalf("pool holds %d, want the refused transaction dropped", p.Len())
	}
	// Only the refused one is reported: not the landed one, not the unpooled.
	if len(heard) != 1 || heard[0] != HashOf(tx(1, 2)) {
		t.Fatalf("refusals heard %x, want tx 2's hash only", heard)
	}
	// Nothing pooled: the runtime is not asked.
	calls := c.calls
	if live, err := p.Recheck(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(1, 3)}); err != nil || len(live) != 0 || c.calls != calls {
		t.Fatalf("recheck of unpooled: %q %v, %d calls", live, err, c.calls-calls)
	}
}

func BenchmarkPool_Recheck(b *testing.B) {
	c := &flipChecker{refuse: map[string]bool{}}
	p := New(Config{}, c)
	txs := make([][]byte, 1024)
	for j := range txs {
		txs[j] = tx(1, j)
	}
	if _, err := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if live, err := p.Recheck(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs); err != nil || len(live) != len(txs) {
			b.Fatal(len(live), err)
		}
	}
}

func TestPool_AddHashed(t *testing.T) {
	c := &feeChecker{}
	p := New(Config{}, c)
	txs := [][]byte{tx(1, 1), tx(2, 2), tx(1, 1)}
	if _, err := p.AddHashed(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs, []Hash{HashOf(txs[0])}); err == nil {
		t.Fatal("fewer hashes than transactions accepted")
	}
	hashes := []Hash{HashOf(txs[0]), HashOf(txs[1]), HashOf(txs[2])}
	errs, err := p.AddHashed(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs, hashes)
	if err != nil || errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrDuplicate) {
		t.Fatalf("%v %v", errs, err)
	}
	// The hashes given are the pool's: Add and RemoveHashes agree with them.
	if errs, _ := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs[1:2]); !errors.Is(errs[0], ErrDuplicate) {
		t.Fatalf("re-adding: %v", errs[0])
	}
	p.RemoveHashes(hashes[:1])
	if got := p.Batch(10); len(got) != 1 || string(got[0]) != string(txs[1]) {
		t.Fatalf("batch %q", got)
	}
}

func TestPool_FullEvictsByPriority(t *testing.T) {
	p := New(Config{MaxTxs: 4}, &feeChecker{})
	ctx := context.Background()
	p.Add(ctx, rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(2, 1), tx(1, 2), tx(1, 3), tx(3, 4)})
	// Equal to the lowest: refused. Above it: the newest of the lowest goes.
	errs, _ := p.Add(ctx, rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(1, 5), tx(2, 6)})
	if !errors.Is(errs[0], ErrFull) || errs[1] != nil {
		t.Fatalf("%v", errs)
	}
	got := p.Batch(10)
	if len(got) != 4 || string(got[3]) != string(tx(1, 2)) {
		t.Fatalf("batch %q, want tx 3 evicted", got)
	}
	// Removing the last of a priority makes the next one the lowest.
	p.Remove([][]byte{tx(1, 2)})
	p.RemoveHashes([]Hash{HashOf(tx(2, 1))})
	p.Add(ctx, rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(4, 7), tx(5, 8)})
	errs, _ = p.Add(ctx, rhp.Root{}, rhp.BlockContext{}, [][]byte{tx(2, 9), tx(3, 10)})
	if !errors.Is(errs[0], ErrFull) || errs[1] != nil {
		t.Fatalf("after removals: %v", errs)
	}
	if got := p.Batch(10); len(got) != 4 || string(got[3]) != string(tx(3, 10)) || string(got[2]) != string(tx(3, 4)) {
		t.Fatalf("batch %q", got)
	}
}

// BenchmarkPool_AddFull offers 1,000 transactions to a full pool of 10,000
// of the same fee: every one is refused.
func BenchmarkPool_AddFull(b *testing.B) {
	p := New(Config{MaxTxs: 10_000}, &feeChecker{})
	full := make([][]byte, 10_000)
	for i := range full {
		full[i] = tx(1, i)
	}
	p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, full)
	txs := make([][]byte, 1000)
	for j := range txs {
		txs[j] = tx(1, 100_000+j)
	}
	for b.Loop() {
		errs, _ := p.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, txs)
		if !errors.Is(errs[0], ErrFull) {
			b.Fatal(errs[0])
		}
	}
}
