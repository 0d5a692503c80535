package genesis

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

func key(b byte, i int) *signature.Signer {
	s, _ := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	return s
}

func sample() *Document {
	specs := []NodeSpec{{Entity: key(1, 0), Node: key(2, 0), VRF: key(3, 0), Consensus: key(4, 0).Public(), Roles: []registry.Role{registry.RoleValidator}}}
	for i := 1; i <= 3; i++ {
		specs = append(specs, NodeSpec{Entity: key(1, i), Node: key(2, i), VRF: key(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	return Build(NetworkSpec{ChainID: "sample", EpochInterval: 4, Nodes: specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 2})
}

func TestDocument_RoundTrip(t *testing.T) {
	d := sample()
	got, err := Parse(d.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ChainContext(), d.ChainContext()) || !bytes.Equal(got.Marshal(), d.Marshal()) {
		t.Fatal("parse changed the document")
	}
	if len(got.Validators()) != 1 {
		t.Fatalf("validators %d", len(got.Validators()))
	}
}

func TestParse_Errors(t *testing.T) {
	good := string(sample().Marshal())
	cases := []struct {
		name, doc, want string
	}{
		{"syntax", "{\n  \"chain_id\": ,\n}", "line 2 column"},
		{"unknown field", strings.Replace(good, `"chain_id"`, `"chain_idd"`, 1), "unknown field"},
		{"wrong type", strings.Replace(good, `"chain_id": "sample"`, `"chain_id": 5`, 1), "field chain_id"},
		{"empty chain id", strings.Replace(good, `"chain_id": "sample"`, `"chain_id": ""`, 1), "chain_id must be"},
		{"zero interval", strings.Replace(good, `"interval": 4`, `"interval": 0`, 1), "epochtime: interval"},
		{"trailing", good + "{}", "trailing data"},
		{"node of unknown entity", strings.Replace(good, key(1, 2).Public().String(), key(9, 9).Public().String(), 1), "registry.entities"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample().Marshal())
	f.Add([]byte(`{"chain_id":"x","consensus":{"max_tx_size":2048},"epochtime":{"params":{"interval":1}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if _, err := Parse(d.Marshal()); err != nil {
			t.Fatalf("accepted document does not re-parse: %v", err)
		}
	})
}

func TestBuild_WorkerNetwork(t *testing.T) {
	specs := []NodeSpec{{Entity: key(1, 0), Node: key(2, 0), VRF: key(3, 0), Consensus: key(4, 0).Public(), Roles: []registry.Role{registry.RoleValidator}}}
	for i := 1; i <= 3; i++ {
		specs = append(specs, NodeSpec{Entity: key(1, i), Node: key(2, i), VRF: key(3, i), P2P: key(5, i),
			P2PAddresses: []string{"127.0.0.1:2670" + string(rune('0'+i))}, Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	root := [32]byte{7}
	d := Build(NetworkSpec{ChainID: "workers", EpochInterval: 4, Nodes: specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 3,
		MinWriteReplication: 2, SVMStateRoot: root})
	got, err := Parse(d.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	rt := got.Registry.Runtimes[0]
	if rt.GenesisStateRoot != root || rt.Storage.GroupSize != 3 || rt.Storage.MinWriteReplication != 2 {
		t.Fatalf("runtime %+v", rt)
	}
	for i, n := range got.Registry.Nodes[1:] {
		if n.P2P.ID != key(5, i+1).Public() || len(n.P2P.Addresses) != 1 || n.P2P.Addresses[0] != specs[i+1].P2PAddresses[0] {
			t.Fatalf("node %d p2p %+v", i, n.P2P)
		}
	}
	if !got.Registry.Nodes[0].P2P.ID.IsZero() {
		t.Fatal("validator got a p2p key")
	}
	// Storage nodes can bond storage challenges from their own accounts;
	// the validator's node key holds nothing.
	funded := map[staking.Address]uint64{}
	for _, a := range got.Staking.Accounts {
		funded[a.Address] = a.Balance
	}
	for i, s := range specs {
		want := uint64(0)
		if i > 0 {
			want = NodeBalance
		}
		if got := funded[staking.NewAddress(s.Node.Public())]; got != want {
			t.Fatalf("node %d account balance %d, want %d", i, got, want)
		}
	}
	// Without MinWriteReplication every storage member must receipt.
	d = Build(NetworkSpec{ChainID: "workers", EpochInterval: 4, Nodes: specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 3})
	if d.Registry.Runtimes[0].Storage.MinWriteReplication != 3 {
		t.Fatal("default MinWriteReplication is not the storage committee")
	}
}
