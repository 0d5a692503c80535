package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/update"
)

// QuorumLinger is how long one poll of an updater waits for its peers: a
// non-proposer for the proposer's choice of root, any updater for the
// signatures that complete a quorum. Updaters that poll on the same new
// slot thus meet within that slot instead of a poll later.
const QuorumLinger = 300 * time.Millisecond

const lingerStep = 25 * time.Millisecond

// sleepCtx sleeps for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ErrEquivocation is returned when the updater is asked to sign a second new
// root for an old root it already signed; it never does.
var ErrEquivocation = errors.New("agent: refusing to sign a second new root for the same old root")

// Updater signs the Home's new roots and, with its peers' signatures,
// submits quorum updates to the Home.
type Updater struct {
	Home     *Chain
	Key      *secp256k1.PrivateKey
	Payer    ed25519.PrivateKey
	DB       *DB
	Peers    []string
	Proposer bool
	Log      *slog.Logger
	Metrics  *Metrics

	http         http.Client
	failedLogged bool
}

// Address is the updater's address.
func (u *Updater) Address() update.Address { return update.AddressOf(u.Key.PubKey()) }

func signedKey(domain uint32, old keccak.Hash) []byte {
	return []byte(fmt.Sprintf("signed/%d/%x", domain, old[:]))
}

// Signed returns the update this updater signed for old, if any. A record
// holding only the chosen new root (a crash between choosing and signing)
// is completed by signing that same root.
func (u *Updater) Signed(old keccak.Hash) (*update.SignedUpdate, error) {
	v, ok, err := u.DB.Get(signedKey(u.Home.Domain, old))
	if err != nil || !ok {
		return nil, err
	}
	su := &update.SignedUpdate{Update: update.Update{HomeDomain: u.Home.Domain, OldRoot: old}}
	switch len(v) {
	case keccak.Size:
		copy(su.NewRoot[:], v)
		su.Signature = su.Update.Sign(u.Key)
		if err := u.DB.Put(KV(signedKey(u.Home.Domain, old), append(v, su.Signature[:]...))); err != nil {
			return nil, err
		}
	case keccak.Size + update.SignatureSize:
		copy(su.NewRoot[:], v)
		copy(su.Signature[:], v[keccak.Size:])
	default:
		return nil, fmt.Errorf("agent: corrupt signing record for %x", old[:4])
	}
	return su, nil
}

// Sign signs (old → new) after recording the choice durably. It refuses a
// new root other than the one already recorded for old.
func (u *Updater) Sign(old, new keccak.Hash) (*update.SignedUpdate, error) {
	su, err := u.Signed(old)
	if err != nil {
		return nil, err
	}
	if su != nil {
		if su.NewRoot != new {
			return nil, fmt.Errorf("%w: %x already signed to %x, asked %x", ErrEquivocation, old[:4], su.NewRoot[:4], new[:4])
		}
		return su, nil
	}
	if err := u.DB.Put(KV(signedKey(u.Home.Domain, old), new[:])); err != nil {
		return nil, err
	}
	su, err = u.Signed(old)
	if err == nil && u.Metrics != nil {
		u.Metrics.Actions.WithLabelValues("updater", "signed").Inc()
	}
	u.Log.Info("signed update", "agent", "updater", "domain", u.Home.Domain, "old", hexRoot(old), "new", hexRoot(new))
	return su, err
}

func hexRoot(h keccak.Hash) string { return "0x" + hex.EncodeToString(h[:]) }

// Poll implements Poller: sign the Home's next update if due, gather peer
// signatures, submit a quorum.
func (u *Updater) Poll(ctx context.Context) error {
	st, err := HomeState(ctx, u.Home)
	if err != nil {
		return err
	}
	h := st.Home
	if h.Failed() {
		if !u.failedLogged {
			u.failedLogged = true
			u.Log.Error("Home is failed by a fraud proof; signing stopped", "agent", "updater", "chain", u.Home.Name)
		}
		return nil
	}
	set := h.Updaters()
	if !set.Contains(u.Address()) {
		return fmt.Errorf("agent: updater %s is not in the Home's updater set", u.Address())
	}
	old := h.CommittedRoot()
	su, err := u.Signed(old)
	if err != nil {
		return err
	}
	if su == nil {
		next, ok := h.SuggestUpdate()
		if !ok {
			return nil
		}
		target := next.NewRoot
		if !u.Proposer {
			var found bool
			// Every updater of a set wakes on the same new slot; the
			// proposer's choice typically appears moments later, so wait a
			// little for it rather than a whole poll interval.
			for deadline := time.Now().Add(QuorumLinger); ; {
				if target, found = u.adopt(ctx, h, old); found || time.Now().After(deadline) {
					break
				}
				if !sleepCtx(ctx, lingerStep) {
					return nil
				}
			}
			if !found {
				return nil
			}
		}
		if su, err = u.Sign(old, target); err != nil {
			return err
		}
	}
	q := &update.QuorumUpdate{Update: su.Update, Signatures: []update.Signature{su.Signature}}
	seen := map[update.Address]bool{u.Address(): true}
	for deadline := time.Now().Add(QuorumLinger); ; {
		for _, p := range u.Peers {
			if len(q.Signatures) >= set.Threshold() {
				break
			}
			ps, err := u.fetch(ctx, p, old)
			if err != nil || ps == nil || ps.Update != su.Update {
				continue
			}
			a, err := ps.Signer()
			if err != nil || !set.Contains(a) || seen[a] {
				continue
			}
			seen[a] = true
			q.Signatures = append(q.Signatures, ps.Signature)
		}
		// Peers adopting this root sign it moments after it appears; a
		// short wait saves a poll interval of latency.
		if len(q.Signatures) >= set.Threshold() || time.Now().After(deadline) || !sleepCtx(ctx, lingerStep) {
			break
		}
	}
	if len(q.Signatures) < set.Threshold() {
		u.Log.Debug("waiting for peer signatures", "agent", "updater", "have", len(q.Signatures), "need", set.Threshold())
		return nil
	}
	if _, err := set.Verify(q); err != nil {
		return fmt.Errorf("agent: assembled quorum does not verify: %w", err)
	}
	ix, err := home.Update(q)
	if err != nil {
		return err
	}
	sig, err := u.Home.Send(ctx, u.Payer, nil, ix)
	if err != nil {
		// Another updater of the quorum may have submitted first.
		if st2, err2 := HomeState(ctx, u.Home); err2 == nil && st2.Home.CommittedRoot() != old {
			return nil
		}
		return fmt.Errorf("submitting update: %w", err)
	}
	if u.Metrics != nil {
		u.Metrics.Actions.WithLabelValues("updater", "submitted").Inc()
	}
	u.Log.Info("submitted quorum update", "agent", "updater", "domain", u.Home.Domain, "old", hexRoot(old),
		"new", hexRoot(su.NewRoot), "signatures", len(q.Signatures), "tx", sig.String())
	return nil
}

// adopt returns the new root a peer signed for old, if one did and the
// root is queued on the Home (so it was produced by dispatches).
func (u *Updater) adopt(ctx context.Context, h *bhome.Home, old keccak.Hash) (keccak.Hash, bool) {
	set := h.Updaters()
	for _, p := range u.Peers {
		ps, err := u.fetch(ctx, p, old)
		if err != nil || ps == nil || ps.HomeDomain != u.Home.Domain || ps.OldRoot != old || !h.QueueContains(ps.NewRoot) {
			continue
		}
		if a, err := ps.Signer(); err != nil || !set.Contains(a) {
			continue
		}
		return ps.NewRoot, true
	}
	return keccak.Hash{}, false
}

// fetch asks a peer for what it signed for old; nil when it signed nothing.
func (u *Updater) fetch(ctx context.Context, peer string, old keccak.Hash) (*update.SignedUpdate, error) {
	return FetchSigned(ctx, &u.http, peer, u.Home.Domain, old)
}

// FetchSigned asks the updater serving at peer what it signed for old on
// the Home of domain; nil when it signed nothing.
func FetchSigned(ctx context.Context, hc *http.Client, peer string, domain uint32, old keccak.Hash) (*update.SignedUpdate, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url := strings.TrimRight(peer, "/") + SignedPath(domain, old)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("agent: peer %s answered %s", peer, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return nil, err
	}
	su, err := ParseSignedResponse(b)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", peer, err)
	}
	if su.HomeDomain != domain || su.OldRoot != old {
		return nil, fmt.Errorf("%w: peer %s answered for another domain or root", ErrExchange, peer)
	}
	return su, nil
}

// ErrExchange is returned for a malformed answer of a peer updater.
var ErrExchange = errors.New("agent: malformed signature exchange answer")

// ParseSignedResponse decodes a peer's answer: the hex SignedUpdate encoding.
// The signature is not checked here; callers recover and vet the signer.
func ParseSignedResponse(b []byte) (*update.SignedUpdate, error) {
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrExchange)
	}
	var su update.SignedUpdate
	if err := su.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExchange, err)
	}
	return &su, nil
}

// SignedPath is where an updater serves what it signed for old.
func SignedPath(domain uint32, old keccak.Hash) string {
	return fmt.Sprintf("/v1/signed/%d/%x", domain, old[:])
}

// ServeHTTP answers GET /v1/signed/{domain}/{oldRoot hex} with the hex
// SignedUpdate encoding, or 404 when nothing was signed for that root.
func (u *Updater) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/signed/"), "/")
	if r.Method != http.MethodGet || len(parts) != 2 {
		http.Error(w, "want GET /v1/signed/{domain}/{oldRoot}", http.StatusBadRequest)
		return
	}
	d, err := strconv.ParseUint(parts[0], 10, 32)
	old, herr := keccak.ParseHash(parts[1])
	if err != nil || herr != nil {
		http.Error(w, "bad domain or root", http.StatusBadRequest)
		return
	}
	if uint32(d) != u.Home.Domain {
		http.NotFound(w, r)
		return
	}
	v, ok, err := u.DB.Get(signedKey(u.Home.Domain, old))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !ok || len(v) != keccak.Size+update.SignatureSize {
		http.NotFound(w, r)
		return
	}
	su := update.SignedUpdate{Update: update.Update{HomeDomain: u.Home.Domain, OldRoot: old}}
	copy(su.NewRoot[:], v)
	copy(su.Signature[:], v[keccak.Size:])
	b, _ := su.MarshalBinary()
	_, _ = io.WriteString(w, hex.EncodeToString(b))
}

// ServeExchange serves the updater's signatures on addr until the returned
// server is closed.
func (u *Updater) ServeExchange(addr string) (*http.Server, net.Addr, error) {
	ls, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return u.ServeExchangeOn(ls), ls.Addr(), nil
}

// ServeExchangeOn serves the updater's signatures on ls, which the returned
// server owns.
func (u *Updater) ServeExchangeOn(ls net.Listener) *http.Server {
	srv := &http.Server{Handler: u, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ls) }()
	return srv
}
