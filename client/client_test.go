package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClient_Call(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string `json:"method"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		switch req.Method {
		case "getLatestBlockhash":
			io.WriteString(w, `{"jsonrpc":"2.0","result":{"context":{"slot":3},"value":{"blockhash":"EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N","lastValidBlockHeight":153}},"id":1}`)
		case "getAccountInfo":
			io.WriteString(w, `{"jsonrpc":"2.0","result":{"context":{"slot":3},"value":{"data":["AQI=","base64"],"executable":false,"lamports":5,"owner":"11111111111111111111111111111111","rentEpoch":18446744073709551615,"space":2}},"id":1}`)
		case "broken":
			io.WriteString(w, `<html>`)
		default:
			io.WriteString(w, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}`)
		}
	}))
	defer srv.Close()
	c := New(srv.URL)
	ctx := context.Background()
	bh, err := c.GetLatestBlockhash(ctx, Confirmed)
	if err != nil || bh.LastValidBlockHeight != 153 || bh.Blockhash.String() != "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N" {
		t.Fatalf("blockhash %+v, %v", bh, err)
	}
	a, err := c.GetAccountInfo(ctx, [32]byte{}, Confirmed)
	if err != nil || a.Lamports != 5 || string(a.Data) != "\x01\x02" || a.RentEpoch != 1<<64-1 {
		t.Fatalf("account %+v, %v", a, err)
	}
	var rerr *RPCError
	if err := c.Call(ctx, "nope", nil, nil); !errors.As(err, &rerr) || rerr.Code != -32601 {
		t.Fatalf("unknown method: %v", err)
	}
	if err := c.Call(ctx, "broken", nil, nil); err == nil {
		t.Fatal("a non-JSON answer is an error")
	}
}

func FuzzBlockhash_UnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"blockhash":"EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N","lastValidBlockHeight":153}`))
	f.Add([]byte(`{"blockhash":"0","lastValidBlockHeight":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var bh Blockhash
		if err := json.Unmarshal(b, &bh); err != nil {
			return
		}
		var again Blockhash
		enc, _ := json.Marshal(map[string]any{"blockhash": bh.Blockhash.String(), "lastValidBlockHeight": bh.LastValidBlockHeight})
		if err := json.Unmarshal(enc, &again); err != nil || again != bh {
			t.Fatalf("round trip: %v", err)
		}
	})
}
