package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"

	"github.com/atoll-dev/atoll/worker/submit"
)

func TestAppendBatchRequest(t *testing.T) {
	for _, txs := range [][][]byte{{}, {{}}, {{1, 2, 3}, {0xff, 0xfe}, make([]byte, 215)}} {
		want, _ := json.Marshal(submit.BatchRequest{Txs: txs})
		if got := appendBatchRequest(nil, txs); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}

// checkAnswer decodes line with the fast path and with encoding/json: the
// decoder must agree with encoding/json, and the fast path take only what
// encoding/json decodes the same way.
func checkAnswer(t *testing.T, d *answerDecoder, line []byte) (fast bool) {
	t.Helper()
	var want submit.BatchAnswer
	wantErr := json.Unmarshal(line, &want)
	var got submit.BatchAnswer
	err := d.decode(line, &got)
	if (err == nil) != (wantErr == nil) || err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v %v\nwant %+v %v", line, got, err, want, wantErr)
	}
	var a submit.BatchAnswer
	p := answerParser{b: line, d: d}
	if p.answer(&a) {
		if wantErr != nil || !reflect.DeepEqual(a, want) {
			t.Fatalf("%q: fast path took %+v, encoding/json %+v %v", line, a, want, wantErr)
		}
		return true
	}
	return false
}

var answerSeeds = []string{
	`{"index":0,"result":{"round":12,"code":0,"units":150,"logs":["Program 11111111111111111111111111111111 invoke [1]","Program 11111111111111111111111111111111 success"]}}`,
	`{"index":4095,"result":{"round":18446744073709551615,"code":1,"error":"custom program error: 0x1","units":0,"logs":[],"data":"AAEC/w=="}}`,
	`{"index":3,"result":{"round":1,"code":2,"units":0,"logs":null}}`,
	`{"index":7,"error":"txpool: runtime rejected the transaction","rejected":true}`,
	`{"index":-1,"error":"submit: not finalized before the request ended"}`,
}

func TestAnswerDecoder_Decode(t *testing.T) {
	var d answerDecoder
	for _, s := range answerSeeds {
		if !checkAnswer(t, &d, []byte(s)) {
			t.Errorf("%s: not taken by the fast path", s)
		}
	}
	// Valid JSON the fast path leaves to encoding/json, and invalid lines.
	for _, s := range []string{
		`{ "index":0,"error":"x"}`,
		`{"index":0,"error":"a\"b"}`,
		`{"index":0,"error":"é"}`,
		`{"index":0,"result":null}`,
		`{"index":01}`,
		`{"index":0,"rejected":false,"error":"x"}`,
		`{"error":"x","index":2}`,
		`{"index":0,"result":{"round":1,"code":4294967296,"units":0,"logs":null}}`,
		`{"index":0,"result":{"round":-1,"code":0,"units":0,"logs":null}}`,
		`{"index":0,"result":{"round":1,"code":0,"units":0,"logs":null,"data":"A"}}`,
		`{"index":0}x`,
		`{"index":0`,
	} {
		if checkAnswer(t, &d, []byte(s)) {
			t.Errorf("%s: taken by the fast path", s)
		}
	}
	// Equal log lines of consecutive answers share one string.
	var a, b submit.BatchAnswer
	if d.decode([]byte(answerSeeds[0]), &a) != nil || d.decode([]byte(answerSeeds[0]), &b) != nil ||
		unsafe.StringData(a.Result.Logs[0]) != unsafe.StringData(b.Result.Logs[0]) || a.Result.Logs[0] != b.Result.Logs[0] {
		t.Fatalf("%+v %+v", a.Result, b.Result)
	}
}

func FuzzAnswerDecoder(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var d answerDecoder
		checkAnswer(t, &d, line)
		checkAnswer(t, &d, line) // with the interned lines of the first
	})
}
