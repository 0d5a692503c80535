package p2p

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/atoll-dev/atoll/consensus/signature"
)

// Errors of peer authentication.
var (
	ErrBadCertificate = errors.New("p2p: peer certificate is not a self-signed ed25519 certificate")
	ErrUnknownPeer    = errors.New("p2p: peer key is not a registered node's p2p key")
	ErrWrongPeer      = errors.New("p2p: peer is not the node dialled")
)

// Authorizer reports whether key is the P2P key of a registered node that
// may talk to this one. It is called on every handshake and must be safe
// for concurrent use.
type Authorizer func(key signature.PublicKey) bool

// certificate makes the self-signed certificate of a P2P key. Its validity
// is fixed and long: trust comes from the registry, not from dates, and a
// node's clock must not decide whether peers can connect.
func certificate(key *signature.Signer) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "atoll-p2p " + key.Public().String()},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	priv := key.PrivateKey()
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("p2p: making certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, nil
}

// PeerKey parses a peer's certificate chain (as received in the TLS
// handshake) and returns the P2P key it is for. The chain must be one
// self-signed ed25519 certificate.
func PeerKey(rawCerts [][]byte) (signature.PublicKey, error) {
	if len(rawCerts) != 1 {
		return signature.PublicKey{}, fmt.Errorf("%w: %d certificates", ErrBadCertificate, len(rawCerts))
	}
	c, err := x509.ParseCertificate(rawCerts[0])
	if err != nil {
		return signature.PublicKey{}, fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	pk, ok := c.PublicKey.(ed25519.PublicKey)
	if !ok || len(pk) != ed25519.PublicKeySize {
		return signature.PublicKey{}, fmt.Errorf("%w: key is %T", ErrBadCertificate, c.PublicKey)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		return signature.PublicKey{}, fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	return signature.PublicKey(pk), nil
}

func serverTLS(key *signature.Signer, auth Authorizer) (*tls.Config, error) {
	cert, err := certificate(key)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			pk, err := PeerKey(raw)
			if err != nil {
				return err
			}
			if !auth(pk) {
				return fmt.Errorf("%w: %s", ErrUnknownPeer, pk)
			}
			return nil
		},
	}, nil
}

func clientTLS(key *signature.Signer, want signature.PublicKey) (*tls.Config, error) {
	cert, err := certificate(key)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// The chain is checked below against the registered key, which is
		// the only trust anchor there is.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			pk, err := PeerKey(raw)
			if err != nil {
				return err
			}
			if pk != want {
				return fmt.Errorf("%w: expected %s, got %s", ErrWrongPeer, want, pk)
			}
			return nil
		},
	}, nil
}
