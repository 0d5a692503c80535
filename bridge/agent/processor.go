package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// maxHistoryWalk bounds how far back through a Replica's root history the
// processor looks for a root that is already acceptable.
const maxHistoryWalk = 16

// Processor rebuilds the Home's message tree from its Dispatch events and
// proves and processes each message on its destination once the root that
// covers it is past confirmAt.
type Processor struct {
	Home     *Chain
	Replicas []*Chain
	Payers   map[uint32]ed25519.PrivateKey // by domain
	DB       *DB
	// Allow, when not empty, is the set of recipients served; Deny is never
	// served.
	Allow, Deny map[keccak.Hash]bool
	Log         *slog.Logger
	Metrics     *Metrics

	leaves    []keccak.Hash
	loaded    bool
	proofMu   sync.Mutex // guards proofTree: deliveries run concurrently
	proofTree *merkle.FullTree
}

// MaxInFlight is how many messages a processor delivers to one chain at
// once. Each delivery waits for its transaction's finality (a round or two
// on an atoll network), so one after another would cost a round each;
// deliveries are independent, since a Replica processes messages in any
// order.
const MaxInFlight = 8

func msgKey(domain, idx uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte(fmt.Sprintf("msg/%d/", domain)), idx)
}

func countKey(domain uint32, root keccak.Hash) []byte {
	return []byte(fmt.Sprintf("count/%d/%x", domain, root[:]))
}

// Dispatched is a message as the processor stores it.
type Dispatched struct {
	Index uint32
	Root  keccak.Hash // the Home's tree root just after this message
	Raw   []byte
}

// scanDispatches records every Dispatch event of ch's Home, checking that
// leaf indexes follow one another from next; it returns the new messages.
// Dispatches below next are repeats (an RPC node that lost the history up to
// the cursor, say one restored from a checkpoint, lists them again): each
// must equal the message recorded for its index, and is not returned.
func scanDispatches(ctx context.Context, db *DB, ch *Chain, label string, next uint32) ([]Dispatched, error) {
	var got []Dispatched
	s := &scanner{db: db, ch: ch, addr: address.HomeState(), label: label}
	err := s.run(ctx, func(tx Tx) ([][2][]byte, error) {
		var w [][2][]byte
		for _, e := range home.ParseLogs(tx.Logs) {
			if e.Kind != home.EventDispatch {
				continue
			}
			d := Dispatched{Index: e.LeafIndex, Root: e.Root, Raw: append([]byte(nil), e.Message...)}
			if d.Index < next {
				known, err := loadMessage(db, ch.Domain, d.Index)
				if err != nil {
					return nil, err
				}
				if known == nil || known.Root != d.Root || !bytes.Equal(known.Raw, d.Raw) {
					return nil, fmt.Errorf("agent: %s lists a dispatch at leaf %d unlike the one recorded", ch.Name, d.Index)
				}
				continue
			}
			got = append(got, d)
			w = append(w, KV(msgKey(ch.Domain, d.Index), append(d.Root[:], d.Raw...)),
				KV(countKey(ch.Domain, d.Root), binary.BigEndian.AppendUint32(nil, d.Index+1)))
		}
		sort.Slice(got, func(i, j int) bool { return got[i].Index < got[j].Index })
		return w, nil
	})
	if err != nil {
		got = nil
	}
	for i, d := range got {
		if d.Index != next+uint32(i) {
			return nil, fmt.Errorf("agent: dispatch events of %s skip from leaf %d to %d", ch.Name, next+uint32(i), d.Index)
		}
	}
	return got, err
}

// loadMessage returns message idx of the Home of domain from the database.
func loadMessage(db *DB, domain, idx uint32) (*Dispatched, error) {
	v, ok, err := db.Get(msgKey(domain, idx))
	if err != nil || !ok {
		return nil, err
	}
	if len(v) < keccak.Size {
		return nil, fmt.Errorf("agent: corrupt message record %d", idx)
	}
	d := &Dispatched{Index: idx, Raw: v[keccak.Size:]}
	copy(d.Root[:], v)
	return d, nil
}

// rootCount is how many messages the Home of domain had when its root was
// root; ok is false for a root the Home never had.
func rootCount(db *DB, domain uint32, root keccak.Hash) (uint32, bool, error) {
	v, ok, err := db.Get(countKey(domain, root))
	if err != nil || !ok || len(v) != 4 {
		return 0, false, err
	}
	return binary.BigEndian.Uint32(v), true, nil
}

func (p *Processor) load() error {
	if p.loaded {
		return nil
	}
	for idx := uint32(0); ; idx++ {
		d, err := loadMessage(p.DB, p.Home.Domain, idx)
		if err != nil {
			return err
		}
		if d == nil {
			break
		}
		p.leaves = append(p.leaves, message.Leaf(d.Raw))
	}
	p.loaded = true
	return nil
}

// Poll implements Poller.
func (p *Processor) Poll(ctx context.Context) error {
	if err := p.load(); err != nil {
		return err
	}
	news, err := scanDispatches(ctx, p.DB, p.Home, "processor", uint32(len(p.leaves)))
	if err != nil {
		return err
	}
	for _, d := range news {
		p.leaves = append(p.leaves, message.Leaf(d.Raw))
	}
	var errs []error
	for _, dst := range p.Replicas {
		if err := p.deliver(ctx, dst); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dst.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (p *Processor) lowKey(dst uint32) []byte {
	return []byte(fmt.Sprintf("low/%d/%d", p.Home.Domain, dst))
}

func (p *Processor) doneKey(dst, idx uint32) []byte {
	return []byte(fmt.Sprintf("done/%d/%d/%d", p.Home.Domain, dst, idx))
}

// acceptable finds the newest root of the Replica's history that is past
// confirmAt at now and known to the Home, walking back from the committed
// root; n is the number of messages it covers (0 when there is none).
func (p *Processor) acceptable(ctx context.Context, dst *Chain, st *breplica.Replica, now uint64) (keccak.Hash, uint32, error) {
	root := st.CommittedRoot()
	for i := 0; i < maxHistoryWalk; i++ {
		e, err := RootEntry(ctx, dst, p.Home.Domain, root)
		if err != nil || e == nil {
			return keccak.Hash{}, 0, err
		}
		n, known, err := rootCount(p.DB, p.Home.Domain, root)
		if err != nil {
			return keccak.Hash{}, 0, err
		}
		if known && e.ConfirmAt <= now && int(n) <= len(p.leaves) {
			return root, n, nil
		}
		root = e.Update.OldRoot
	}
	return keccak.Hash{}, 0, nil
}

func (p *Processor) deliver(ctx context.Context, dst *Chain) error {
	st, err := ReplicaState(ctx, dst, p.Home.Domain)
	if err != nil || st == nil {
		return err
	}
	if st.Halted() {
		p.Log.Warn("replica halted; not processing", "agent", "processor", "chain", dst.Name, "remote", p.Home.Domain)
		return nil
	}
	now, err := dst.Now(ctx)
	if err != nil {
		return err
	}
	root, n, err := p.acceptable(ctx, dst, st, now)
	if err != nil || n == 0 {
		return err
	}
	var low uint32
	if v, ok, err := p.DB.Get(p.lowKey(dst.Domain)); err != nil {
		return err
	} else if ok && len(v) == 4 {
		low = binary.BigEndian.Uint32(v)
	}
	if low >= n {
		return nil
	}
	settled := make([]bool, n-low)
	sem := make(chan struct{}, MaxInFlight)
	var wg sync.WaitGroup
	for idx := low; idx < n; idx++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(idx uint32) {
			defer func() { <-sem; wg.Done() }()
			ok, err := p.one(ctx, dst, root, n, idx)
			if err != nil {
				p.Log.Warn("message not processed yet", "agent", "processor", "chain", dst.Name, "index", idx, "err", err)
			}
			settled[idx-low] = ok
		}(idx)
	}
	wg.Wait()
	for _, ok := range settled {
		if !ok {
			break
		}
		low++
	}
	return p.DB.Put(KV(p.lowKey(dst.Domain), binary.BigEndian.AppendUint32(nil, low)))
}

// one handles message idx for dst; settled means it needs no more work here
// (processed, denied, or addressed elsewhere).
func (p *Processor) one(ctx context.Context, dst *Chain, root keccak.Hash, n, idx uint32) (settled bool, err error) {
	d, err := loadMessage(p.DB, p.Home.Domain, idx)
	if err != nil || d == nil {
		return false, err
	}
	m, err := message.Decode(d.Raw)
	if err != nil {
		return true, err
	}
	if m.Destination != dst.Domain {
		return true, nil
	}
	if _, done, err := p.DB.Get(p.doneKey(dst.Domain, idx)); err != nil || done {
		return done, err
	}
	mark := func(why string) error {
		return p.DB.Put(KV(p.doneKey(dst.Domain, idx), []byte(why)))
	}
	if (len(p.Allow) > 0 && !p.Allow[m.Recipient]) || p.Deny[m.Recipient] {
		p.Log.Info("message skipped by allow/deny list", "agent", "processor", "index", idx, "recipient", hexRoot(m.Recipient))
		return true, mark("denied")
	}
	leaf := message.Leaf(d.Raw)
	rec, err := MessageStatus(ctx, dst, p.Home.Domain, leaf)
	if err != nil {
		return false, err
	}
	if rec.Status == breplica.Processed {
		return true, mark("processed")
	}
	extra, err := recipientAccounts(&m)
	if err != nil {
		p.Log.Warn("undeliverable message body", "agent", "processor", "index", idx, "err", err)
		return true, mark("undeliverable")
	}
	payer := p.Payers[dst.Domain]
	var ixs [][]sol.Instruction
	if rec.Status == breplica.Proven {
		ix, err := replica.Process(p.Home.Domain, PubkeyOf(payer), d.Raw, rec.Root, extra)
		if err != nil {
			return false, err
		}
		ixs = append(ixs, []sol.Instruction{ix})
	} else {
		proof, err := p.proof(n, idx)
		if err != nil {
			return false, err
		}
		if proof.Root() != root {
			return false, fmt.Errorf("agent: rebuilt tree gives root %s, Replica has %s", hexRoot(proof.Root()), hexRoot(root))
		}
		ix, err := replica.ProveAndProcess(p.Home.Domain, PubkeyOf(payer), d.Raw, idx, &proof.Path, extra)
		if err != nil {
			return false, err
		}
		raw, _, _, err := dst.Build(ctx, payer, nil, ix)
		if err != nil {
			return false, err
		}
		if len(raw) <= maxTxSize {
			ixs = append(ixs, []sol.Instruction{ix})
		} else {
			// Too large for one transaction: prove, then process.
			pv, err := replica.Prove(p.Home.Domain, PubkeyOf(payer), &proof)
			if err != nil {
				return false, err
			}
			pr, err := replica.Process(p.Home.Domain, PubkeyOf(payer), d.Raw, root, extra)
			if err != nil {
				return false, err
			}
			ixs = append(ixs, []sol.Instruction{pv}, []sol.Instruction{pr})
		}
	}
	for _, tx := range ixs {
		if _, err := dst.Send(ctx, payer, nil, tx...); err != nil {
			return false, err
		}
	}
	rec, err = MessageStatus(ctx, dst, p.Home.Domain, leaf)
	if err != nil {
		return false, err
	}
	if rec.Status != breplica.Processed {
		return false, fmt.Errorf("recipient handler failed; the message stays %s and is retried", rec.Status)
	}
	if p.Metrics != nil {
		p.Metrics.Actions.WithLabelValues("processor", "processed").Inc()
	}
	p.Log.Info("processed message", "agent", "processor", "from", p.Home.Name, "to", dst.Name, "index", idx,
		"nonce", m.Nonce, "leaf", hexRoot(leaf), "root", hexRoot(root))
	return true, mark("processed")
}

// proof proves leaf idx against the tree of the first n leaves.
func (p *Processor) proof(n, idx uint32) (merkle.Proof, error) {
	p.proofMu.Lock()
	defer p.proofMu.Unlock()
	if p.proofTree == nil || p.proofTree.Count() != n {
		t := new(merkle.FullTree)
		for _, l := range p.leaves[:n] {
			if err := t.Insert(l); err != nil {
				return merkle.Proof{}, err
			}
		}
		p.proofTree = t
	}
	return p.proofTree.Proof(idx)
}

// recipientAccounts are the accounts a recipient's handle needs after the
// Replica's own: the token bridge's for its transfers, none otherwise.
func recipientAccounts(m *message.Message) ([]sol.AccountMeta, error) {
	if sol.Pubkey(m.Recipient) == address.TokenBridge {
		return tokenbridge.HandleAccounts(m.Body)
	}
	return nil, nil
}

// ParseRecipient reads a recipient as a base58 program id or 0x-hex bytes32.
func ParseRecipient(s string) (keccak.Hash, error) {
	if k, err := sol.PubkeyFromString(s); err == nil {
		return keccak.Hash(k), nil
	}
	return keccak.ParseHash(s)
}
