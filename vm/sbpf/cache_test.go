package sbpf

import (
	"errors"
	"testing"
)

func TestCache_GetOrLoad(t *testing.T) {
	c := NewCache(2)
	loads := 0
	prog, _ := NewProgram(ProgramSpec{Text: Text(Exit())}, nil)
	load := func() (*Program, error) { loads++; return prog, nil }
	k := func(slot uint64) CacheKey { return CacheKey{Account: [32]byte{1}, Slot: slot} }
	for i := 0; i < 3; i++ {
		if p, err := c.GetOrLoad(k(1), load); err != nil || p != prog {
			t.Fatal(p, err)
		}
	}
	if loads != 1 {
		t.Fatalf("loaded %d times", loads)
	}
	c.GetOrLoad(k(2), load)
	c.GetOrLoad(k(1), load) // k(1) becomes most recent
	c.GetOrLoad(k(3), load) // evicts k(2)
	if _, ok := c.Get(k(2)); ok || c.Len() != 2 {
		t.Fatalf("k(2) not evicted, len %d", c.Len())
	}
	if _, ok := c.Get(k(1)); !ok {
		t.Fatal("k(1) evicted")
	}
	boom := errors.New("boom")
	if _, err := c.GetOrLoad(k(9), func() (*Program, error) { return nil, boom }); err != boom {
		t.Fatal(err)
	}
	if _, ok := c.Get(k(9)); ok {
		t.Fatal("error cached")
	}
}
