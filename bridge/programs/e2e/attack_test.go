package e2e

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

var _, thief = chaintest.Key("thief")

// forgery is a tree of messages "from A" that A's Home never dispatched: a
// message to the recorder and a token bridge mint of a huge wrapped balance.
type forgery struct {
	tree merkle.FullTree
	msgs [][]byte
}

func forge(t *testing.T) *forgery {
	f := &forgery{}
	for _, m := range []message.Message{
		{Origin: domainA, Sender: keccak.Hash{0xee}, Nonce: 0, Destination: domainB, Recipient: keccak.Hash(recorderID), Body: []byte("steal")},
		{Origin: domainA, Sender: keccak.Hash(address.TokenBridge), Nonce: 1, Destination: domainB, Recipient: keccak.Hash(address.TokenBridge),
			Body: (&tokenbridge.Transfer{AssetOrigin: domainA, Recipient: thief, Amount: 1_000_000_000_000}).Encode()},
	} {
		raw, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.tree.Insert(message.Leaf(raw)); err != nil {
			t.Fatal(err)
		}
		f.msgs = append(f.msgs, raw)
	}
	return f
}

// tryForged attempts to deliver every forged message on B and checks that
// none arrived: the recorder counted nothing new and the thief holds nothing.
func (br *bridge) tryForged(f *forgery, wantCode uint32) {
	br.t.Helper()
	before := br.b.recorded()
	for i, raw := range f.msgs {
		p, err := f.tree.Proof(uint32(i))
		if err != nil {
			br.t.Fatal(err)
		}
		var extra []sol.AccountMeta
		if i == 1 {
			if extra, err = tokenbridge.HandleAccounts(mustDecode(br.t, raw).Body); err != nil {
				br.t.Fatal(err)
			}
		}
		r := br.proveAndProcessRaw(br.b, domainA, raw, uint32(i), &p.Path, extra)
		if wantCode != 0 {
			chaintest.Fails(br.t, r, chaintest.Custom(wantCode))
		}
		if st := br.b.status(domainA, raw); st == byte(breplica.Processed) {
			br.t.Fatalf("forged message %d processed", i)
		}
	}
	br.noTheft(before)
}

// noTheft asserts 0 fraudulent messages processed and no value lost.
func (br *bridge) noTheft(recordedBefore uint64) {
	br.t.Helper()
	if got := br.b.recorded(); got != recordedBefore {
		br.t.Fatalf("recorder accepted %d fraudulent messages", got-recordedBefore)
	}
	if a := br.b.c.Account(address.Balance(domainA, thief)); a.Lamports != 0 {
		br.t.Fatal("the thief holds a wrapped balance")
	}
}

func mustDecode(t testing.TB, raw []byte) message.Message {
	m, err := message.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (br *bridge) run(n *network, build func() (sol.Instruction, error)) svm.TxResult {
	br.t.Helper()
	ix, err := build()
	if err != nil {
		br.t.Fatal(err)
	}
	return n.c.Run(br.processor, nil, ix)
}

func TestAttack_2022_ZeroCommittedRoot(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	admin := chaintest.Pub(br.b.c.Admin)
	ownerKey := chaintest.Pub(br.owner)
	ix, err := replica.Initialize(admin, ownerKey, 3000, optimistic, keccak.Zero, ownerKey, testkeys.Set(t, 2, 1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	chaintest.Fails(t, br.b.c.Run(br.owner, []ed25519.PrivateKey{br.b.c.Admin}, ix), chaintest.Custom(40))
	if br.b.c.Lamports(address.ReplicaState(3000)) != 0 {
		t.Fatal("a replica with a zero committed root exists")
	}
}

func TestAttack_2022_ProcessNeverProven(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	f := forge(t)
	idx := br.dispatch(br.a, domainB, "real but unproven")
	for _, raw := range [][]byte{f.msgs[0], br.a.msgs[idx]} {
		for _, root := range []keccak.Hash{keccak.Zero, merkle.EmptyRoot(), f.tree.Root()} {
			chaintest.Fails(t, br.run(br.b, func() (sol.Instruction, error) {
				return replica.Process(domainA, chaintest.Pub(br.processor), raw, root, []sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}})
			}), chaintest.Custom(45))
		}
	}
	br.noTheft(0)
}

func TestAttack_2022_ZeroProof(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	f := forge(t)
	// A literal all-0x0 path lists 31 siblings (only Z[0] is 0x0) and does
	// not fit a transaction at all.
	var zero [merkle.Depth]keccak.Hash
	if r := br.proveAndProcessRaw(br.b, domainA, f.msgs[0], 0, &zero, nil); r.Err == nil || r.Err.Kind != svm.SanitizeFailure {
		t.Fatalf("all-0x0 proof: %v", r.Err)
	}
	// The empty-subtree proof (every sibling Z[i]) of the forged message and
	// of the zero leaf lead to roots without history: refused.
	var empty [merkle.Depth]keccak.Hash
	for i := range empty {
		empty[i] = merkle.ZeroHash(i)
	}
	chaintest.Fails(t, br.proveAndProcessRaw(br.b, domainA, f.msgs[0], 0, &empty, nil), chaintest.Custom(42))
	chaintest.Fails(t, br.run(br.b, func() (sol.Instruction, error) {
		return replica.Prove(domainA, chaintest.Pub(br.processor), &merkle.Proof{Path: empty})
	}), chaintest.Custom(42))
	chaintest.Fails(t, br.run(br.b, func() (sol.Instruction, error) {
		return replica.Prove(domainA, chaintest.Pub(br.processor), &merkle.Proof{Path: empty, Index: 5})
	}), chaintest.Custom(42))
	// The zero root cannot enter the history, so nothing is proven under it.
	zeroUpdate := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Zero}, 1, 2)
	chaintest.Fails(t, br.relay(br.b, domainA, zeroUpdate), chaintest.Custom(40))
	if br.b.c.Lamports(address.RootEntry(domainA, keccak.Zero)) != 0 {
		t.Fatal("history entry for 0x0")
	}
	br.b.c.Sleep(optimistic)
	br.tryForged(f, 0)
}

func TestAttack_DoubleUpdateByQuorum(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	f := forge(t)
	idx := br.dispatch(br.a, domainB, "honest")
	honest := br.a.sign(1, 2)
	br.commit(br.a, honest)
	// Updaters 2 and 3, a quorum, sign a forged root and relay it first.
	forged := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}, 2, 3)
	chaintest.OK(t, br.relay(br.b, domainA, forged))

	// The watcher sees the Replica's update conflict with the Home's history
	// and proves it on both sides; the Replica halts in the same transaction.
	r := br.run(br.b, func() (sol.Instruction, error) { return replica.DoubleUpdate(domainA, honest, forged) })
	chaintest.OK(t, r)
	if evs := replica.ParseLogs(r.Logs); len(evs) != 1 || evs[0].Kind != replica.EventHalted || len(evs[0].Addresses) != 1 || evs[0].Addresses[0] != testkeys.Addr(2) {
		t.Fatalf("halt events %+v", evs)
	}
	if !br.b.halted(domainA) {
		t.Fatal("replica not halted")
	}
	chaintest.OK(t, br.run(br.a, func() (sol.Instruction, error) { return home.DoubleUpdate(honest, forged) }))
	if br.a.c.Lamports(address.Bond(testkeys.Addr(2))) >= bondAmount {
		t.Fatal("the equivocating updater kept its bond")
	}
	for _, k := range []int{1, 3} {
		if br.a.c.Lamports(address.Bond(testkeys.Addr(k))) < bondAmount {
			t.Fatalf("updater %d, who did not equivocate, was slashed", k)
		}
	}
	br.b.c.Sleep(optimistic)
	br.tryForged(f, 1)
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, idx, nil), chaintest.Custom(1))
}

func TestAttack_DoubleUpdateBySingleUpdater(t *testing.T) {
	br := newBridge(t, 1, 1)
	f := forge(t)
	br.dispatch(br.a, domainB, "honest")
	honest := br.a.sign(1)
	br.commit(br.a, honest)
	forged := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}, 1)
	chaintest.OK(t, br.relay(br.b, domainA, forged))
	// The watcher needs only the honest update: the forged one is in the
	// Replica's root history.
	chaintest.OK(t, br.run(br.b, func() (sol.Instruction, error) {
		return replica.DoubleUpdateFromHistory(domainA, f.tree.Root(), honest)
	}))
	if !br.b.halted(domainA) {
		t.Fatal("replica not halted")
	}
	chaintest.OK(t, br.run(br.a, func() (sol.Instruction, error) { return home.DoubleUpdate(honest, forged) }))
	if br.a.c.Lamports(address.Bond(testkeys.Addr(1))) >= bondAmount {
		t.Fatal("the equivocating updater kept its bond")
	}
	br.b.c.Sleep(optimistic)
	br.tryForged(f, 1)
}

func TestAttack_ImproperUpdate(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	f := forge(t)
	br.dispatch(br.a, domainB, "honest")
	improper := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}, 1, 2)
	// Relayed to B, and to A's Home, where the root was never queued: the
	// Home fails and slashes both signers in the same transaction.
	chaintest.OK(t, br.relay(br.b, domainA, improper))
	chaintest.OK(t, br.run(br.a, func() (sol.Instruction, error) { return home.Update(improper) }))
	for _, k := range []int{1, 2} {
		if br.a.c.Lamports(address.Bond(testkeys.Addr(k))) >= bondAmount {
			t.Fatalf("updater %d kept its bond", k)
		}
	}
	ix, _ := home.Dispatch(chaintest.Pub(br.user), domainB, keccak.Hash(recorderID), nil)
	chaintest.Fails(t, br.a.c.Run(br.user, nil, ix), chaintest.Custom(1))

	// Watchers unenroll the Replica on B; an unpermitted watcher cannot.
	for _, tc := range []struct {
		watcher int
		code    uint32
	}{{8, 32}, {watcherKey, 0}} {
		fn := update.FailureNotification{HomeDomain: domainA, Updater: testkeys.Addr(1).Bytes32()}
		sf := update.SignedFailure{FailureNotification: fn, Signature: fn.Sign(testkeys.Key(tc.watcher))}
		r := br.run(br.b, func() (sol.Instruction, error) { return connmgr.UnenrollReplica(&sf) })
		if tc.code != 0 {
			chaintest.Fails(t, r, chaintest.Custom(tc.code))
		} else {
			chaintest.OK(t, r)
		}
	}
	// Past confirmAt the root is acceptable to the Replica, but no recipient
	// accepts a message from an unenrolled Replica: nothing is processed.
	br.b.c.Sleep(optimistic)
	br.tryForged(f, 0)
}

func TestAttack_WrongDestination(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	idx := br.dispatch(br.a, 3000, "for another domain")
	q := br.a.sign(1, 2)
	br.commit(br.a, q)
	chaintest.OK(t, br.relay(br.b, domainA, q))
	br.b.c.Sleep(optimistic)
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, idx, nil), chaintest.Custom(46))
	br.noTheft(0)
}

func TestAttack_ReplayTransaction(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	idx := br.dispatch(br.a, domainB, "once")
	q := br.a.sign(1, 2)
	br.commit(br.a, q)
	chaintest.OK(t, br.relay(br.b, domainA, q))
	br.b.c.Sleep(optimistic)
	p, _ := br.a.tree.Proof(idx)
	ix, err := replica.ProveAndProcess(domainA, chaintest.Pub(br.processor), br.a.msgs[idx], idx, &p.Path,
		[]sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}})
	if err != nil {
		t.Fatal(err)
	}
	tx := br.b.c.Build(br.processor, nil, ix)
	chaintest.OK(t, br.b.c.Execute(tx)[0])
	if r := br.b.c.Execute(tx)[0]; r.Err == nil || r.Err.Kind != svm.AlreadyProcessed {
		t.Fatalf("replayed transaction: %v", r.Err)
	}
	if br.b.recorded() != 1 {
		t.Fatalf("recorded %d", br.b.recorded())
	}
}

func TestAttack_BadQuorums(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	br.dispatch(br.a, domainB, "x")
	highS := br.a.sign(1, 2)
	highS.Signatures[0] = testkeys.HighS(highS.Signatures[0])
	for _, tc := range []struct {
		name string
		q    *update.QuorumUpdate
		code uint32
	}{
		{"short by one", br.a.sign(1), 10},
		{"duplicated signer", br.a.sign(1, 1), 13},
		{"non-member", br.a.sign(1, 9), 12},
		{"high s", highS, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chaintest.Fails(t, br.relay(br.b, domainA, tc.q), chaintest.Custom(tc.code))
			ix, err := home.Update(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			chaintest.Fails(t, br.a.c.Run(br.processor, nil, ix), chaintest.Custom(tc.code))
		})
	}
	if br.b.c.Lamports(address.RootEntry(domainA, br.a.tree.Root())) != 0 {
		t.Fatal("a bad quorum produced a history entry")
	}
	br.b.c.Sleep(optimistic)
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, 0, nil), chaintest.Custom(42))
	br.noTheft(0)
}

// TestAttack_2022_UpgradedToZeroRoot: a Replica account rewritten (as an
// upgrade or a hand-made genesis would) with a zero committed root is refused
// by every instruction, so the state the 2022 exploit started from cannot run.
func TestAttack_2022_UpgradedToZeroRoot(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	f := forge(t)
	key := address.ReplicaState(domainA)
	a := br.b.c.Account(key)
	a.Data = append([]byte(nil), a.Data...)
	const committedRootAt = 6 + 50 // blob header, then offset 50 of the Replica encoding
	clear(a.Data[committedRootAt : committedRootAt+32])
	br.b.c.Store.Set(key, a)
	if _, err := replica.DecodeState(a.Data); err == nil {
		t.Fatal("a zero committed root decodes")
	}
	zeroUpdate := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: keccak.Zero, NewRoot: f.tree.Root()}, 1, 2)
	chaintest.Fails(t, br.relay(br.b, domainA, zeroUpdate), svm.ErrInvalidAccountData)
	br.b.c.Sleep(optimistic)
	br.tryForged(f, 0)
}
