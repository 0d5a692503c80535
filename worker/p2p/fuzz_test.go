package p2p

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
)

// fuzzDecode checks that a decoder of T never panics and that whatever it
// accepts survives a re-encoding unchanged. (Absent keys decode as zero
// values, so the accepted bytes themselves need not be canonical.)
func fuzzDecode[T any](f *testing.F, seed T) {
	f.Add(codec.Marshal(&seed))
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var v T
		if err := (cborCodec{}).Unmarshal(b, &v); err != nil {
			return
		}
		enc := codec.Marshal(&v)
		var back T
		if err := (cborCodec{}).Unmarshal(enc, &back); err != nil {
			t.Fatalf("%T: own encoding does not decode: %v", v, err)
		}
		if !bytes.Equal(codec.Marshal(&back), enc) {
			t.Fatalf("%T re-encodes differently", v)
		}
	})
}

func FuzzTxMsg(f *testing.F) {
	fuzzDecode(f, TxMsg{Runtime: registry.RuntimeID{1}, Txs: [][]byte{{1}}})
}

func FuzzProposalMsg(f *testing.F) {
	fuzzDecode(f, ProposalMsg{Txs: [][]byte{{1}}})
}

func FuzzApplyRequest(f *testing.F) {
	fuzzDecode(f, ApplyRequest{Round: 1, StateLog: []byte{1}, IOLog: []byte{2}})
}

func FuzzDiffRequest(f *testing.F) { fuzzDecode(f, DiffRequest{Round: 1}) }

func FuzzDiffResponse(f *testing.F) {
	fuzzDecode(f, DiffResponse{StateRoot: roothash.Hash{1}, StateLog: []byte{1}, IOLog: []byte{}})
}

func FuzzCheckpointRequest(f *testing.F) { fuzzDecode(f, CheckpointRequest{Round: 1, Index: 2}) }

func FuzzCheckpointResponse(f *testing.F) {
	fuzzDecode(f, CheckpointResponse{Chunk: []byte{1}, Total: 1})
}

func FuzzSignedReceipt(f *testing.F) { fuzzDecode(f, roothash.SignedReceipt{}) }

func FuzzPeerKey(f *testing.F) {
	cert, err := certificate(signer(f, 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cert.Certificate[0])
	f.Fuzz(func(t *testing.T, der []byte) {
		_, _ = PeerKey([][]byte{der})
	})
}
