package rpc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// fastSeeds are bodies and parameters of the shapes the fast paths take,
// and near misses that they must hand to encoding/json.
var fastSeeds = []string{
	`{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AQID",{"encoding":"base64","preflightCommitment":"finalized"}]}`,
	`[{"jsonrpc":"2.0","id":0,"method":"sendTransaction","params":["AQID",{"encoding":"base64","skipPreflight":true,"maxRetries":0}]},{"jsonrpc":"2.0","id":"x","method":"getSlot"}]`,
	`{"jsonrpc":"2.0","id":7,"method":"getSignatureStatuses","params":[["5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"],{"searchTransactionHistory":true}]}`,
	` { "jsonrpc" : "2.0" , "id" : null , "method" : "getHealth" } `, `{"jsonrpc":"2.0","method":"x"}`, `{}`, `[]`, `[1,{"id":2}]`,
	`{"jsonrpc":"2.0","id":1e400,"method":"x","params":null}`, `{"jsonrpc":"2.0","id":-0.5e+3,"method":"x","params":[]}`,
	`{"jsonrpc":"2.0","ID":1,"method":"x"}`, `{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}`, `{"jsonrpc":"2.0","id":1,"method":"g\u0065tSlot"}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":[{"minContextSlot":18446744073709551615,"commitment":"processed"}]}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":[{"minContextSlot":18446744073709551616}]}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":[{"minContextSlot":1.0,"withContext":false}]}`,
	`{"jsonrpc":2,"id":1,"method":"x"}`, `{"jsonrpc":"2.0","id":[1],"method":"x"}`, `{"jsonrpc":"2.0","id":"\ud800","method":"x"}`,
	"{\"jsonrpc\":\"2.0\",\"id\":\"\xff\",\"method\":\"x\"}", `{"jsonrpc":"2.0","id":01,"method":"x"}`, `[{"jsonrpc":"2.0","id":1,"method":"x"}]]`,
}

// sameRequests compares decoded requests byte for byte, telling an absent
// id or params (nil) from any present one.
func sameRequests(a, b []Request) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].JSONRPC != b[i].JSONRPC || a[i].Method != b[i].Method ||
			(a[i].ID == nil) != (b[i].ID == nil) || !bytes.Equal(a[i].ID, b[i].ID) ||
			(a[i].Params == nil) != (b[i].Params == nil) || !bytes.Equal(a[i].Params, b[i].Params) {
			return false
		}
	}
	return true
}

// FuzzDecodeRequests_FastMatchesSlow checks that wherever the fast path
// decodes a body, the body is valid JSON and encoding/json decodes it to
// the same requests.
func FuzzDecodeRequests_FastMatchesSlow(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, fbatch, ok := decodeRequestsFast(body)
		if !ok {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("fast path decoded invalid JSON %q", body)
		}
		slow, sbatch, perr := decodeRequestsSlow(body)
		if perr != nil || fbatch != sbatch || !sameRequests(fast, slow) {
			t.Fatalf("%q: fast %+v (batch %v), slow %+v (batch %v, %v)", body, fast, fbatch, slow, sbatch, perr)
		}
	})
}

// FuzzParams_FastMatchesSlow checks the parameter fast paths against
// encoding/json on every valid parameter text: the array of parameters,
// a plain string, an array of them, and an options object.
func FuzzParams_FastMatchesSlow(f *testing.F) {
	for _, s := range fastSeeds {
		if r, _, ok := decodeRequestsFast([]byte(s)); ok {
			f.Add([]byte(r[0].Params))
			if p, ok := parseParamsFast(r[0].Params); ok {
				for _, v := range p {
					f.Add([]byte(v))
				}
			}
		}
	}
	f.Add([]byte(`{"encoding":"base58","encoding":"base64"}`))
	f.Add([]byte(`{"Encoding":"base64"}`))
	f.Add([]byte(`["a","b\n"]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			if _, ok := parseParamsFast(raw); ok && len(bytes.TrimSpace(raw)) > 0 {
				t.Fatalf("parameters %q: invalid JSON decoded", raw)
			}
			return
		}
		if fast, ok := parseParamsFast(raw); ok {
			slow, perr := parseParamsSlow(raw)
			if perr != nil || (fast == nil) != (slow == nil) || len(fast) != len(slow) {
				t.Fatalf("parameters %q: fast %q, slow %q (%v)", raw, fast, slow, perr)
			}
			for i := range fast {
				if !bytes.Equal(fast[i], slow[i]) {
					t.Fatalf("parameters %q: fast %q, slow %q", raw, fast, slow)
				}
			}
		}
		if fast, ok := plainString(raw); ok {
			var slow string
			if err := json.Unmarshal(raw, &slow); err != nil || slow != fast {
				t.Fatalf("string %q: fast %q, slow %q (%v)", raw, fast, slow, err)
			}
		}
		if fast, ok := plainStrings(raw); ok {
			var slow []string
			if err := json.Unmarshal(raw, &slow); err != nil || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("strings %q: fast %q, slow %q (%v)", raw, fast, slow, err)
			}
		}
		var fast config
		if decodeConfigFast(raw, &fast) {
			var slow config
			if err := json.Unmarshal(raw, &slow); err != nil || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("config %q: fast %+v, slow %+v (%v)", raw, fast, slow, err)
			}
		}
	})
}

// BenchmarkDecode_SendTransaction decodes a sendTransaction request of a
// transfer (envelope, parameters, the transaction text and the options)
// on the fast path and through encoding/json.
func BenchmarkDecode_SendTransaction(b *testing.B) {
	body := []byte(`{"jsonrpc":"2.0","id":12345,"method":"sendTransaction","params":["` +
		string(bytes.Repeat([]byte("AbCd"), 72)) + `",{"encoding":"base64","preflightCommitment":"finalized"}]}`)
	for _, tc := range []struct {
		name   string
		decode func([]byte) ([]Request, bool, *Error)
		params func(json.RawMessage) (params, *Error)
		arg    func(p params, i int, v any) *Error
	}{
		{"fast", DecodeRequests, parseParams, func(p params, i int, v any) *Error { _, err := p.arg(i, v, true, "x"); return err }},
		{"encoding-json", decodeRequestsSlow, parseParamsSlow, func(p params, i int, v any) *Error { _, err := p.argSlow(i, v, "x"); return err }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				reqs, _, perr := tc.decode(body)
				if perr != nil {
					b.Fatal(perr)
				}
				p, perr := tc.params(reqs[0].Params)
				if perr != nil {
					b.Fatal(perr)
				}
				var tx string
				var c config
				if err := tc.arg(p, 0, &tx); err != nil {
					b.Fatal(err)
				}
				if err := tc.arg(p, 1, &c); err != nil || c.Encoding != "base64" {
					b.Fatal(err)
				}
			}
		})
	}
}
