package rpc

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Websocket limits.
const (
	wsMaxMessageBytes = 64 * 1024
	wsOutboundQueue   = 4096
	wsEventBuffer     = 8192
	wsPingInterval    = 30 * time.Second
	wsWriteTimeout    = 10 * time.Second
	// maxSubscriptionID keeps ids exact in JavaScript numbers (2^53).
	maxSubscriptionID = 1<<53 - 1
	// maxSubscriptionsPerConn bounds what one client can make the server
	// compute for every block.
	maxSubscriptionsPerConn = 10_000
)

var upgrader = websocket.Upgrader{
	ReadBufferSize: 4096, WriteBufferSize: 4096,
	// Browsers' dapps connect from any origin, as to any public RPC node.
	CheckOrigin: func(*http.Request) bool { return true },
}

// subscriptionIDs is shared by every connection, so an id names one
// subscription server-wide, as in Agave.
var subscriptionIDs atomic.Uint64

func nextSubscriptionID() uint64 {
	return subscriptionIDs.Add(1) % maxSubscriptionID
}

type subKind uint8

const (
	subAccount subKind = iota
	subProgram
	subSignature
	subSlot
	subLogs
	subRoot
)

// subscription is one live websocket subscription.
type subscription struct {
	kind       subKind
	commitment Commitment
	key        sol.Pubkey // account, program, or logs mention
	sig        sol.Signature
	encoding   string
	slice      *DataSlice
	filters    []compiledFilter
	logsAll    bool
}

// notificationMethod is each kind's notification method name.
var notificationMethod = [...]string{"accountNotification", "programNotification", "signatureNotification",
	"slotNotification", "logsNotification", "rootNotification"}

// wsConn is one websocket client.
type wsConn struct {
	s    *Server
	conn *websocket.Conn
	out  chan []byte
	done chan struct{}
	once sync.Once

	mu       sync.Mutex
	subs     map[uint64]*subscription
	lastRoot uint64
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		// Some clients probe the websocket port with HTTP; answer as HTTP.
		s.ServeHTTP(w, r)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{s: s, conn: conn, out: make(chan []byte, wsOutboundQueue), done: make(chan struct{}), subs: map[uint64]*subscription{}}
	events, cancel := s.backend.Subscribe(wsEventBuffer)
	s.wsConnectionsChanged(1)
	go c.writeLoop()
	go c.eventLoop(events)
	c.readLoop()
	cancel()
	c.close()
	c.mu.Lock()
	for id, sub := range c.subs {
		s.subscriptionsChanged(sub.kind, -1)
		delete(c.subs, id)
	}
	c.mu.Unlock()
	s.wsConnectionsChanged(-1)
}

func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// send queues a message; a client that lets wsOutboundQueue messages pile
// up is disconnected rather than allowed to grow the server's memory.
func (c *wsConn) send(b []byte) {
	select {
	case c.out <- b:
	case <-c.done:
	default:
		c.close()
	}
}

func (c *wsConn) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		c.send(b)
	}
}

func (c *wsConn) writeLoop() {
	ping := time.NewTicker(wsPingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case b := <-c.out:
			c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				c.close()
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)); err != nil {
				c.close()
				return
			}
		}
	}
}

func (c *wsConn) readLoop() {
	c.conn.SetReadLimit(wsMaxMessageBytes)
	for {
		_, msg, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		reqs, batch, perr := DecodeRequests(msg)
		if perr != nil {
			c.sendJSON(errorResponse(nullID, perr))
			continue
		}
		if batch {
			var out []*Response
			for i := range reqs {
				if r := c.handle(&reqs[i]); r != nil {
					out = append(out, r)
				}
			}
			if len(out) > 0 {
				c.sendJSON(out)
			}
			continue
		}
		if r := c.handle(&reqs[0]); r != nil {
			c.sendJSON(r)
		}
	}
}

// handle answers one websocket request; nil for notifications (web3.js's
// keep-alive "ping" is one).
func (c *wsConn) handle(r *Request) (resp *Response) {
	if r.ID == nil && r.JSONRPC == "2.0" {
		return nil
	}
	if err := r.validate(); err != nil {
		return errorResponse(r.ID, err)
	}
	defer func() {
		if p := recover(); p != nil {
			c.s.log.Error("rpc: websocket handler panicked", "method", r.Method, "panic", p)
			resp = errorResponse(r.ID, &Error{Code: CodeInternalError, Message: "Internal error"})
		}
	}()
	p, perr := parseParams(r.Params)
	if perr != nil {
		return errorResponse(r.ID, perr)
	}
	ok := func(v any) *Response {
		b, _ := json.Marshal(v)
		return &Response{JSONRPC: "2.0", Result: b, ID: r.ID}
	}
	switch r.Method {
	case "ping":
		return ok("pong")
	case "accountUnsubscribe", "programUnsubscribe", "signatureUnsubscribe", "slotUnsubscribe",
		"logsUnsubscribe", "rootUnsubscribe":
		var id uint64
		if _, err := p.arg(0, &id, true, "subscription id"); err != nil {
			return errorResponse(r.ID, err)
		}
		c.mu.Lock()
		sub, found := c.subs[id]
		delete(c.subs, id)
		c.mu.Unlock()
		if found {
			c.s.subscriptionsChanged(sub.kind, -1)
		}
		if !found {
			return errorResponse(r.ID, invalidParams("Invalid subscription id."))
		}
		return ok(true)
	}
	sub, err := parseSubscription(r.Method, p)
	if err != nil {
		return errorResponse(r.ID, err)
	}
	id := nextSubscriptionID()
	c.mu.Lock()
	if len(c.subs) >= maxSubscriptionsPerConn {
		c.mu.Unlock()
		return errorResponse(r.ID, &Error{Code: CodeInvalidRequest, Message: "Invalid request: this connection already has the maximum number of subscriptions"})
	}
	c.subs[id] = sub
	c.mu.Unlock()
	c.s.subscriptionsChanged(sub.kind, 1)
	// The subscription answer goes out before any notification of it.
	c.sendJSON(ok(id))
	if sub.kind == subSignature {
		c.notifyLandedSignature(id, sub)
	}
	return nil
}

// parseSubscription reads a *Subscribe request.
func parseSubscription(method string, p params) (*subscription, *Error) {
	sub := &subscription{}
	switch method {
	case "accountSubscribe", "programSubscribe":
		k, err := pubkeyArg(p, 0, "address")
		if err != nil {
			return nil, err
		}
		sub.key, sub.kind = k, subAccount
		if method == "programSubscribe" {
			sub.kind = subProgram
		}
	case "signatureSubscribe":
		sig, err := signatureArg(p, 0)
		if err != nil {
			return nil, err
		}
		sub.sig, sub.kind = sig, subSignature
	case "slotSubscribe", "rootSubscribe":
		sub.kind = subSlot
		if method == "rootSubscribe" {
			sub.kind = subRoot
		}
		return sub, p.maxParams(0)
	case "logsSubscribe":
		sub.kind = subLogs
		var f any
		if _, err := p.arg(0, &f, true, "filter"); err != nil {
			return nil, err
		}
		switch v := f.(type) {
		case string:
			if v != "all" && v != "allWithVotes" {
				return nil, invalidParams("Invalid params: unknown logs filter %q", v)
			}
			sub.logsAll = true
		case map[string]any:
			var m struct {
				Mentions []string `json:"mentions"`
			}
			if _, err := p.arg(0, &m, true, "filter"); err != nil {
				return nil, err
			}
			if len(m.Mentions) != 1 {
				return nil, invalidParams("Invalid Request: Only 1 address supported")
			}
			k, kerr := sol.PubkeyFromString(m.Mentions[0])
			if kerr != nil {
				return nil, invalidParams("Invalid pubkey provided")
			}
			sub.key = k
		default:
			return nil, invalidParams("Invalid params: logs filter is \"all\" or {\"mentions\": [address]}")
		}
	default:
		return nil, &Error{Code: CodeMethodNotFound, Message: "Method not found"}
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	if sub.commitment, err = commitmentOf(c.Commitment); err != nil {
		return nil, err
	}
	sub.encoding, sub.slice = c.Encoding, c.DataSlice
	if sub.kind == subAccount || sub.kind == subProgram {
		// Check the encoding now, so a bad one fails the subscription
		// rather than every notification.
		if _, err := encodeAccount(&sol.Account{}, sub.encoding, sub.slice); err != nil {
			return nil, err
		}
	}
	if sub.kind == subProgram {
		if sub.filters, err = compileFilters(c.Filters); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// notifyLandedSignature answers a signature subscription at once when the
// transaction already reached the requested commitment.
func (c *wsConn) notifyLandedSignature(id uint64, sub *subscription) {
	sts, _, err := c.s.backend.SignatureStatuses([]sol.Signature{sub.sig}, true)
	if err != nil || sts[0] == nil || sts[0].Commitment < sub.commitment {
		return
	}
	c.mu.Lock()
	_, live := c.subs[id]
	delete(c.subs, id)
	c.mu.Unlock()
	if live {
		c.s.subscriptionsChanged(subSignature, -1)
		c.notify(id, subSignature, c.s.withContext(sts[0].Slot, map[string]any{"err": sts[0].Err}))
	}
}

type notification struct {
	JSONRPC string             `json:"jsonrpc"`
	Method  string             `json:"method"`
	Params  notificationParams `json:"params"`
}

type notificationParams struct {
	Result       any    `json:"result"`
	Subscription uint64 `json:"subscription"`
}

func (c *wsConn) notify(id uint64, kind subKind, result any) {
	c.sendJSON(notification{JSONRPC: "2.0", Method: notificationMethod[kind], Params: notificationParams{Result: result, Subscription: id}})
}

func (c *wsConn) eventLoop(events <-chan Event) {
	for {
		select {
		case <-c.done:
			return
		case e, ok := <-events:
			if !ok {
				// The backend dropped us for falling behind: the client
				// must reconnect and resubscribe.
				c.close()
				return
			}
			c.dispatch(e)
		}
	}
}

// pending is a notification decided under the lock and sent after it.
type pending struct {
	id     uint64
	kind   subKind
	result any
}

func (c *wsConn) dispatch(e Event) {
	var out []pending
	c.mu.Lock()
	switch e := e.(type) {
	case *SlotEvent:
		for id, sub := range c.subs {
			switch {
			case sub.kind == subSlot && !e.RootOnly:
				out = append(out, pending{id, subSlot, map[string]uint64{"parent": e.Parent, "root": e.Root, "slot": e.Slot}})
			case sub.kind == subRoot && e.Root != c.lastRoot:
				out = append(out, pending{id, subRoot, e.Root})
			}
		}
		c.lastRoot = e.Root
	case *CommitEvent:
		out = c.commitNotifications(e)
	}
	c.mu.Unlock()
	for _, n := range out {
		c.notify(n.id, n.kind, n.result)
	}
}

// commitNotifications computes what a block reaching a commitment level
// tells each subscription. Caller holds c.mu.
func (c *wsConn) commitNotifications(e *CommitEvent) []pending {
	var out []pending
	ctx := func(v any) contextValue { return c.s.withContext(e.Slot, v) }
	// Signature subscriptions by signature: a client confirming thousands
	// of transactions must not cost subscriptions × block transactions.
	var bySig map[sol.Signature][]uint64
	for id, sub := range c.subs {
		if sub.commitment != e.Commitment {
			continue
		}
		var writes []svm.AccountWrite
		if sub.kind == subAccount || sub.kind == subProgram {
			var err error
			if writes, err = e.AccountWrites(); err != nil {
				continue
			}
		}
		switch sub.kind {
		case subAccount:
			for i := range writes {
				if w := &writes[i]; w.Key == sub.key {
					a := w.Account
					if w.Deleted() {
						a = sol.Account{} // a deleted account reads as the default one
					}
					if ui, err := encodeAccount(&a, sub.encoding, sub.slice); err == nil {
						out = append(out, pending{id, subAccount, ctx(ui)})
					}
				}
			}
		case subProgram:
			for i := range writes {
				w := &writes[i]
				if w.Account.Owner != sub.key || !matchFilters(sub.filters, &w.Account) {
					continue
				}
				if ui, err := encodeAccount(&w.Account, sub.encoding, sub.slice); err == nil {
					out = append(out, pending{id, subProgram, ctx(keyedUIAccount{Account: ui, Pubkey: w.Key.String()})})
				}
			}
		case subSignature:
			// Matched below, in one pass over the block for all of them.
			if bySig == nil {
				bySig = map[sol.Signature][]uint64{}
			}
			bySig[sub.sig] = append(bySig[sub.sig], id)
		case subLogs:
			for i := range e.Block.Transactions {
				r := &e.Block.Transactions[i].Result
				if !sub.logsAll && !mentions(r, sub.key) {
					continue
				}
				full, err := e.Block.Transactions[i].Full()
				if err != nil {
					continue
				}
				out = append(out, pending{id, subLogs, ctx(map[string]any{"signature": r.Signature.String(), "err": r.Err, "logs": nonNil(full.Logs)})})
			}
		}
	}
	for i := 0; len(bySig) > 0 && i < len(e.Block.Transactions); i++ {
		r := &e.Block.Transactions[i].Result
		ids, ok := bySig[r.Signature]
		if !ok {
			continue
		}
		delete(bySig, r.Signature)
		for _, id := range ids {
			out = append(out, pending{id, subSignature, ctx(map[string]any{"err": r.Err})})
			delete(c.subs, id)
			c.s.subscriptionsChanged(subSignature, -1)
		}
	}
	return out
}

func mentions(r *svm.TxResult, k sol.Pubkey) bool {
	for _, x := range r.Keys {
		if x == k {
			return true
		}
	}
	return false
}
