package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// WSURL is the websocket URL of the JSON-RPC endpoint rpcURL by the Solana
// convention: the same host on the next port, ws for http and wss for
// https.
func WSURL(rpcURL string) (string, error) {
	u, err := url.Parse(rpcURL)
	if err != nil {
		return "", fmt.Errorf("%w: rpc URL %q: %v", ErrConfig, rpcURL, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("%w: rpc URL %q: want http or https", ErrConfig, rpcURL)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65534 {
			return "", fmt.Errorf("%w: rpc URL %q: bad port", ErrConfig, rpcURL)
		}
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(n+1))
	}
	return u.String(), nil
}

// SlotFeed is a chain's stream of new slots over its websocket: a root
// subscription for a chain read at finalized commitment (the agents see a
// new state exactly when a slot is rooted), a slot subscription otherwise.
type SlotFeed struct {
	Chain *Chain
	// WS is the websocket URL (default: WSURL of the chain's RPC URL).
	WS string
}

// follow signals wake on every notification, never blocking (one pending
// signal stands for any number of new slots), and reconnects after a
// failure until ctx ends. Without a feed the agent still polls on its
// interval, so a lost connection only costs latency.
func (f *SlotFeed) follow(ctx context.Context, wake chan<- struct{}, log *slog.Logger) {
	ws := f.WS
	if ws == "" {
		var err error
		if ws, err = WSURL(f.Chain.RPC.URL()); err != nil {
			log.Warn("no websocket for slot notifications", "chain", f.Chain.Name, "err", err)
			return
		}
	}
	method := "slotSubscribe"
	if f.Chain.commitment() == "finalized" {
		method = "rootSubscribe"
	}
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := f.session(ctx, ws, method, wake)
		if ctx.Err() != nil {
			return
		}
		log.Debug("slot notifications interrupted; reconnecting", "chain", f.Chain.Name, "ws", ws, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (f *SlotFeed) session(ctx context.Context, ws, method string, wake chan<- struct{}) error {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.DialContext(ctx, ws, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := conn.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method}); err != nil {
		return err
	}
	for {
		var msg struct {
			Method string `json:"method"`
			Error  any    `json:"error"`
		}
		if err := conn.ReadJSON(&msg); err != nil {
			return err
		}
		if msg.Error != nil {
			return fmt.Errorf("%s refused: %v", method, msg.Error)
		}
		if msg.Method == "" { // the subscription id
			continue
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}
