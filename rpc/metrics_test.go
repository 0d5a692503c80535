package rpc_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atoll-dev/atoll/rpc"
)

func TestServer_RegisterMetrics(t *testing.T) {
	s := rpc.NewServer(newManualBank(t), nil)
	reg := prometheus.NewRegistry()
	if err := s.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	s.HandleBody([]byte(req("getSlot")))
	s.HandleBody([]byte(req("getSlot")))
	s.HandleBody([]byte(req("noSuchMethod" + string(make([]byte, 10)))))
	s.HandleBody([]byte(req("getBalance", "bad")))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "atoll_rpc_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			got[key] = m.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"method=getSlot outcome=ok ": 2, "method=unknown outcome=-32601 ": 1, "method=getBalance outcome=-32602 ": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s= %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
