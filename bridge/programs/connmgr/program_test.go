package connmgr_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestProgram_Governance(t *testing.T) {
	c := chaintest.New(t, 2000)
	owner, ownerKey := chaintest.Key("owner")
	mallory, malloryKey := chaintest.Key("mallory")
	c.Fund(ownerKey, 1_000_000_000_000)
	c.Fund(malloryKey, 1_000_000_000)
	run := func(signer ed25519.PrivateKey, others []ed25519.PrivateKey, ix sol.Instruction, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		chaintest.OK(t, c.Run(signer, others, ix))
	}
	fails := func(signer ed25519.PrivateKey, code uint32, ix sol.Instruction, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		chaintest.Fails(t, c.Run(signer, nil, ix), chaintest.Custom(code))
	}
	ix, err := connmgr.Initialize(malloryKey, malloryKey, 4096, malloryKey)
	fails(mallory, 20, ix, err)
	ix, err = connmgr.Initialize(chaintest.Pub(c.Admin), ownerKey, 4096, ownerKey)
	run(owner, []ed25519.PrivateKey{c.Admin}, ix, err)

	replica := address.ReplicaState(1000)
	ix, err = connmgr.EnrollReplica(malloryKey, 1000, replica)
	fails(mallory, 2, ix, err)
	ix, err = connmgr.EnrollReplica(ownerKey, 1000, replica)
	run(owner, nil, ix, err)
	ix, err = connmgr.EnrollReplica(ownerKey, 2000, replica)
	fails(owner, 9, ix, err) // the local domain has no replica
	ix, err = connmgr.SetWatcherPermission(malloryKey, testkeys.Addr(7), 1000, true)
	fails(mallory, 2, ix, err)
	ix, err = connmgr.SetWatcherPermission(ownerKey, testkeys.Addr(7), 1000, true)
	run(owner, nil, ix, err)

	m, err := connmgr.DecodeState(c.Account(address.Manager()).Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Replica(1000); !ok || got != replica || !m.WatcherPermission(testkeys.Addr(7), 1000) {
		t.Fatalf("manager state: replica %s %v", got, ok)
	}

	ix, err = connmgr.SetOwner(ownerKey, malloryKey)
	run(owner, nil, ix, err)
	ix, err = connmgr.OwnerUnenrollReplica(ownerKey, 1000)
	fails(owner, 2, ix, err)
	ix, err = connmgr.OwnerUnenrollReplica(malloryKey, 1000)
	run(mallory, nil, ix, err)
	if m, _ = connmgr.DecodeState(c.Account(address.Manager()).Data); len(m.Domains()) != 0 {
		t.Fatal("replica still enrolled")
	}
}
