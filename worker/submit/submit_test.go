package submit

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	f.Add(`{"tx":"AQI="}`)
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path(registry.RuntimeID{1}), strings.NewReader(body)))
	})
}
