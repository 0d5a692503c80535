package home_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
)

// BenchmarkDispatch executes one dispatch of a 64-byte body per block.
func BenchmarkDispatch(b *testing.B) {
	c := chaintest.New(b, domainA)
	owner, ownerKey := chaintest.Key("owner")
	c.Fund(ownerKey, 1_000_000_000_000)
	ix, err := home.Initialize(chaintest.Pub(c.Admin), ownerKey, 0, 64<<10, ownerKey, testkeys.Set(b, 1, 1))
	if err != nil {
		b.Fatal(err)
	}
	chaintest.OK(b, c.Run(owner, []ed25519.PrivateKey{c.Admin}, ix))
	body := make([]byte, 64)
	var units uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ix, err := home.Dispatch(ownerKey, domainB, keccak.Hash{1}, body)
		if err != nil {
			b.Fatal(err)
		}
		tx := c.Build(owner, nil, ix)
		b.StartTimer()
		r := c.Execute(tx)[0]
		if r.Err != nil {
			b.Fatal(r.Err)
		}
		units += r.UnitsConsumed
		if i%1000 == 999 { // keep the queue short, as updaters would
			b.StopTimer()
			drain(b, c, owner)
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(units)/float64(b.N), "CU/op")
}

func drain(b *testing.B, c *chaintest.Chain, owner ed25519.PrivateKey) {
	s, err := home.DecodeState(c.Account(address.HomeState()).Data)
	if err != nil {
		b.Fatal(err)
	}
	u, ok := s.Home.SuggestUpdate()
	if !ok {
		return
	}
	ix, err := home.Update(testkeys.Quorum(u, 1))
	if err != nil {
		b.Fatal(err)
	}
	if r := c.Run(owner, nil, ix); r.Err != nil {
		b.Fatal(r.Err)
	}
}
