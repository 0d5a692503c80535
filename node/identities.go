package node

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Identity is one registered node this process acts for: it signs the
// node's registrations (with the entity key) and its beacon proofs.
type Identity struct {
	Name   string
	Entity *signature.Signer
	Node   *signature.Signer
	VRF    *signature.Signer
	// P2P is the worker transport key of a compute or storage node (nil
	// for a validator); its workers listen on P2PAddr and serve the
	// submission API on SubmitAddr. The agent keeps the registered
	// descriptor's P2P field equal to {P2P, [P2PAddr]}.
	P2P        *signature.Signer
	P2PAddr    string
	SubmitAddr string
	// Descriptor is the registration to restore if the node has lapsed out
	// of the registry altogether (nil: renew only what the registry holds).
	Descriptor *registry.Node
}

type identityFile struct {
	Name       string         `json:"name"`
	Entity     string         `json:"entity_seed"`
	Node       string         `json:"node_seed"`
	VRF        string         `json:"vrf_seed,omitempty"`
	P2P        string         `json:"p2p_seed,omitempty"`
	P2PAddr    string         `json:"p2p_address,omitempty"`
	SubmitAddr string         `json:"submit_address,omitempty"`
	Descriptor *registry.Node `json:"descriptor,omitempty"`
}

// Compute reports whether the identity runs workers (it has a P2P key).
func (id *Identity) Compute() bool { return id.P2P != nil }

// IdentitiesFile is the path of a home's hosted identities.
func IdentitiesFile(home string) string {
	return filepath.Join(home, "config", "atoll-identities.json")
}

// WriteIdentities stores ids (private seeds; mode 0600).
func WriteIdentities(home string, ids []Identity) error {
	out := make([]identityFile, len(ids))
	for i, id := range ids {
		out[i] = identityFile{Name: id.Name, Entity: hex.EncodeToString(id.Entity.Seed()), Node: hex.EncodeToString(id.Node.Seed()),
			P2PAddr: id.P2PAddr, SubmitAddr: id.SubmitAddr, Descriptor: id.Descriptor}
		if id.VRF != nil {
			out[i].VRF = hex.EncodeToString(id.VRF.Seed())
		}
		if id.P2P != nil {
			out[i].P2P = hex.EncodeToString(id.P2P.Seed())
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return os.WriteFile(IdentitiesFile(home), b, 0o600)
}

// LoadIdentities reads a home's hosted identities; a missing file is none.
func LoadIdentities(home string) ([]Identity, error) {
	b, err := os.ReadFile(IdentitiesFile(home))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	var in []identityFile
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("node: %s: %v", IdentitiesFile(home), err)
	}
	seed := func(s string) (*signature.Signer, error) {
		raw, err := hex.DecodeString(s)
		if err != nil {
			return nil, err
		}
		return signature.SignerFromSeed(raw)
	}
	out := make([]Identity, len(in))
	for i, f := range in {
		out[i].Name, out[i].Descriptor, out[i].P2PAddr, out[i].SubmitAddr = f.Name, f.Descriptor, f.P2PAddr, f.SubmitAddr
		if out[i].Entity, err = seed(f.Entity); err != nil {
			return nil, fmt.Errorf("node: %s: identity %d entity: %v", IdentitiesFile(home), i, err)
		}
		if out[i].Node, err = seed(f.Node); err != nil {
			return nil, fmt.Errorf("node: %s: identity %d node: %v", IdentitiesFile(home), i, err)
		}
		if f.VRF != "" {
			if out[i].VRF, err = seed(f.VRF); err != nil {
				return nil, fmt.Errorf("node: %s: identity %d vrf: %v", IdentitiesFile(home), i, err)
			}
		}
		if f.P2P != "" {
			if out[i].P2P, err = seed(f.P2P); err != nil {
				return nil, fmt.Errorf("node: %s: identity %d p2p: %v", IdentitiesFile(home), i, err)
			}
		}
	}
	return out, nil
}
