package rpc_test

import (
	"encoding/json"
	"testing"

	"github.com/atoll-dev/atoll/rpc"
)

// FuzzDecodeRequests checks that request decoding never panics and that
// every decoded id is valid JSON, so it can be echoed verbatim.
func FuzzDecodeRequests(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"getSlot"}`, `[{"jsonrpc":"2.0","id":"a","method":"getHealth"},1]`,
		`{"jsonrpc":"2.0","id":1e400,"method":"x"}`, `[]`, `{`, `null`, `{"id":{"a":[1]}}`,
		// The shapes the fast paths take, and near misses of them.
		`[{"jsonrpc":"2.0","id":0,"method":"sendTransaction","params":["AQID",{"encoding":"base64","preflightCommitment":"finalized"}]},{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AQID",{"encoding":"base64","skipPreflight":true}]}]`,
		`{"jsonrpc":"2.0","id":"s","method":"getSignatureStatuses","params":[["5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"]]}`,
		`{"jsonrpc":"2.0","id":1,"id":2,"method":"getSlot"}`, `{"jsonrpc":"2.0","Id":1,"method":"getSlot"}`, `[{"jsonrpc":"2.0","id":1,"method":"get\u0053lot"}, 7]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		reqs, _, perr := rpc.DecodeRequests(body)
		if perr != nil {
			return
		}
		for _, r := range reqs {
			if r.ID != nil && !json.Valid(r.ID) {
				t.Fatalf("id %q is not valid JSON", r.ID)
			}
			if r.Params != nil && !json.Valid(r.Params) {
				t.Fatalf("params %q are not valid JSON", r.Params)
			}
		}
	})
}

// FuzzServer_HandleBody sends arbitrary bodies through the whole server,
// every method included, against a live bank: no input may panic, and
// every answer must be valid JSON.
func FuzzServer_HandleBody(f *testing.F) {
	bank := newManualBank(f)
	s := rpc.NewServer(bank, nil)
	for _, m := range []string{"getAccountInfo", "getMultipleAccounts", "getProgramAccounts", "sendTransaction",
		"simulateTransaction", "getSignatureStatuses", "getTransaction", "getBlock", "getBlocks", "getFeeForMessage",
		"getSignaturesForAddress", "requestAirdrop", "isBlockhashValid", "getMinimumBalanceForRentExemption"} {
		f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"` + m + `","params":["11111111111111111111111111111111",{"encoding":"base64","filters":[{"memcmp":{"offset":0,"bytes":"1"}}]}]}`))
		f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"` + m + `","params":[0,"AQ==",{"encoding":"jsonParsed","dataSlice":{"offset":-1,"length":5}}]}`))
		f.Add([]byte(`[{"jsonrpc":"2.0","id":"a","method":"` + m + `","params":["AQ==",{"encoding":"base64","skipPreflight":true,"minContextSlot":3,"maxRetries":0}]},` +
			`{"jsonrpc":"2.0","id":2,"method":"` + m + `","params":[["11111111111111111111111111111111"],{"searchTransactionHistory":true}]}]`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out := s.HandleBody(body)
		if out != nil && !json.Valid(out) {
			t.Fatalf("invalid JSON answer %q", out)
		}
	})
}
