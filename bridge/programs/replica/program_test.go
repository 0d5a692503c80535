package replica_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
)

func TestProgram_Governance(t *testing.T) {
	c := chaintest.New(t, 2000)
	owner, mallory := c.OwnerAndMallory()
	ownerKey, malloryKey := chaintest.Pub(owner), chaintest.Pub(mallory)
	must := chaintest.Must(t)
	set := testkeys.Set(t, 2, 1, 2, 3)
	// Only the admin initializes; the local domain cannot be followed.
	chaintest.Fails(t, c.Run(mallory, nil, must(replica.Initialize(malloryKey, malloryKey, 1000, 60, merkle.EmptyRoot(), malloryKey, set))), chaintest.Custom(20))
	chaintest.Fails(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, must(replica.Initialize(chaintest.Pub(c.Admin), ownerKey, 2000, 60, merkle.EmptyRoot(), ownerKey, set))), chaintest.Custom(9))
	chaintest.OK(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, must(replica.Initialize(chaintest.Pub(c.Admin), ownerKey, 1000, 60, merkle.EmptyRoot(), ownerKey, set))))
	// A second initialization cannot replace the Replica.
	chaintest.Fails(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, must(replica.Initialize(chaintest.Pub(c.Admin), ownerKey, 1000, 0, merkle.EmptyRoot(), ownerKey, set))), svm.ErrAccountAlreadyInitialized)

	chaintest.Fails(t, c.Run(mallory, nil, must(replica.SetOptimisticSeconds(1000, malloryKey, 0))), chaintest.Custom(2))
	chaintest.Fails(t, c.Run(mallory, nil, must(replica.SetUpdaters(1000, malloryKey, testkeys.Set(t, 1, 9)))), chaintest.Custom(2))
	chaintest.OK(t, c.Run(owner, nil, must(replica.SetOptimisticSeconds(1000, ownerKey, 120))))
	big := make([]int, update.MaxUpdaters)
	for i := range big {
		big[i] = 100 + i
	}
	chaintest.OK(t, c.Run(owner, nil, must(replica.SetUpdaters(1000, ownerKey, testkeys.Set(t, 17, big...)))))
	chaintest.OK(t, c.Run(owner, nil, must(replica.SetOwner(1000, ownerKey, malloryKey))))
	r, err := replica.DecodeState(c.Account(address.ReplicaState(1000)).Data)
	if err != nil {
		t.Fatal(err)
	}
	if r.OptimisticSeconds() != 120 || r.Owner() != malloryKey || r.Updaters().Threshold() != 17 {
		t.Fatalf("state after governance: %d %s %d", r.OptimisticSeconds(), r.Owner(), r.Updaters().Threshold())
	}

	// A relayed update needs its root-history account listed.
	chaintest.OK(t, c.Run(mallory, nil, must(replica.SetUpdaters(1000, malloryKey, set))))
	q := testkeys.Quorum(update.Update{HomeDomain: 1000, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{1}}, 1, 2)
	ix := must(replica.Update(1000, ownerKey, q))
	ix.Accounts[2].Pubkey = address.RootEntry(1000, keccak.Hash{2})
	chaintest.Fails(t, c.Run(owner, nil, ix), svm.ErrMissingAccount)
	chaintest.OK(t, c.Run(owner, nil, must(replica.Update(1000, ownerKey, q))))
}
