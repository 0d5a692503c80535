package home_test

import (
	"crypto/ed25519"
	"testing"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	domainA   = 1000
	domainB   = 2000
	bondDelay = 3600
	bondSize  = 10_000_000_000
)

type fixture struct {
	t     *testing.T
	c     *chaintest.Chain
	owner ed25519.PrivateKey
	user  ed25519.PrivateKey
	tree  merkle.FullTree
}

// newFixture initializes a Home with updaters 1, 2, 3 (threshold 2), each
// bonded by the owner.
func newFixture(t *testing.T) *fixture {
	c := chaintest.New(t, domainA)
	owner, ownerKey := chaintest.Key("owner")
	user, userKey := chaintest.Key("user")
	c.Fund(ownerKey, 1_000_000_000_000)
	c.Fund(userKey, 1_000_000_000)
	ix, err := home.Initialize(chaintest.Pub(c.Admin), ownerKey, bondDelay, 64<<10, ownerKey, testkeys.Set(t, 2, 1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	chaintest.OK(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, ix))
	for _, k := range []int{1, 2, 3} {
		ix, err := home.Bond(ownerKey, testkeys.Addr(k), bondSize, update.SignDigest(testkeys.Key(k), home.BondDigest(domainA, ownerKey)))
		if err != nil {
			t.Fatal(err)
		}
		chaintest.OK(t, c.Run(owner, nil, ix))
	}
	return &fixture{t: t, c: c, owner: owner, user: user}
}

func (f *fixture) state() *bhome.Home {
	f.t.Helper()
	s, err := home.DecodeState(f.c.Account(address.HomeState()).Data)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.Home
}

func (f *fixture) dispatch(body string) home.Event {
	f.t.Helper()
	ix, err := home.Dispatch(chaintest.Pub(f.user), domainB, keccak.Hash{9}, []byte(body))
	if err != nil {
		f.t.Fatal(err)
	}
	r := f.c.Run(f.user, nil, ix)
	chaintest.OK(f.t, r)
	evs := home.ParseLogs(r.Logs)
	if len(evs) != 1 || evs[0].Kind != home.EventDispatch {
		f.t.Fatalf("events %+v", evs)
	}
	m, err := message.Decode(evs[0].Message)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.tree.Insert(message.Leaf(evs[0].Message)); err != nil {
		f.t.Fatal(err)
	}
	if m.Sender != keccak.Hash(chaintest.Pub(f.user)) || m.Origin != domainA || evs[0].Root != f.tree.Root() {
		f.t.Fatalf("dispatched %+v", m)
	}
	return evs[0]
}

func (f *fixture) run(signers []ed25519.PrivateKey, build func() (sol.Instruction, error)) svm.TxResult {
	f.t.Helper()
	ix, err := build()
	if err != nil {
		f.t.Fatal(err)
	}
	return f.c.Run(f.user, signers, ix)
}

func TestProgram_DispatchAndUpdate(t *testing.T) {
	f := newFixture(t)
	f.dispatch("one")
	ev := f.dispatch("two")
	if ev.DestinationAndNonce != message.DestinationAndNonce(domainB, 1) || ev.LeafIndex != 1 {
		t.Fatalf("second dispatch: %+v", ev)
	}
	u := update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}

	// Short of quorum, a duplicated signer, a non-member and a high-s signature are refused.
	short := testkeys.Quorum(u, 1)
	chaintest.Fails(t, f.run(nil, func() (sol.Instruction, error) { return home.Update(short) }), chaintest.Custom(10))
	dup := testkeys.Quorum(u, 1, 1)
	chaintest.Fails(t, f.run(nil, func() (sol.Instruction, error) { return home.Update(dup) }), chaintest.Custom(13))
	stranger := testkeys.Quorum(u, 1, 9)
	chaintest.Fails(t, f.run(nil, func() (sol.Instruction, error) { return home.Update(stranger) }), chaintest.Custom(12))
	highS := testkeys.Quorum(u, 1, 2)
	highS.Signatures[1] = testkeys.HighS(highS.Signatures[1])
	chaintest.Fails(t, f.run(nil, func() (sol.Instruction, error) { return home.Update(highS) }), chaintest.Custom(11))

	r := f.run(nil, func() (sol.Instruction, error) { return home.Update(testkeys.Quorum(u, 1, 2)) })
	chaintest.OK(t, r)
	if evs := home.ParseLogs(r.Logs); len(evs) != 1 || evs[0].Kind != home.EventUpdate || evs[0].Update.NewRoot != u.NewRoot {
		t.Fatalf("update events %+v", evs)
	}
	if h := f.state(); h.CommittedRoot() != u.NewRoot || len(h.Queue()) != 0 || h.Failed() {
		t.Fatalf("after update: committed %s queue %d", h.CommittedRoot(), len(h.Queue()))
	}
}

func TestProgram_ImproperUpdateSlashes(t *testing.T) {
	f := newFixture(t)
	f.dispatch("one")
	bogus := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{0xba, 0xd}}, 1, 2)
	treasury := f.c.Lamports(address.Treasury())

	// Omitting a signer's bond account is refused, so no signer escapes.
	ix, err := home.ImproperUpdate(bogus)
	if err != nil {
		t.Fatal(err)
	}
	ix.Accounts = ix.Accounts[:len(ix.Accounts)-1]
	chaintest.Fails(t, f.c.Run(f.user, nil, ix), chaintest.Custom(22))

	r := f.run(nil, func() (sol.Instruction, error) { return home.ImproperUpdate(bogus) })
	chaintest.OK(t, r)
	if !f.state().Failed() {
		t.Fatal("home not failed")
	}
	slashed := uint64(0)
	for _, e := range home.ParseLogs(r.Logs) {
		if e.Kind == home.EventSlash {
			slashed += e.Lamports
		}
	}
	if got := f.c.Lamports(address.Treasury()) - treasury; got != slashed || slashed < 2*bondSize {
		t.Fatalf("treasury gained %d, slash events %d", got, slashed)
	}
	for k, want := range map[int]bool{1: true, 2: true, 3: false} {
		b := f.c.Account(address.Bond(testkeys.Addr(k)))
		if (b.Lamports < bondSize) != want {
			t.Errorf("updater %d: bond %d lamports, slashed=%v", k, b.Lamports, want)
		}
	}
	// The owner alone spends the treasury.
	ownerKey := chaintest.Pub(f.owner)
	chaintest.Fails(t, f.run([]ed25519.PrivateKey{f.user}, func() (sol.Instruction, error) {
		return home.WithdrawTreasury(chaintest.Pub(f.user), chaintest.Pub(f.user), slashed)
	}), chaintest.Custom(2))
	before := f.c.Lamports(ownerKey)
	chaintest.OK(t, f.run([]ed25519.PrivateKey{f.owner}, func() (sol.Instruction, error) {
		return home.WithdrawTreasury(ownerKey, ownerKey, slashed)
	}))
	if f.c.Lamports(ownerKey)-before != slashed {
		t.Fatal("treasury withdrawal did not arrive")
	}
	// A failed Home dispatches nothing.
	ix, _ = home.Dispatch(chaintest.Pub(f.user), domainB, keccak.Hash{9}, nil)
	chaintest.Fails(t, f.c.Run(f.user, nil, ix), chaintest.Custom(1))
}

func TestProgram_UpdateToUnqueuedRootSlashes(t *testing.T) {
	f := newFixture(t)
	f.dispatch("one")
	bogus := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{1}}, 3)
	chaintest.OK(t, f.run(nil, func() (sol.Instruction, error) { return home.Update(bogus) }))
	if !f.state().Failed() || f.c.Lamports(address.Bond(testkeys.Addr(3))) >= bondSize {
		t.Fatal("a single updater's improper update did not fail the home and slash it")
	}
}

func TestProgram_DoubleUpdate(t *testing.T) {
	f := newFixture(t)
	f.dispatch("one")
	a := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}, 1, 2)
	b := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{7}}, 2, 3)
	chaintest.OK(t, f.run(nil, func() (sol.Instruction, error) { return home.DoubleUpdate(a, b) }))
	if !f.state().Failed() {
		t.Fatal("home not failed")
	}
	for k, want := range map[int]bool{1: false, 2: true, 3: false} {
		if got := f.c.Lamports(address.Bond(testkeys.Addr(k))) < bondSize; got != want {
			t.Errorf("updater %d slashed=%v, want %v", k, got, want)
		}
	}
	chaintest.Fails(t, f.run(nil, func() (sol.Instruction, error) { return home.DoubleUpdate(a, b) }), chaintest.Custom(1))
}

func TestProgram_Bonds(t *testing.T) {
	f := newFixture(t)
	ownerKey := chaintest.Pub(f.owner)
	withdraw := func() svm.TxResult {
		return f.run([]ed25519.PrivateKey{f.owner}, func() (sol.Instruction, error) {
			return home.WithdrawBond(ownerKey, testkeys.Addr(1), ownerKey)
		})
	}
	// Nobody occupies an updater's bond address without its consent; anyone
	// may top up an existing bond without becoming its authority.
	chaintest.Fails(t, f.run([]ed25519.PrivateKey{f.user}, func() (sol.Instruction, error) {
		return home.Bond(chaintest.Pub(f.user), testkeys.Addr(4), bondSize, update.SignDigest(testkeys.Key(4), home.BondDigest(domainA, ownerKey)))
	}), chaintest.Custom(28))
	chaintest.OK(t, f.run(nil, func() (sol.Instruction, error) {
		return home.Bond(chaintest.Pub(f.user), testkeys.Addr(1), 1_000, update.Signature{})
	}))
	// Only the authority unbonds; nothing is withdrawn before the delay or
	// while the updater is still in the set.
	chaintest.Fails(t, f.run([]ed25519.PrivateKey{f.user}, func() (sol.Instruction, error) {
		return home.Unbond(chaintest.Pub(f.user), testkeys.Addr(1))
	}), chaintest.Custom(24))
	chaintest.OK(t, f.run([]ed25519.PrivateKey{f.owner}, func() (sol.Instruction, error) { return home.Unbond(ownerKey, testkeys.Addr(1)) }))
	chaintest.Fails(t, withdraw(), chaintest.Custom(25))
	f.c.Sleep(bondDelay)
	chaintest.Fails(t, withdraw(), chaintest.Custom(25))
	// Not the owner: refused. The owner removes updater 1.
	chaintest.Fails(t, f.run([]ed25519.PrivateKey{f.user}, func() (sol.Instruction, error) {
		return home.SetUpdaters(chaintest.Pub(f.user), testkeys.Set(t, 2, 2, 3))
	}), chaintest.Custom(2))
	chaintest.OK(t, f.run([]ed25519.PrivateKey{f.owner}, func() (sol.Instruction, error) {
		return home.SetUpdaters(ownerKey, testkeys.Set(t, 2, 2, 3))
	}))
	before := f.c.Lamports(ownerKey)
	chaintest.OK(t, withdraw())
	if got := f.c.Lamports(ownerKey) - before; got < bondSize {
		t.Fatalf("withdrew %d", got)
	}
	if f.c.Lamports(address.Bond(testkeys.Addr(1))) != 0 {
		t.Fatal("bond account not closed")
	}
}

func TestProgram_InitializeOnlyByAdmin(t *testing.T) {
	c := chaintest.New(t, domainA)
	mallory, key := chaintest.Key("mallory")
	c.Fund(key, 1_000_000_000)
	ix, err := home.Initialize(key, key, 0, 64<<10, key, testkeys.Set(t, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	chaintest.Fails(t, c.Run(mallory, nil, ix), chaintest.Custom(20))
}

func TestProgram_DispatchFromProgramNeedsItsDispatcher(t *testing.T) {
	f := newFixture(t)
	// The user claims to be the token bridge but can only sign as itself.
	in := home.Instruction{Tag: home.TagDispatch, Destination: domainB, FromProgram: true, Program: address.TokenBridge}
	data, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ix := sol.Instruction{ProgramID: address.Home, Data: data, Accounts: []sol.AccountMeta{
		onchain.W(address.HomeState(), false), onchain.R(chaintest.Pub(f.user), true)}}
	chaintest.Fails(t, f.c.Run(f.user, nil, ix), chaintest.Custom(26))
	if f.state().Count() != 0 {
		t.Fatal("a forged program dispatch was recorded")
	}
}

// TestProgram_PrefundedAddresses: lamports sent to a program address before
// its account exists (to block creation) do not stop the Home.
func TestProgram_PrefundedAddresses(t *testing.T) {
	c := chaintest.New(t, domainA)
	owner, ownerKey := chaintest.Key("owner")
	c.Fund(ownerKey, 1_000_000_000_000)
	c.Fund(address.HomeState(), 1)
	c.Fund(address.Treasury(), 5)
	c.Fund(address.Bond(testkeys.Addr(1)), 7)
	ix, err := home.Initialize(chaintest.Pub(c.Admin), ownerKey, bondDelay, 4096, ownerKey, testkeys.Set(t, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	chaintest.OK(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, ix))
	ix, err = home.Bond(ownerKey, testkeys.Addr(1), bondSize, update.SignDigest(testkeys.Key(1), home.BondDigest(domainA, ownerKey)))
	if err != nil {
		t.Fatal(err)
	}
	chaintest.OK(t, c.Run(owner, nil, ix))
	if a := c.Account(address.HomeState()); a.Owner != address.Home || len(a.Data) != onchain.BlobHeaderSize+4096 {
		t.Fatalf("home state: owner %s, %d bytes", a.Owner, len(a.Data))
	}
	if c.Lamports(address.Bond(testkeys.Addr(1))) < bondSize {
		t.Fatal("bond not escrowed")
	}
}

func TestProgram_CapacityBoundsTheQueue(t *testing.T) {
	c := chaintest.New(t, domainA)
	owner, ownerKey := chaintest.Key("owner")
	c.Fund(ownerKey, 1_000_000_000_000)
	set := testkeys.Set(t, 1, 1)
	h, err := bhome.New(bhome.Config{LocalDomain: domainA, Owner: ownerKey, Updaters: set})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.MarshalBinary()
	// Room for the state, one nonce entry and two queued roots.
	ix, err := home.Initialize(chaintest.Pub(c.Admin), ownerKey, 0, uint32(8+len(b)+8+64), ownerKey, set)
	if err != nil {
		t.Fatal(err)
	}
	chaintest.OK(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, ix))
	send := func() svm.TxResult {
		ix, _ := home.Dispatch(ownerKey, domainB, keccak.Hash{1}, nil)
		return c.Run(owner, nil, ix)
	}
	chaintest.OK(t, send())
	chaintest.OK(t, send())
	chaintest.Fails(t, send(), svm.ErrAccountDataTooSmall)
}
