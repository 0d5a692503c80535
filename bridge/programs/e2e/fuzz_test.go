package e2e

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// FuzzPrograms sends arbitrary instruction data to each bridge program over
// the accounts a real instruction would use, on a network with a live Home,
// Replica and manager, and requires that no input makes a program panic
// (which the runtime would report as ProgramFailedToComplete).
func FuzzPrograms(f *testing.F) {
	br := newBridge(f, 2, 1, 2, 3)
	br.dispatch(br.b, domainA, "seed")
	processorKey := chaintest.Pub(br.processor)
	metas := []sol.AccountMeta{
		onchain.W(address.HomeState(), false), onchain.W(address.Treasury(), false), onchain.W(address.ReplicaState(domainA), false),
		onchain.W(processorKey, true), onchain.W(address.Manager(), false), onchain.R(svm.SystemProgramID, false),
		onchain.W(address.RootEntry(domainA, merkle.EmptyRoot()), false), onchain.W(recorderState, false),
		onchain.W(address.Escrow(), false), onchain.R(address.Home, false), onchain.R(address.Token, false),
		onchain.R(recorderID, false), onchain.R(address.Dispatcher(address.TokenBridge), false),
	}
	programs := []sol.Pubkey{address.Home, address.Replica, address.ConnMgr, address.Token, address.TokenBridge}
	for _, seed := range []func() (sol.Instruction, error){
		func() (sol.Instruction, error) { return home.Dispatch(processorKey, domainA, [32]byte{1}, []byte("x")) },
		func() (sol.Instruction, error) { return replica.Update(domainA, processorKey, br.a.sign(1, 2)) },
	} {
		ix, err := seed()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), ix.Data)
	}
	f.Add(uint8(4), (&tokenbridge.Send{Destination: domainA, Amount: 1, AssetOrigin: domainB}).Encode())
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		br.b.c.T = t // the chain reports to the running input; inputs run one at a time
		ix := sol.Instruction{ProgramID: programs[int(which)%len(programs)], Accounts: metas, Data: data}
		tx := br.b.c.Build(br.processor, nil, ix)
		r := br.b.c.Simulate(tx)[0]
		if r.Err != nil && errors.Is(r.Err, svm.ErrProgramFailedToComplete) {
			t.Fatalf("program %s panicked on %x\nlogs: %q", ix.ProgramID, data, r.Logs)
		}
	})
}
