package p2p

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Client reaches other nodes' P2P endpoints, keeping one connection per
// peer. It is safe for concurrent use.
type Client struct {
	key *signature.Signer

	mu    sync.Mutex
	conns map[signature.PublicKey]*peerConn
}

type peerConn struct {
	addr string
	cc   *grpc.ClientConn
}

// NewClient returns a client that authenticates as key.
func NewClient(key *signature.Signer) *Client {
	return &Client{key: key, conns: map[signature.PublicKey]*peerConn{}}
}

// Peer names a node to reach: its registered P2P key and an address.
type Peer struct {
	Key  signature.PublicKey
	Addr string
}

func (c *Client) conn(p Peer) (*grpc.ClientConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pc := c.conns[p.Key]; pc != nil {
		if pc.addr == p.Addr {
			return pc.cc, nil
		}
		pc.cc.Close()
		delete(c.conns, p.Key)
	}
	cfg, err := clientTLS(c.key, p.Key)
	if err != nil {
		return nil, err
	}
	cc, err := grpc.NewClient("passthrough:///"+p.Addr,
		grpc.WithTransportCredentials(credentials.NewTLS(cfg)),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(cborCodec{}), grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize)),
	)
	if err != nil {
		return nil, fmt.Errorf("p2p: connecting to %s at %s: %w", p.Key, p.Addr, err)
	}
	c.conns[p.Key] = &peerConn{addr: p.Addr, cc: cc}
	return cc, nil
}

func (c *Client) call(ctx context.Context, p Peer, method string, in, out any) error {
	cc, err := c.conn(p)
	if err != nil {
		return err
	}
	if err := cc.Invoke(ctx, serviceName+"/"+method, in, out); err != nil {
		return fmt.Errorf("p2p: %s to %s: %w", method, p.Addr, err)
	}
	return nil
}

// SubmitTx gossips a transaction to p.
func (c *Client) SubmitTx(ctx context.Context, p Peer, m *TxMsg) error {
	return c.call(ctx, p, "SubmitTx", m, &Empty{})
}

// Propose delivers a proposal and its batch to p.
func (c *Client) Propose(ctx context.Context, p Peer, m *ProposalMsg) error {
	return c.call(ctx, p, "Propose", m, &Empty{})
}

// StorageApply asks storage node p for a receipt. The receipt is returned
// as received: the caller verifies it.
func (c *Client) StorageApply(ctx context.Context, p Peer, m *ApplyRequest) (*roothash.SignedReceipt, error) {
	var r roothash.SignedReceipt
	return &r, c.call(ctx, p, "StorageApply", m, &r)
}

// GetDiff fetches a round's write logs from p.
func (c *Client) GetDiff(ctx context.Context, p Peer, m *DiffRequest) (*DiffResponse, error) {
	var r DiffResponse
	return &r, c.call(ctx, p, "GetDiff", m, &r)
}

// GetCheckpoint fetches one checkpoint chunk from p.
func (c *Client) GetCheckpoint(ctx context.Context, p Peer, m *CheckpointRequest) (*CheckpointResponse, error) {
	var r CheckpointResponse
	return &r, c.call(ctx, p, "GetCheckpoint", m, &r)
}

// Close closes every connection.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, pc := range c.conns {
		pc.cc.Close()
		delete(c.conns, k)
	}
}
