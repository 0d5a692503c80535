package rpc_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

type wsClient struct {
	t         *testing.T
	conn      *websocket.Conn
	unmatched []*wsMessage // read but not yet asked for
}

func dialWS(t *testing.T, n *testNode) *wsClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(n.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

type wsMessage struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int `json:"code"`
	} `json:"error"`
	Method string `json:"method"`
	Params struct {
		Result       json.RawMessage `json:"result"`
		Subscription uint64          `json:"subscription"`
	} `json:"params"`
}

func (c *wsClient) send(body string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(body)); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the first message match accepts, reading more as needed
// and keeping the others for later calls.
func (c *wsClient) next(match func(*wsMessage) bool) *wsMessage {
	c.t.Helper()
	for i, m := range c.unmatched {
		if match(m) {
			c.unmatched = append(c.unmatched[:i], c.unmatched[i+1:]...)
			return m
		}
	}
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("websocket read: %v", err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("websocket message %q: %v", b, err)
		}
		if match(&m) {
			return &m
		}
		c.unmatched = append(c.unmatched, &m)
	}
}

func (c *wsClient) subscribe(body string) uint64 {
	c.t.Helper()
	c.send(body)
	m := c.next(func(m *wsMessage) bool { return m.Method == "" })
	var id uint64
	if m.Error != nil || json.Unmarshal(m.Result, &id) != nil {
		c.t.Fatalf("subscribe %s: %s %+v", body, m.Result, m.Error)
	}
	if id >= 1<<53 {
		c.t.Fatalf("subscription id %d does not fit 53 bits", id)
	}
	return id
}

func (c *wsClient) notification(method string, sub uint64) json.RawMessage {
	c.t.Helper()
	return c.next(func(m *wsMessage) bool { return m.Method == method && m.Params.Subscription == sub }).Params.Result
}

func TestWebsocket_Subscriptions(t *testing.T) {
	n := startNode(t, devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2})
	c := dialWS(t, n)
	target := sol.Pubkey{0x51}

	slotSub := c.subscribe(`{"jsonrpc":"2.0","id":1,"method":"slotSubscribe"}`)
	if r := string(c.notification("slotNotification", slotSub)); !strings.Contains(r, `"parent":`) || !strings.Contains(r, `"root":`) {
		t.Fatalf("slot notification %s", r)
	}
	c.send(`{"jsonrpc":"2.0","id":2,"method":"slotUnsubscribe","params":[` + jsonNumber(slotSub) + `]}`)
	if m := c.next(func(m *wsMessage) bool { return string(m.ID) == "2" }); string(m.Result) != "true" {
		t.Fatalf("unsubscribe: %s", m.Result)
	}
	c.send(`{"jsonrpc":"2.0","id":3,"method":"slotUnsubscribe","params":[` + jsonNumber(slotSub) + `]}`)
	if m := c.next(func(m *wsMessage) bool { return string(m.ID) == "3" }); m.Error == nil || m.Error.Code != rpc.CodeInvalidParams {
		t.Fatalf("second unsubscribe: %s", m.Result)
	}
	c.send(`{"jsonrpc":"2.0","id":"p","method":"ping"}`)
	if m := c.next(func(m *wsMessage) bool { return string(m.ID) == `"p"` }); string(m.Result) != `"pong"` {
		t.Fatalf("ping: %s", m.Result)
	}

	acctSub := c.subscribe(`{"jsonrpc":"2.0","id":4,"method":"accountSubscribe","params":["` + target.String() + `",{"encoding":"base64","commitment":"confirmed"}]}`)
	logsSub := c.subscribe(`{"jsonrpc":"2.0","id":5,"method":"logsSubscribe","params":[{"mentions":["` + target.String() + `"]},{"commitment":"processed"}]}`)
	progSub := c.subscribe(`{"jsonrpc":"2.0","id":6,"method":"programSubscribe","params":["11111111111111111111111111111111",{"encoding":"base64","commitment":"finalized","filters":[{"dataSize":0}]}]}`)
	sig, err := n.bank.RequestAirdrop(target, 4_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if r := string(c.notification("accountNotification", acctSub)); !strings.Contains(r, `"lamports":4000000`) || !strings.Contains(r, `"rentEpoch":18446744073709551615`) {
		t.Fatalf("account notification %s", r)
	}
	if r := string(c.notification("logsNotification", logsSub)); !strings.Contains(r, `"signature":"`+sig.String()+`"`) || !strings.Contains(r, `"logs":["Program 11111111111111111111111111111111 invoke [1]"`) {
		t.Fatalf("logs notification %s", r)
	}
	for {
		r := string(c.notification("programNotification", progSub))
		if strings.Contains(r, `"pubkey":"`+target.String()+`"`) {
			break
		}
	}

	// A signature that landed (and finalized) before the subscription is
	// notified at once; one that lands later, when it does.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st, _, _ := n.bank.SignatureStatuses([]sol.Signature{sig}, true)
		if st[0] != nil && st[0].Commitment == rpc.Finalized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the airdrop did not finalize in 10s")
		}
	}
	landed := c.subscribe(`{"jsonrpc":"2.0","id":7,"method":"signatureSubscribe","params":["` + sig.String() + `",{"commitment":"finalized"}]}`)
	if r := string(c.notification("signatureNotification", landed)); !strings.Contains(r, `"value":{"err":null}`) {
		t.Fatalf("landed signature notification %s", r)
	}
	raw := transferFromBank(t, n, sol.Pubkey{0x52})
	tx, _ := sol.DecodeTransaction(raw)
	later := c.subscribe(`{"jsonrpc":"2.0","id":8,"method":"signatureSubscribe","params":["` + tx.Signature().String() + `",{"commitment":"confirmed"}]}`)
	if _, err := n.bank.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: rpc.Processed}); err != nil {
		t.Fatal(err)
	}
	if r := string(c.notification("signatureNotification", later)); !strings.Contains(r, `"value":{"err":null}`) {
		t.Fatalf("signature notification %s", r)
	}
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// transferFromBank airdrops to a fresh key and returns a signed transfer
// from it (not yet submitted).
func transferFromBank(t *testing.T, n *testNode, to sol.Pubkey) []byte {
	t.Helper()
	return transferFromFaucetOf(t, n.bank, to)
}
