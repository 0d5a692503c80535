package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// MaxMessageSize bounds one message in either direction (a batch, or a
// round's write logs).
const MaxMessageSize = 64 << 20

// ErrNotServed is returned for a runtime or role this node does not serve.
var ErrNotServed = errors.New("p2p: not served by this node")

// ComputeHandler serves the messages addressed to an executor.
type ComputeHandler interface {
	// SubmitTx admits gossiped transactions to the pool.
	SubmitTx(ctx context.Context, from signature.PublicKey, m *TxMsg) error
	// Propose delivers a proposal and its batch.
	Propose(ctx context.Context, from signature.PublicKey, m *ProposalMsg) error
}

// StorageHandler serves the messages addressed to a storage node.
type StorageHandler interface {
	StorageApply(ctx context.Context, from signature.PublicKey, m *ApplyRequest) (*roothash.SignedReceipt, error)
	GetDiff(ctx context.Context, from signature.PublicKey, m *DiffRequest) (*DiffResponse, error)
	GetCheckpoint(ctx context.Context, from signature.PublicKey, m *CheckpointRequest) (*CheckpointResponse, error)
}

// Server is a node's P2P endpoint. Register handlers before or after
// Serve; a message for a runtime without a handler fails with ErrNotServed.
type Server struct {
	key  *signature.Signer
	grpc *grpc.Server

	mu      sync.RWMutex
	compute map[registry.RuntimeID]ComputeHandler
	storage map[registry.RuntimeID]StorageHandler
}

// NewServer returns a server that presents key and accepts the peers auth
// admits.
func NewServer(key *signature.Signer, auth Authorizer) (*Server, error) {
	cfg, err := serverTLS(key, auth)
	if err != nil {
		return nil, err
	}
	s := &Server{key: key, compute: map[registry.RuntimeID]ComputeHandler{}, storage: map[registry.RuntimeID]StorageHandler{}}
	s.grpc = grpc.NewServer(
		grpc.Creds(credentials.NewTLS(cfg)),
		grpc.ForceServerCodec(cborCodec{}),
		grpc.MaxRecvMsgSize(MaxMessageSize),
		grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.ChainUnaryInterceptor(recoverInterceptor),
	)
	s.grpc.RegisterService(&serviceDesc, s)
	return s, nil
}

// Key is the P2P key the server presents.
func (s *Server) Key() signature.PublicKey { return s.key.Public() }

// HandleCompute routes rt's executor messages to h.
func (s *Server) HandleCompute(rt registry.RuntimeID, h ComputeHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compute[rt] = h
}

// HandleStorage routes rt's storage messages to h.
func (s *Server) HandleStorage(rt registry.RuntimeID, h StorageHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storage[rt] = h
}

// Serve accepts connections on l until Stop.
func (s *Server) Serve(l net.Listener) error { return s.grpc.Serve(l) }

// Stop closes the listeners and every connection.
func (s *Server) Stop() { s.grpc.Stop() }

func (s *Server) computeFor(rt registry.RuntimeID) (ComputeHandler, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if h := s.compute[rt]; h != nil {
		return h, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "%v: executor of runtime %s", ErrNotServed, rt)
}

func (s *Server) storageFor(rt registry.RuntimeID) (StorageHandler, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if h := s.storage[rt]; h != nil {
		return h, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "%v: storage of runtime %s", ErrNotServed, rt)
}

// caller returns the authenticated P2P key of the peer of ctx. The
// handshake already checked the certificate (serverTLS runs PeerKey and
// the Authorizer on it), so the key is read from the parsed certificate
// instead of parsing and verifying it again on every call.
func caller(ctx context.Context) (signature.PublicKey, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return signature.PublicKey{}, status.Error(codes.Unauthenticated, "p2p: no peer")
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.PeerCertificates) != 1 {
		return signature.PublicKey{}, status.Error(codes.Unauthenticated, "p2p: peer without certificate")
	}
	pk, ok := ti.State.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok || len(pk) != ed25519.PublicKeySize {
		return signature.PublicKey{}, status.Error(codes.Unauthenticated, ErrBadCertificate.Error())
	}
	return signature.PublicKey(pk), nil
}

func recoverInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = status.Errorf(codes.Internal, "p2p: %s: handler panicked: %v", info.FullMethod, r)
		}
	}()
	resp, err = h(ctx, req)
	if err != nil {
		if _, ok := status.FromError(err); !ok {
			err = status.Error(codes.Unknown, err.Error())
		}
	}
	return resp, err
}

// unary builds a method handler that decodes In, identifies the caller and
// calls f.
func unary[In any](name string, f func(s *Server, ctx context.Context, from signature.PublicKey, in *In) (any, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(In)
			if err := dec(in); err != nil {
				return nil, status.Error(codes.InvalidArgument, err.Error())
			}
			call := func(ctx context.Context, req any) (any, error) {
				from, err := caller(ctx)
				if err != nil {
					return nil, err
				}
				return f(srv.(*Server), ctx, from, req.(*In))
			}
			if ic == nil {
				return call(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: serviceName + "/" + name}, call)
		},
	}
}

const serviceName = "/atoll.worker.P2P"

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "atoll.worker.P2P",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("SubmitTx", func(s *Server, ctx context.Context, from signature.PublicKey, m *TxMsg) (any, error) {
			if len(m.Txs) > MaxGossipTxs {
				return nil, status.Errorf(codes.InvalidArgument, "p2p: %d transactions in one message (limit %d)", len(m.Txs), MaxGossipTxs)
			}
			h, err := s.computeFor(m.Runtime)
			if err != nil {
				return nil, err
			}
			return &Empty{}, h.SubmitTx(ctx, from, m)
		}),
		unary("Propose", func(s *Server, ctx context.Context, from signature.PublicKey, m *ProposalMsg) (any, error) {
			h, err := s.computeFor(m.Proposal.Proposal.Namespace)
			if err != nil {
				return nil, err
			}
			return &Empty{}, h.Propose(ctx, from, m)
		}),
		unary("StorageApply", func(s *Server, ctx context.Context, from signature.PublicKey, m *ApplyRequest) (any, error) {
			h, err := s.storageFor(m.Runtime)
			if err != nil {
				return nil, err
			}
			return nonNil(h.StorageApply(ctx, from, m))
		}),
		unary("GetDiff", func(s *Server, ctx context.Context, from signature.PublicKey, m *DiffRequest) (any, error) {
			h, err := s.storageFor(m.Runtime)
			if err != nil {
				return nil, err
			}
			return nonNil(h.GetDiff(ctx, from, m))
		}),
		unary("GetCheckpoint", func(s *Server, ctx context.Context, from signature.PublicKey, m *CheckpointRequest) (any, error) {
			h, err := s.storageFor(m.Runtime)
			if err != nil {
				return nil, err
			}
			return nonNil(h.GetCheckpoint(ctx, from, m))
		}),
	},
}

func nonNil[T any](v *T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("p2p: handler returned nothing")
	}
	return v, nil
}
