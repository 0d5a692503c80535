package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
)

const minimalConfig = `{"db": "state", "home": "alpha",
  "chains": [{"name": "alpha", "domain": 1000, "rpc": "http://127.0.0.1:8899", "payer": "payer.json"},
             {"name": "beta", "domain": 2000, "rpc": "http://127.0.0.1:9899"}],
  "updater": {"key": "u.hex", "peers": ["http://127.0.0.1:9202"], "proposer": true},
  "relayer": {"interval": "3s"}}`

func TestConfig_Load(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		env  map[string]string
		want func(*agent.Config) bool
		err  bool
	}{
		{name: "defaults", body: minimalConfig, want: func(c *agent.Config) bool {
			return time.Duration(c.Updater.Interval) == 5*time.Second && time.Duration(c.Relayer.Interval) == 3*time.Second &&
				time.Duration(c.Processor.Interval) == 5*time.Second && time.Duration(c.Watcher.Interval) == 10*time.Second
		}},
		{name: "env overrides", body: minimalConfig, env: map[string]string{
			"ATOLL_AGENT_DB": "/elsewhere", "ATOLL_AGENT_PROCESSOR_INTERVAL": "250ms", "ATOLL_AGENT_CHAIN_BETA_RPC": "http://10.0.0.2:8899",
			"ATOLL_AGENT_METRICS": "127.0.0.1:9100"},
			want: func(c *agent.Config) bool {
				return c.DB == "/elsewhere" && time.Duration(c.Processor.Interval) == 250*time.Millisecond &&
					c.Chains[1].RPC == "http://10.0.0.2:8899" && c.Metrics == "127.0.0.1:9100"
			}},
		{name: "relative paths", body: minimalConfig, want: func(c *agent.Config) bool {
			return filepath.Base(c.Path(c.Chains[0].Payer)) == "payer.json" && filepath.IsAbs(c.Path("u.hex")) && c.Path("/abs") == "/abs"
		}},
		{name: "bad env interval", body: minimalConfig, env: map[string]string{"ATOLL_AGENT_WATCHER_INTERVAL": "soon"}, err: true},
		{name: "unknown field", body: `{"db": "x", "chains": [], "colour": 1}`, err: true},
		{name: "no chains", body: `{"db": "x", "chains": []}`, err: true},
		{name: "no db", body: `{"chains": [{"name": "a", "domain": 1, "rpc": "http://x"}]}`, err: true},
		{name: "duplicate domain", body: `{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x"}, {"name": "b", "domain": 1, "rpc": "http://y"}]}`, err: true},
		{name: "unknown home", body: `{"db": "x", "home": "c", "chains": [{"name": "a", "domain": 1, "rpc": "http://x"}]}`, err: true},
		{name: "negative interval", body: `{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x"}], "updater": {"interval": "-1s"}}`, err: true},
		{name: "zero interval means the default", body: `{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x"}], "updater": {"interval": "0s"}}`,
			want: func(c *agent.Config) bool { return time.Duration(c.Updater.Interval) == agent.DefaultUpdaterInterval }},
		{name: "trailing data", body: minimalConfig + "{}", err: true},
		{name: "confirmed commitment", body: `{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x", "commitment": "confirmed"}]}`,
			want: func(c *agent.Config) bool { return c.Chains[0].Commitment == "confirmed" }},
		{name: "processed commitment", body: `{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x", "commitment": "processed"}]}`, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "agent.json")
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := agent.LoadConfig(p, func(k string) string { return tc.env[k] })
			if tc.err {
				if !errors.Is(err, agent.ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) {
				t.Fatalf("unexpected config %+v", c)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(minimalConfig))
	f.Add([]byte(`{"db": "x", "chains": [{"name": "a", "domain": 1, "rpc": "http://x"}], "watcher": {"interval": "1h"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := agent.ParseConfig(b, "/cfg", func(string) string { return "" })
		if err != nil {
			if !errors.Is(err, agent.ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		if c.Validate() != nil || c.Updater.Interval <= 0 || c.Watcher.Interval <= 0 {
			t.Fatalf("accepted an invalid config %+v", c)
		}
	})
}
