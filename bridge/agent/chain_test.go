package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// faultyRPC sits in front of a chain's JSON-RPC and answers the first
// `drop` calls of one method itself, as a replicated network can: a
// sendTransaction the pool dropped (answered with the signature, never
// executed), or a getTransaction from a node that has not indexed it yet
// (answered null).
type faultyRPC struct {
	mu     sync.Mutex
	method string
	drop   int
	seen   int
}

func (f *faultyRPC) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

func (f *faultyRPC) serve(t *testing.T, upstream string) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params []json.RawMessage
		}
		_ = json.Unmarshal(body, &req)
		f.mu.Lock()
		swallow := req.Method == f.method && f.seen < f.drop
		if req.Method == f.method {
			f.seen++
		}
		f.mu.Unlock()
		if swallow {
			var result any
			if req.Method == "sendTransaction" {
				result = "1111111111111111111111111111111111111111111111111111111111111111" // ignored by Submit
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func startNet(t *testing.T, funded ...sol.Pubkey) *localnet.Net {
	t.Helper()
	n, err := localnet.Start(context.Background(), "alpha", localnet.Config{Domain: domainA, Remotes: []uint32{domainB},
		Updaters: testkeys.Set(t, 1, 1), Funded: funded, FundLamports: 10_000_000_000, SlotDuration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestChain_SubmitRebroadcasts: a transaction the network drops after
// accepting it is sent again until it lands.
func TestChain_SubmitRebroadcasts(t *testing.T) {
	t.Parallel()
	user := key("user")
	n := startNet(t, agent.PubkeyOf(user))
	f := &faultyRPC{method: "sendTransaction", drop: 1}
	ch := agent.NewChain("alpha", domainA, f.serve(t, n.URL))
	ch.Rebroadcast = 100 * time.Millisecond
	ix, err := home.Dispatch(agent.PubkeyOf(user), domainB, keccak.Hash(localnet.Inbox), []byte("dropped once"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ch.Send(context.Background(), user, nil, ix)
	if err != nil {
		t.Fatalf("a dropped transaction was not sent again: %v", err)
	}
	if tx, err := ch.Transaction(context.Background(), sig); err != nil || tx == nil {
		t.Fatalf("transaction %s not on the chain: %v", sig, err)
	}
	if seen := f.calls(); seen < 2 {
		t.Fatalf("sendTransaction called %d times", seen)
	}
}

// TestChain_SinceLagging: a signature listed before its transaction can be
// read is an error (retried), never silently skipped, so a scanner's
// cursor cannot move past an event it did not see.
func TestChain_SinceLagging(t *testing.T) {
	t.Parallel()
	user := key("user")
	n := startNet(t, agent.PubkeyOf(user))
	ix, err := home.Dispatch(agent.PubkeyOf(user), domainB, keccak.Hash(localnet.Inbox), []byte("seen late"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := n.Chain.Send(context.Background(), user, nil, ix)
	if err != nil {
		t.Fatal(err)
	}
	f := &faultyRPC{method: "getTransaction", drop: 1}
	ch := agent.NewChain("alpha", domainA, f.serve(t, n.URL))
	if _, cur, err := ch.Since(context.Background(), address.HomeState(), sol.Signature{}); !errors.Is(err, agent.ErrLagging) || cur != (sol.Signature{}) {
		t.Fatalf("Since with an unreadable listed transaction: cursor %s, err %v; want ErrLagging and the old cursor", cur, err)
	}
	txs, cur, err := ch.Since(context.Background(), address.HomeState(), sol.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	if cur != sig || len(txs) == 0 || txs[len(txs)-1].Signature != sig {
		t.Fatalf("retry read %d transactions up to %s, want the dispatch %s", len(txs), cur, sig)
	}
}
