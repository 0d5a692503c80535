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
	owner, mallory := c.OwnerAndMallory()
	ownerKey, malloryKey := chaintest.Pub(owner), chaintest.Pub(mallory)
	must := chaintest.Must(t)
	run := func(signer ed25519.PrivateKey, others []ed25519.PrivateKey, ix sol.Instruction) {
		t.Helper()
		chaintest.OK(t, c.Run(signer, others, ix))
	}
	fails := func(signer ed25519.PrivateKey, code uint32, ix sol.Instruction) {
		t.Helper()
		chaintest.Fails(t, c.Run(signer, nil, ix), chaintest.Custom(code))
	}
	fails(mallory, 20, must(connmgr.Initialize(malloryKey, malloryKey, 4096, malloryKey)))
	run(owner, []ed25519.PrivateKey{c.Admin}, must(connmgr.Initialize(chaintest.Pub(c.Admin), ownerKey, 4096, ownerKey)))

	replica := address.ReplicaState(1000)
	fails(mallory, 2, must(connmgr.EnrollReplica(malloryKey, 1000, replica)))
	run(owner, nil, must(connmgr.EnrollReplica(ownerKey, 1000, replica)))
	fails(owner, 9, must(connmgr.EnrollReplica(ownerKey, 2000, replica))) // the local domain has no replica
	fails(mallory, 2, must(connmgr.SetWatcherPermission(malloryKey, testkeys.Addr(7), 1000, true)))
	run(owner, nil, must(connmgr.SetWatcherPermission(ownerKey, testkeys.Addr(7), 1000, true)))

	m, err := connmgr.DecodeState(c.Account(address.Manager()).Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Replica(1000); !ok || got != replica || !m.WatcherPermission(testkeys.Addr(7), 1000) {
		t.Fatalf("manager state: replica %s %v", got, ok)
	}

	run(owner, nil, must(connmgr.SetOwner(ownerKey, malloryKey)))
	fails(owner, 2, must(connmgr.OwnerUnenrollReplica(ownerKey, 1000)))
	run(mallory, nil, must(connmgr.OwnerUnenrollReplica(malloryKey, 1000)))
	if m, _ = connmgr.DecodeState(c.Account(address.Manager()).Data); len(m.Domains()) != 0 {
		t.Fatal("replica still enrolled")
	}
}
