package rpc_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// fixedClock is a manual devbank.Clock; its ticker never fires, so tests
// produce slots with ProduceSlot.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }
func (c fixedClock) Ticker(time.Duration) (<-chan time.Time, func()) {
	return make(chan time.Time), func() {}
}

var (
	faucetSeed = sha256.Sum256([]byte("rpc test faucet"))
	faucetKey  = ed25519.NewKeyFromSeed(faucetSeed[:])
	programID  = sol.MustPubkey("Prog111111111111111111111111111111111111111")
	bigAccount = sol.Pubkey{0xb1, 0x6}
)

// programAccounts are genesis accounts owned by programID for filter tests.
func programAccounts() []svm.AccountWrite {
	var w []svm.AccountWrite
	for i, data := range [][]byte{{1, 2, 3, 4}, {1, 2, 9, 9}, {7, 7}} {
		k := sol.Pubkey{byte(i + 1), 0xaa}
		w = append(w, svm.AccountWrite{Key: k, Account: sol.Account{Lamports: 1_000_000, Data: data, Owner: programID}})
	}
	return w
}

// newManualBank is a bank whose slots the test produces, with a known faucet.
func newManualBank(t testing.TB) *devbank.Bank {
	t.Helper()
	b, err := devbank.New(devbank.Config{
		Clock: fixedClock{time.Unix(1_800_000_000, 0)}, FaucetSeed: faucetSeed[:], IdentitySeed: make([]byte, 32),
		GenesisAccounts: append(programAccounts(), svm.AccountWrite{Key: bigAccount, Account: sol.Account{Lamports: 1e9, Data: make([]byte, 200)}}),
		ConfirmedDepth:  1, FinalizedDepth: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		produce(t, b)
	}
	return b
}

func produce(t testing.TB, b *devbank.Bank) {
	t.Helper()
	if _, err := b.ProduceSlot(); err != nil {
		t.Fatal(err)
	}
}

func req(method string, params ...any) string {
	if params == nil {
		params = []any{}
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	return string(b)
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

func call(t *testing.T, s *rpc.Server, body string) response {
	t.Helper()
	out := s.HandleBody([]byte(body))
	var r response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s: undecodable response %q", body, out)
	}
	return r
}

func transferFromFaucet(t testing.TB, b *devbank.Bank, to sol.Pubkey, lamports uint64) []byte {
	t.Helper()
	raw, _, err := client.SignTransaction(b.LatestBlockhash(rpc.Processed).Blockhash, faucetKey, nil, svm.Transfer(client.PubkeyOf(faucetKey), to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestServer_EnvelopeAndIDs(t *testing.T) {
	s := rpc.NewServer(newManualBank(t), nil)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"string id", `{"jsonrpc":"2.0","id":"abc","method":"getHealth"}`, `{"jsonrpc":"2.0","result":"ok","id":"abc"}`},
		{"float id kept verbatim", `{"jsonrpc":"2.0","id":1.50,"method":"getHealth"}`, `{"jsonrpc":"2.0","result":"ok","id":1.50}`},
		{"huge id kept verbatim", `{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"getHealth"}`, `{"jsonrpc":"2.0","result":"ok","id":123456789012345678901234567890}`},
		{"null id", `{"jsonrpc":"2.0","id":null,"method":"getHealth"}`, `{"jsonrpc":"2.0","result":"ok","id":null}`},
		{"notification", `{"jsonrpc":"2.0","method":"getHealth"}`, ``},
		{"parse error", `{"jsonrpc":`, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`},
		{"wrong version", `{"jsonrpc":"1.0","id":3,"method":"getHealth"}`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":3}`},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"getHealth"}`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request: id must be a string, a number or null"},"id":{}}`},
		{"not an object", `"getHealth"`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":null}`},
		{"unknown method", `{"jsonrpc":"2.0","id":4,"method":"getEverything"}`, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":4}`},
		{"empty batch", `[]`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request: empty batch"},"id":null}`},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","method":"getHealth"},{"jsonrpc":"2.0","id":"b","method":"nope"},5]`,
			`[{"jsonrpc":"2.0","result":"ok","id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"b"},{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":null}]`},
		{"params not an array", `{"jsonrpc":"2.0","id":5,"method":"getSlot","params":7}`, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params: params must be an array"},"id":5}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(s.HandleBody([]byte(tc.body))); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestServer_ErrorCodes(t *testing.T) {
	b := newManualBank(t)
	s := rpc.NewServer(b, nil)
	to := sol.Pubkey{9}
	good := transferFromFaucet(t, b, to, 5_000_000)
	badSig := append([]byte(nil), good...)
	badSig[5] ^= 1
	tooMuch := transferFromFaucet(t, b, to, 1<<62)
	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"getBalance number", req("getBalance", 7), rpc.CodeInvalidParams},
		{"getBalance bad key", req("getBalance", "not-a-key"), rpc.CodeInvalidParams},
		{"getBalance missing", req("getBalance"), rpc.CodeInvalidParams},
		{"bad commitment", req("getSlot", map[string]any{"commitment": "eventually"}), rpc.CodeInvalidParams},
		{"unknown encoding", req("getAccountInfo", svm.SysvarClockID.String(), map[string]any{"encoding": "hex"}), rpc.CodeInvalidParams},
		{"base58 of big data", req("getAccountInfo", bigAccount.String(), map[string]any{"encoding": "base58"}), rpc.CodeInvalidParams},
		{"too many accounts", req("getMultipleAccounts", make([]string, 101)), rpc.CodeInvalidParams},
		{"getTransaction processed", req("getTransaction", sol.Signature{}.String(), map[string]any{"commitment": "processed"}), rpc.CodeInvalidParams},
		{"getBlock future", req("getBlock", 1_000_000), rpc.CodeBlockNotAvailable},
		{"min context slot", req("getSlot", map[string]any{"minContextSlot": 1_000_000}), rpc.CodeMinContextSlotNotReached},
		{"send garbage", req("sendTransaction", "AAAA", map[string]any{"encoding": "base64"}), rpc.CodeInvalidParams},
		{"send not base64", req("sendTransaction", "!!", map[string]any{"encoding": "base64"}), rpc.CodeInvalidParams},
		{"send bad signature", req("sendTransaction", base64.StdEncoding.EncodeToString(badSig), map[string]any{"encoding": "base64"}), rpc.CodeSignatureVerification},
		{"send preflight failure", req("sendTransaction", base64.StdEncoding.EncodeToString(tooMuch), map[string]any{"encoding": "base64", "preflightCommitment": "processed"}), rpc.CodePreflightFailure},
		{"simulate sigVerify with replace", req("simulateTransaction", base64.StdEncoding.EncodeToString(good), map[string]any{"encoding": "base64", "sigVerify": true, "replaceRecentBlockhash": true}), rpc.CodeInvalidParams},
		{"airdrop over limit", req("requestAirdrop", to.String(), uint64(1)<<62), rpc.CodeInvalidParams},
		{"too many filters", req("getProgramAccounts", programID.String(), map[string]any{"filters": []any{map[string]any{"dataSize": 1}, map[string]any{"dataSize": 1}, map[string]any{"dataSize": 1}, map[string]any{"dataSize": 1}, map[string]any{"dataSize": 1}}}), rpc.CodeInvalidParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, tc.body)
			if r.Error == nil || r.Error.Code != tc.code {
				t.Fatalf("got %+v (result %s), want code %d", r.Error, r.Result, tc.code)
			}
		})
	}
	r := call(t, s, req("sendTransaction", base64.StdEncoding.EncodeToString(tooMuch), map[string]any{"encoding": "base64", "preflightCommitment": "processed"}))
	var data struct {
		Err  json.RawMessage `json:"err"`
		Logs []string        `json:"logs"`
	}
	if err := json.Unmarshal(r.Error.Data, &data); err != nil {
		t.Fatal(err)
	}
	if string(data.Err) != `{"InstructionError":[0,{"Custom":1}]}` || len(data.Logs) == 0 ||
		r.Error.Message != "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1" {
		t.Fatalf("preflight error: %s / %s", r.Error.Message, r.Error.Data)
	}
}

func TestServer_AccountShapes(t *testing.T) {
	b := newManualBank(t)
	s := rpc.NewServer(b, nil)
	to := sol.Pubkey{7}
	if _, err := b.SendTransaction(transferFromFaucet(t, b, to, 2_000_000), rpc.SendOptions{PreflightCommitment: rpc.Processed}); err != nil {
		t.Fatal(err)
	}
	produce(t, b)
	r := call(t, s, req("getAccountInfo", to.String(), map[string]any{"encoding": "base64", "commitment": "processed"}))
	want := `{"context":{"apiVersion":"2.2.0","slot":4},"value":{"data":["","base64"],"executable":false,"lamports":2000000,"owner":"11111111111111111111111111111111","rentEpoch":18446744073709551615,"space":0}}`
	if string(r.Result) != want {
		t.Fatalf("getAccountInfo:\n got %s\nwant %s", r.Result, want)
	}
	// Two commitment levels behind, the account does not exist yet.
	if r := call(t, s, req("getAccountInfo", to.String(), map[string]any{"encoding": "base64", "commitment": "finalized"})); !strings.HasSuffix(string(r.Result), `"value":null}`) {
		t.Fatalf("finalized getAccountInfo: %s", r.Result)
	}
	if r := call(t, s, req("getBalance", to.String(), map[string]any{"commitment": "confirmed"})); !strings.HasSuffix(string(r.Result), `"value":0}`) {
		t.Fatalf("confirmed getBalance: %s", r.Result)
	}
	prog := programAccounts()
	for _, tc := range []struct {
		name    string
		filters []any
		want    []sol.Pubkey
	}{
		{"none", nil, []sol.Pubkey{prog[0].Key, prog[1].Key, prog[2].Key}},
		{"dataSize", []any{map[string]any{"dataSize": 2}}, []sol.Pubkey{prog[2].Key}},
		{"memcmp base58", []any{map[string]any{"memcmp": map[string]any{"offset": 1, "bytes": base58.Encode([]byte{2})}}}, []sol.Pubkey{prog[0].Key, prog[1].Key}},
		{"memcmp base64 and size", []any{map[string]any{"memcmp": map[string]any{"offset": 2, "bytes": "CQk=", "encoding": "base64"}}, map[string]any{"dataSize": 4}}, []sol.Pubkey{prog[1].Key}},
		{"memcmp near the end", []any{map[string]any{"memcmp": map[string]any{"offset": 3, "bytes": base58.Encode([]byte{4})}}}, []sol.Pubkey{prog[0].Key}},
		{"memcmp past the end", []any{map[string]any{"memcmp": map[string]any{"offset": 9, "bytes": ""}}}, nil},
	} {
		t.Run("getProgramAccounts/"+tc.name, func(t *testing.T) {
			r := call(t, s, req("getProgramAccounts", programID.String(), map[string]any{"encoding": "base64", "filters": tc.filters}))
			var got []struct {
				Pubkey  string `json:"pubkey"`
				Account struct {
					Data [2]string `json:"data"`
				} `json:"account"`
			}
			if err := json.Unmarshal(r.Result, &got); err != nil {
				t.Fatalf("%s: %v", r.Result, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %s", r.Result)
			}
			for i := range got {
				if got[i].Pubkey != tc.want[i].String() {
					t.Fatalf("got %s", r.Result)
				}
			}
		})
	}
}

func TestServer_TransactionLifecycle(t *testing.T) {
	b := newManualBank(t)
	s := rpc.NewServer(b, nil)
	raw := transferFromFaucet(t, b, sol.Pubkey{8}, 3_000_000)
	r := call(t, s, req("sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]any{"encoding": "base64", "preflightCommitment": "processed"}))
	var sig string
	if err := json.Unmarshal(r.Result, &sig); err != nil {
		t.Fatalf("sendTransaction: %s %+v", r.Result, r.Error)
	}
	statuses := func() string {
		return string(call(t, s, req("getSignatureStatuses", []string{sig})).Result)
	}
	if got := statuses(); !strings.Contains(got, `"value":[null]`) {
		t.Fatalf("before execution: %s", got)
	}
	produce(t, b)
	if got := statuses(); !strings.Contains(got, `"value":[{"confirmationStatus":"processed","confirmations":0,"err":null,"slot":4,"status":{"Ok":null}}]`) {
		t.Fatalf("processed: %s", got)
	}
	if r := call(t, s, req("getTransaction", sig, map[string]any{"commitment": "confirmed"})); string(r.Result) != "null" {
		t.Fatalf("getTransaction before confirmation: %s", r.Result)
	}
	produce(t, b)
	if got := statuses(); !strings.Contains(got, `"confirmationStatus":"confirmed","confirmations":1`) {
		t.Fatalf("confirmed: %s", got)
	}
	produce(t, b)
	if got := statuses(); !strings.Contains(got, `"confirmationStatus":"finalized","confirmations":null`) {
		t.Fatalf("finalized: %s", got)
	}
	r = call(t, s, req("getTransaction", sig, map[string]any{"commitment": "finalized", "maxSupportedTransactionVersion": 0}))
	for _, want := range []string{`"version":"legacy"`, `"slot":4`, `"fee":5000`, `"logMessages":["Program 11111111111111111111111111111111 invoke [1]","Program 11111111111111111111111111111111 success"]`,
		`"status":{"Ok":null}`, `"loadedAddresses":{"readonly":[],"writable":[]}`, `"signatures":["` + sig + `"]`} {
		if !strings.Contains(string(r.Result), want) {
			t.Errorf("getTransaction lacks %s:\n%s", want, r.Result)
		}
	}
	r = call(t, s, req("getBlock", 4, map[string]any{"transactionDetails": "signatures"}))
	if !strings.Contains(string(r.Result), `"signatures":["`+sig+`"]`) || !strings.Contains(string(r.Result), `"parentSlot":3`) {
		t.Fatalf("getBlock: %s", r.Result)
	}
	r = call(t, s, req("getSignaturesForAddress", sol.Pubkey{8}.String(), map[string]any{"limit": 10}))
	if !strings.Contains(string(r.Result), `"signature":"`+sig+`"`) {
		t.Fatalf("getSignaturesForAddress: %s", r.Result)
	}
	// Resubmitting an executed transaction fails preflight as a replay.
	r = call(t, s, req("sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]any{"encoding": "base64", "preflightCommitment": "processed"}))
	if r.Error == nil || r.Error.Code != rpc.CodePreflightFailure || !strings.Contains(string(r.Error.Data), `"err":"AlreadyProcessed"`) {
		t.Fatalf("replay: %+v", r.Error)
	}
}

func TestServer_HTTP(t *testing.T) {
	n := startNode(t, devbank.Config{})
	post := func(body []byte) (int, string) {
		resp, err := http.Post(n.url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post([]byte(req("getHealth"))); code != 200 || body != `{"jsonrpc":"2.0","result":"ok","id":1}` {
		t.Fatalf("getHealth: %d %s", code, body)
	}
	big := []byte(`{"jsonrpc":"2.0","id":1,"method":"getHealth","params":["` + strings.Repeat("x", 60_000) + `"]}`)
	if code, body := post(big); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":-32600`) {
		t.Fatalf("oversized body: %d %s", code, body)
	}
	resp, err := http.Get(n.url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("GET /health: %q", b)
	}
}

func TestServer_ClusterMethods(t *testing.T) {
	b := newManualBank(t)
	s := rpc.NewServer(b, nil)
	id := b.Identity().String()
	for _, tc := range []struct{ body, want string }{
		{req("getVoteAccounts"), `{"current":[],"delinquent":[]}`},
		{req("getSlotLeaders", 5, 2), `["` + id + `","` + id + `"]`},
		{req("minimumLedgerSlot"), `0`},
		{req("getIdentity"), `{"identity":"` + id + `"}`},
		{req("getEpochSchedule"), `{"firstNormalEpoch":0,"firstNormalSlot":0,"leaderScheduleSlotOffset":432000,"slotsPerEpoch":432000,"warmup":false}`},
		{req("getMinimumBalanceForRentExemption", 0), `890880`},
		{req("getBlocks", 1, 2), `[1]`}, // slot 2 is not finalized yet
		{req("getBlocksWithLimit", 0, 2), `[0,1]`},
	} {
		if r := call(t, s, tc.body); string(r.Result) != tc.want {
			t.Errorf("%s:\n got %s %+v\nwant %s", tc.body, r.Result, r.Error, tc.want)
		}
	}
	if r := call(t, s, req("getClusterNodes")); !strings.Contains(string(r.Result), `"pubkey":"`+id+`"`) {
		t.Errorf("getClusterNodes: %s", r.Result)
	}
	if r := call(t, s, req("getHighestSnapshotSlot")); r.Error == nil || r.Error.Code != -32008 {
		t.Errorf("getHighestSnapshotSlot: %s", r.Result)
	}
}

func TestServer_CORS(t *testing.T) {
	n := startNode(t, devbank.Config{})
	r, _ := http.NewRequest(http.MethodOptions, n.url, nil)
	r.Header.Set("Origin", "https://explorer.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight headers: %v", resp.Header)
	}
}

func TestListen_Rejects(t *testing.T) {
	for _, addr := range []string{"127.0.0.1", "127.0.0.1:http", "127.0.0.1:65535"} {
		if l, err := rpc.Listen(addr); err == nil {
			l.HTTP.Close()
			l.WS.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
}

// warmupBackend serves a bank's state under a warmup epoch schedule.
type warmupBackend struct {
	*devbank.Bank
	sched svm.EpochSchedule
}

func (w warmupBackend) EpochSchedule() svm.EpochSchedule { return w.sched }

func TestServer_GetLeaderScheduleWarmup(t *testing.T) {
	b := newManualBank(t)
	s := rpc.NewServer(warmupBackend{b, svm.NewEpochSchedule(64, 64, true)}, nil)
	count := func(body string) int {
		t.Helper()
		r := call(t, s, body)
		if string(r.Result) == "null" {
			return -1
		}
		var sched map[string][]uint64
		if err := json.Unmarshal(r.Result, &sched); err != nil || len(sched) != 1 {
			t.Fatalf("%s: %s %+v", body, r.Result, r.Error)
		}
		return len(sched[b.Identity().String()])
	}
	// Warmup epochs: 0 is slots 0–31, 1 is 32–95, 2 is 96–223; at slot 1
	// the schedule of epoch 1 is fixed and epoch 2's is not.
	for _, tc := range []struct {
		body string
		want int
	}{
		{req("getLeaderSchedule"), 32},
		{req("getLeaderSchedule", 40), 64},
		{req("getLeaderSchedule", 100), -1},
	} {
		if got := count(tc.body); got != tc.want {
			t.Errorf("%s: %d slots, want %d (-1: null)", tc.body, got, tc.want)
		}
	}
}
