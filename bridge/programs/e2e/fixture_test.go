package e2e

import (
	"crypto/ed25519"
	"encoding/binary"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	domainA    = 1000
	domainB    = 2000
	optimistic = 600 // seconds
	bondAmount = 10_000_000_000
	watcherKey = 7
)

// The recorder is a test recipient: it counts the messages it accepts in its
// state account, refuses while its fail flag is set (changing nothing), and
// for the body "dirty" changes its state and then fails.
var (
	_, recorderID    = chaintest.Key("recorder program")
	_, recorderState = chaintest.Key("recorder state")
)

func processRecorder(ctx *svm.InvokeContext) error {
	h, err := recipient.Decode(ctx.Data)
	if err != nil {
		return svm.ErrInvalidInstructionData
	}
	if err := recipient.VerifyCaller(ctx, h.Origin); err != nil {
		return err
	}
	st, err := ctx.Account(3)
	if err != nil || st.Key != recorderState || !st.Writable {
		return svm.ErrInvalidArgument
	}
	d := st.Account.Data
	if d[8] == 1 {
		return svm.NewCustomError(77)
	}
	binary.BigEndian.PutUint64(d, binary.BigEndian.Uint64(d)+1)
	if string(h.Body) == "dirty" {
		return svm.NewCustomError(78)
	}
	return nil
}

// network is one chain plus what its agents would know: the Home's tree as
// rebuilt from dispatch events, and the committed root.
type network struct {
	t         testing.TB
	c         *chaintest.Chain
	domain    uint32
	tree      merkle.FullTree
	msgs      [][]byte
	committed keccak.Hash
}

type bridge struct {
	t         testing.TB
	a, b      *network
	owner     ed25519.PrivateKey
	processor ed25519.PrivateKey
	user      ed25519.PrivateKey
}

func key(name string) (ed25519.PrivateKey, sol.Pubkey) { return chaintest.Key(name) }

// newBridge starts both networks with the updater set of keys at threshold.
func newBridge(t testing.TB, threshold int, updaters ...int) *bridge {
	return newBridgeWith(t, nil, threshold, updaters...)
}

// newBridgeWith is newBridge with extra executor options for both networks.
func newBridgeWith(t testing.TB, opts []svm.Option, threshold int, updaters ...int) *bridge {
	owner, ownerKey := key("owner")
	processor, processorKey := key("processor")
	user, userKey := key("user")
	br := &bridge{t: t, owner: owner, processor: processor, user: user}
	set := testkeys.Set(t, threshold, updaters...)
	mk := func(domain, remote uint32) *network {
		c := chaintest.New(t, domain, append([]svm.Option{svm.WithProgram(recorderID, svm.NativeProgramFunc(processRecorder))}, opts...)...)
		for _, k := range []sol.Pubkey{ownerKey, processorKey, userKey} {
			c.Fund(k, 1_000_000_000_000)
		}
		c.Store.Set(recorderState, sol.Account{Lamports: 10_000_000, Owner: recorderID, Data: make([]byte, 16)})
		admin := chaintest.Pub(c.Admin)
		var ixs []sol.Instruction
		add := func(ix sol.Instruction, err error) {
			if err != nil {
				t.Fatal(err)
			}
			ixs = append(ixs, ix)
		}
		add(home.Initialize(admin, ownerKey, 3600, 64<<10, ownerKey, set))
		add(connmgr.Initialize(admin, ownerKey, 4096, ownerKey))
		add(replica.Initialize(admin, ownerKey, remote, optimistic, merkle.EmptyRoot(), ownerKey, set))
		add(connmgr.EnrollReplica(ownerKey, remote, address.ReplicaState(remote)))
		add(connmgr.SetWatcherPermission(ownerKey, testkeys.Addr(watcherKey), remote, true))
		chaintest.OK(t, c.Run(owner, []ed25519.PrivateKey{c.Admin}, ixs...))
		for _, u := range updaters {
			ix, err := home.Bond(ownerKey, testkeys.Addr(u), bondAmount, update.SignDigest(testkeys.Key(u), home.BondDigest(domain, ownerKey)))
			if err != nil {
				t.Fatal(err)
			}
			chaintest.OK(t, c.Run(owner, nil, ix))
		}
		return &network{t: t, c: c, domain: domain, committed: merkle.EmptyRoot()}
	}
	br.a, br.b = mk(domainA, domainB), mk(domainB, domainA)
	return br
}

// observe records the Home's dispatch events of a transaction, as an
// updater or processor reading getTransaction would.
func (n *network) observe(r svm.TxResult) {
	n.t.Helper()
	chaintest.OK(n.t, r)
	for _, e := range home.ParseLogs(r.Logs) {
		if e.Kind != home.EventDispatch {
			continue
		}
		if err := n.tree.Insert(message.Leaf(e.Message)); err != nil {
			n.t.Fatal(err)
		}
		if e.Root != n.tree.Root() || e.LeafIndex != uint32(len(n.msgs)) {
			n.t.Fatalf("dispatch event out of step with the tree: %+v", e)
		}
		n.msgs = append(n.msgs, append([]byte(nil), e.Message...))
	}
}

// dispatch sends body from user to the recorder on the other domain and
// returns the message's leaf index.
func (br *bridge) dispatch(n *network, destination uint32, body string) uint32 {
	br.t.Helper()
	ix, err := home.Dispatch(chaintest.Pub(br.user), destination, keccak.Hash(recorderID), []byte(body))
	if err != nil {
		br.t.Fatal(err)
	}
	n.observe(n.c.Run(br.user, nil, ix))
	return uint32(len(n.msgs) - 1)
}

// sign returns the update from n's committed root to its tree's root, signed by keys.
func (n *network) sign(keys ...int) *update.QuorumUpdate {
	return testkeys.Quorum(update.Update{HomeDomain: n.domain, OldRoot: n.committed, NewRoot: n.tree.Root()}, keys...)
}

// commit submits q to n's Home.
func (br *bridge) commit(n *network, q *update.QuorumUpdate) {
	br.t.Helper()
	ix, err := home.Update(q)
	if err != nil {
		br.t.Fatal(err)
	}
	chaintest.OK(br.t, n.c.Run(br.processor, nil, ix))
	n.committed = q.NewRoot
}

// relay submits q to the Replica on dst.
func (br *bridge) relay(dst *network, remote uint32, q *update.QuorumUpdate) svm.TxResult {
	br.t.Helper()
	ix, err := replica.Update(remote, chaintest.Pub(br.processor), q)
	if err != nil {
		br.t.Fatal(err)
	}
	return dst.c.Run(br.processor, nil, ix)
}

// proveAndProcess delivers src's message idx on dst with the recorder's accounts.
func (br *bridge) proveAndProcess(dst, src *network, idx uint32, extra []sol.AccountMeta) svm.TxResult {
	br.t.Helper()
	p, err := src.tree.Proof(idx)
	if err != nil {
		br.t.Fatal(err)
	}
	return br.proveAndProcessRaw(dst, src.domain, src.msgs[idx], idx, &p.Path, extra)
}

func (br *bridge) proveAndProcessRaw(dst *network, remote uint32, raw []byte, idx uint32, path *[merkle.Depth]keccak.Hash, extra []sol.AccountMeta) svm.TxResult {
	br.t.Helper()
	if extra == nil {
		extra = []sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}}
	}
	ix, err := replica.ProveAndProcess(remote, chaintest.Pub(br.processor), raw, idx, path, extra)
	if err != nil {
		br.t.Fatal(err)
	}
	return dst.c.Run(br.processor, nil, ix)
}

// recorded is how many messages the recorder on n accepted.
func (n *network) recorded() uint64 {
	return binary.BigEndian.Uint64(n.c.Account(recorderState).Data)
}

// setRecorderFailing makes the recorder refuse (or accept again) messages.
func (n *network) setRecorderFailing(fail bool) {
	a := n.c.Account(recorderState)
	a.Data = append([]byte(nil), a.Data...)
	a.Data[8] = 0
	if fail {
		a.Data[8] = 1
	}
	n.c.Store.Set(recorderState, a)
}

// status returns a message's status on the Replica of remote on n.
func (n *network) status(remote uint32, raw []byte) byte {
	a := n.c.Account(address.MessageRecord(remote, message.Leaf(raw)))
	if a.Lamports == 0 {
		return 0
	}
	r, err := replica.DecodeMessageRecord(a.Data)
	if err != nil {
		n.t.Fatal(err)
	}
	return byte(r.Status)
}

// halted reports whether the Replica of remote on n is halted.
func (n *network) halted(remote uint32) bool {
	r, err := replica.DecodeState(n.c.Account(address.ReplicaState(remote)).Data)
	if err != nil {
		n.t.Fatal(err)
	}
	return r.Halted()
}
