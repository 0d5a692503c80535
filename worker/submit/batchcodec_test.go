package submit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// checkDecode compares decodeBatchRequest with encoding/json on body: the
// same transactions, or both refusing it; and, where the fast path takes
// body, it agrees with encoding/json.
func checkDecode(t *testing.T, body []byte) {
	t.Helper()
	var want BatchRequest
	wantErr := json.Unmarshal(body, &want)
	got, err := decodeBatchRequest(body)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", body, err, wantErr)
	}
	if err == nil && !sameTxs(got, want.Txs) {
		t.Fatalf("%q: %q, encoding/json %q", body, got, want.Txs)
	}
	if fast, ok := decodeBatchFast(body); ok && (wantErr != nil || !sameTxs(fast, want.Txs)) {
		t.Fatalf("%q: fast path took %q, encoding/json %q (%v)", body, fast, want.Txs, wantErr)
	}
}

// sameTxs compares lists as encoding/json fills them (nil and empty alike).
func sameTxs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestDecodeBatchRequest(t *testing.T) {
	for _, c := range []struct {
		body string
		fast bool
	}{
		{`{"txs":["AQI=","AwQF"]}`, true},
		{" \t\r\n{ \"txs\" :\n[ \"AQI=\" , \"\" ] } \n", true},
		{`{"txs":[]}`, true},
		{`{"txs":["AQI="],"more":1}`, false},
		{`{"TXS":["AQI="]}`, false},
		{`{"txs":null}`, false},
		{`{"txs":["AQ\/I="]}`, false},
		{`{"txs":["AQI"]}`, false},
		{`{"txs":["A=QI"]}`, false},
		{`{"txs":["AQI="]`, false},
		{`{"txs":["AQI="]}x`, false},
		{`{"txs":["AQI=",]}`, false},
		{`{"txs":["AQI=" "AQI="]}`, false},
		{`{"txs":[1]}`, false},
		{``, false},
	} {
		_, ok := decodeBatchFast([]byte(c.body))
		if ok != c.fast {
			t.Errorf("%q: fast path %v, want %v", c.body, ok, c.fast)
		}
		checkDecode(t, []byte(c.body))
	}
	// The transactions share one buffer but cannot grow into each other.
	txs, _ := decodeBatchFast([]byte(`{"txs":["AQI=","AwQF"]}`))
	_ = append(txs[0], 9)
	if !bytes.Equal(txs[1], []byte{3, 4, 5}) {
		t.Fatalf("appending to one transaction changed the next: %v", txs[1])
	}
}

func FuzzDecodeBatchRequest(f *testing.F) {
	f.Add([]byte(`{"txs":["AQI=","AwQF"]}`))
	f.Add([]byte(` { "txs" : [ ] } `))
	f.Add([]byte(`{"txs":["AQ\/I="]}`))
	f.Add([]byte(`{"txs":["A===="]}`))
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode(t, body) })
}

func encodeJSON(t testing.TB, a *BatchAnswer) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(a); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAppendBatchAnswer(t *testing.T) {
	for _, a := range []*BatchAnswer{
		{Index: 0, Result: &TxResult{Round: 1, Units: 150, Logs: []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"}}},
		{Index: 4095, Result: &TxResult{Round: 1 << 60, Code: 1, Error: `custom "error" <b>&</b> é` + "\n\u2028\xff", Units: 1, Logs: []string{}, Data: []byte{0, 1, 2, 255}}},
		{Index: 7, Result: &TxResult{Code: 2}},
		{Index: 3, Error: "txpool: runtime rejected the transaction: code 2: blockhash not found", Rejected: true},
		{Index: -1, Error: errNotFinalized},
		{Index: 2},
	} {
		if got, want := appendBatchAnswer(nil, a), encodeJSON(t, a); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendBatchAnswer(f *testing.F) {
	f.Add(1, uint64(2), uint32(0), "", "Program x success", []byte(nil), "", false, true)
	f.Add(-5, uint64(0), uint32(1), "<&>\"\\\x00é\xff", "\u2028", []byte{1}, "e", true, false)
	f.Fuzz(func(t *testing.T, index int, round uint64, code uint32, txErr, log string, data []byte, err string, rejected, hasResult bool) {
		a := &BatchAnswer{Index: index, Error: err, Rejected: rejected}
		if hasResult {
			a.Result = &TxResult{Round: round, Code: code, Error: txErr, Units: round / 3, Logs: []string{log, txErr}, Data: data}
		}
		got := appendBatchAnswer(nil, a)
		if want := encodeJSON(t, a); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
