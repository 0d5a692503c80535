package submit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
)

type fixed struct{}

func (fixed) SubmitTx(context.Context, []byte) (*TxResult, error) { return &TxResult{Round: 1}, nil }

func TestHandler_ServeHTTP(t *testing.T) {
	h := NewHandler()
	h.Register(registry.RuntimeID{1}, fixed{})
	good := Path(registry.RuntimeID{1})
	for _, c := range []struct {
		method, path, body string
		code               int
	}{
		{"POST", good, `{"tx":"AQI="}`, 200},
		{"GET", good, ``, 405},
		{"POST", good, `{"tx":""}`, 400},
		{"POST", good, `not json`, 400},
		{"POST", good, `{"tx":"` + strings.Repeat("A", MaxRequestBytes) + `"}`, 413},
		{"POST", Path(registry.RuntimeID{2}), `{"tx":"AQI="}`, 404},
		{"POST", "/v1/runtime/zz/submit", `{}`, 404},
		{"POST", good + "/more", `{}`, 404},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.code {
			t.Errorf("%s %s %.20s: %d, want %d (%s)", c.method, c.path, c.body, rec.Code, c.code, rec.Body)
		}
	}
}

func FuzzHandler(f *testing.F) {
	h := NewHandler()
	h.Register(registry.RuntimeID{1}, fixed{})
	f.Add(`{"tx":"AQI="}`, false)
	f.Add(`{"txs":["AQI=","AQM="]}`, true)
	f.Fuzz(func(t *testing.T, body string, batch bool) {
		path := Path(registry.RuntimeID{1})
		if batch {
			path = BatchPath(registry.RuntimeID{1})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	})
}

// picky refuses "bad" and finalizes everything else.
type picky struct{}

func (picky) SubmitTx(_ context.Context, tx []byte) (*TxResult, error) {
	if string(tx) == "bad" {
		return nil, errors.New("txpool: runtime rejected the transaction")
	}
	return &TxResult{Round: 2, Logs: []string{string(tx)}}, nil
}

func TestHandler_ServeBatch(t *testing.T) {
	h := NewHandler()
	h.Register(registry.RuntimeID{1}, picky{})
	path := BatchPath(registry.RuntimeID{1})
	for _, c := range []struct {
		name, body string
		code       int
	}{
		{"empty batch", `{"txs":[]}`, 400},
		{"empty tx", `{"txs":["AQI=",""]}`, 400},
		{"not json", `txs`, 400},
		{"too many", `{"txs":[` + strings.Repeat(`"AQI=",`, MaxBatchTxs) + `"AQI="]}`, 400},
		{"too large", `{"txs":["` + strings.Repeat("A", MaxBatchRequestBytes) + `"]}`, 413},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(c.body)))
		if rec.Code != c.code {
			t.Errorf("%s: %d, want %d (%.100s)", c.name, rec.Code, c.code, rec.Body)
		}
	}
	body, _ := json.Marshal(BatchRequest{Txs: [][]byte{[]byte("a"), []byte("bad"), []byte("c")}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := map[int]BatchAnswer{}
	dec := json.NewDecoder(rec.Body)
	for dec.More() {
		var a BatchAnswer
		if err := dec.Decode(&a); err != nil {
			t.Fatal(err)
		}
		got[a.Index] = a
	}
	if len(got) != 3 || got[0].Result == nil || got[0].Result.Logs[0] != "a" || got[2].Result == nil || got[2].Result.Logs[0] != "c" ||
		got[1].Result != nil || !got[1].Rejected || got[1].Error == "" {
		t.Fatalf("answers %+v", got)
	}
}

// pickyBatch answers a batch in two groups: refusals (and one transaction
// that did not finalize in time) first, then the rest.
type pickyBatch struct{ picky }

func (pickyBatch) SubmitTxs(_ context.Context, txs [][]byte, deliver func([]Answer)) {
	var first, second []Answer
	for i, tx := range txs {
		switch string(tx) {
		case "bad":
			first = append(first, Answer{Index: i, Err: errors.New("txpool: runtime rejected the transaction")})
		case "late":
			first = append(first, Answer{Index: i, Err: context.DeadlineExceeded})
		default:
			second = append(second, Answer{Index: i, Result: &TxResult{Round: 3, Logs: []string{string(tx)}}})
		}
	}
	deliver(first)
	deliver(second)
}

func TestHandler_ServeBatchSubmitter(t *testing.T) {
	h := NewHandler()
	h.Register(registry.RuntimeID{1}, pickyBatch{})
	body, _ := json.Marshal(BatchRequest{Txs: [][]byte{[]byte("a"), []byte("bad"), []byte("late"), []byte("d")}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, BatchPath(registry.RuntimeID{1}), bytes.NewReader(body)))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got []BatchAnswer
	dec := json.NewDecoder(rec.Body)
	for dec.More() {
		var a BatchAnswer
		if err := dec.Decode(&a); err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	want := []BatchAnswer{
		{Index: 1, Error: "txpool: runtime rejected the transaction", Rejected: true},
		{Index: 2, Error: errNotFinalized},
		{Index: 0, Result: &TxResult{Round: 3, Logs: []string{"a"}}},
		{Index: 3, Result: &TxResult{Round: 3, Logs: []string{"d"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("answers\n got %+v\nwant %+v", got, want)
	}
}
