package agent_test

import (
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

func exchangeUpdater(t testing.TB) *agent.Updater {
	db, err := agent.OpenDB(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &agent.Updater{Home: agent.NewChain("alpha", domainA, "http://127.0.0.1:1"), Key: testkeys.Key(2), DB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// TestUpdater_ServeHTTP checks the exchange: a signed pair is served and
// parses back to the same signed update; anything else is 404 or 400.
func TestUpdater_ServeHTTP(t *testing.T) {
	u := exchangeUpdater(t)
	old, nw := keccak.Sum([]byte("old")), keccak.Sum([]byte("new"))
	su, err := u.Sign(old, nw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		code       int
	}{
		{"signed", agent.SignedPath(domainA, old), http.StatusOK},
		{"unsigned root", agent.SignedPath(domainA, nw), http.StatusNotFound},
		{"other domain", agent.SignedPath(domainB, old), http.StatusNotFound},
		{"bad root", "/v1/signed/1000/zz", http.StatusBadRequest},
		{"bad domain", "/v1/signed/x/" + hex.EncodeToString(old[:]), http.StatusBadRequest},
		{"extra segment", agent.SignedPath(domainA, old) + "/x", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			u.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d", rec.Code, tc.code)
			}
			if tc.code != http.StatusOK {
				return
			}
			got, err := agent.ParseSignedResponse(rec.Body.Bytes())
			if err != nil || *got != *su {
				t.Fatalf("served %+v, %v; want %+v", got, err, su)
			}
		})
	}
}

func FuzzParseSignedResponse(f *testing.F) {
	u := exchangeUpdater(f)
	su, err := u.Sign(keccak.Sum([]byte("old")), keccak.Sum([]byte("new")))
	if err != nil {
		f.Fatal(err)
	}
	b, _ := su.MarshalBinary()
	f.Add([]byte(hex.EncodeToString(b)))
	f.Add([]byte("zz"))
	f.Fuzz(func(t *testing.T, b []byte) {
		su, err := agent.ParseSignedResponse(b)
		if err != nil {
			if !errors.Is(err, agent.ErrExchange) {
				t.Fatalf("error %v does not wrap ErrExchange", err)
			}
			return
		}
		again, err := su.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if back, err := agent.ParseSignedResponse([]byte(hex.EncodeToString(again))); err != nil || *back != *su {
			t.Fatalf("round trip: %+v, %v", back, err)
		}
	})
}

func FuzzUpdater_ServeHTTP(f *testing.F) {
	u := exchangeUpdater(f)
	old := keccak.Sum([]byte("old"))
	if _, err := u.Sign(old, keccak.Sum([]byte("new"))); err != nil {
		f.Fatal(err)
	}
	f.Add(agent.SignedPath(domainA, old))
	f.Add("/v1/signed/1000/")
	f.Fuzz(func(t *testing.T, path string) {
		req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Path = path
		rec := httptest.NewRecorder()
		u.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", rec.Code, path)
		}
	})
}
