package agent

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// ErrConfig wraps every problem with an agent configuration.
var ErrConfig = errors.New("agent: invalid configuration")

// Default poll intervals, Nomad's.
const (
	DefaultUpdaterInterval   = 5 * time.Second
	DefaultRelayerInterval   = 10 * time.Second
	DefaultProcessorInterval = 5 * time.Second
	DefaultWatcherInterval   = 10 * time.Second
)

// Config is an agent configuration file, shaped like Nomad's: the chains
// with their RPC URLs and domain ids, the home the agent serves, keys, and
// one section per agent. A JSON example:
//
//	{
//	  "db": "/var/lib/atoll/updater-1",
//	  "metrics": "127.0.0.1:9101",
//	  "home": "alpha",
//	  "chains": [
//	    {"name": "alpha", "domain": 1000, "rpc": "http://127.0.0.1:8899", "payer": "alpha-payer.json"},
//	    {"name": "beta",  "domain": 2000, "rpc": "http://127.0.0.1:9899", "payer": "beta-payer.json"}
//	  ],
//	  "updater":   {"interval": "5s", "key": "updater-1.hex", "listen": "127.0.0.1:9201",
//	                "peers": ["http://127.0.0.1:9202"], "proposer": true},
//	  "relayer":   {"interval": "10s"},
//	  "processor": {"interval": "5s", "allow": [], "deny": []},
//	  "watcher":   {"interval": "10s", "key": "watcher.hex",
//	                "updaters": ["http://127.0.0.1:9201", "http://127.0.0.1:9202"]},
//	  "poll_on_slot": false
//	}
//
// Environment variables override the file: ATOLL_AGENT_DB, ATOLL_AGENT_METRICS,
// ATOLL_AGENT_HOME, ATOLL_AGENT_<AGENT>_INTERVAL (UPDATER, RELAYER, PROCESSOR,
// WATCHER) and ATOLL_AGENT_CHAIN_<NAME>_RPC (the chain name in upper case).
// Relative paths (database, keys, keypairs) are relative to the file's
// directory.
type Config struct {
	DB        string          `json:"db"`
	Metrics   string          `json:"metrics,omitempty"`
	Home      string          `json:"home,omitempty"`
	Chains    []ChainConfig   `json:"chains"`
	Updater   UpdaterConfig   `json:"updater"`
	Relayer   RelayerConfig   `json:"relayer"`
	Processor ProcessorConfig `json:"processor"`
	Watcher   WatcherConfig   `json:"watcher"`
	// PollOnSlot makes the agent poll after every new slot of the chains
	// it acts on (websocket notifications), besides every interval.
	PollOnSlot bool `json:"poll_on_slot,omitempty"`

	dir string
}

// ChainConfig names one chain.
type ChainConfig struct {
	Name   string `json:"name"`
	Domain uint32 `json:"domain"`
	RPC    string `json:"rpc"`
	// Payer is the solana-keygen keypair file that pays this chain's fees.
	Payer string `json:"payer"`
	// Commitment is the level the agents read this chain at and await
	// their transactions at: "finalized" (the default) or "confirmed",
	// faster on a chain whose confirmed blocks are rarely undone.
	Commitment string `json:"commitment,omitempty"`
	// WS is the websocket URL for slot notifications (default: the RPC
	// URL's host on the next port), used with "poll_on_slot".
	WS string `json:"ws,omitempty"`
}

// UpdaterConfig is the updater's section.
type UpdaterConfig struct {
	Interval Duration `json:"interval,omitempty"`
	// Key is a file holding the updater's secp256k1 private key in hex.
	Key string `json:"key"`
	// Listen is where the updater serves its signatures to peers.
	Listen string `json:"listen"`
	// Peers are the other updaters' base URLs.
	Peers []string `json:"peers"`
	// Proposer makes this updater choose the new root; exactly one updater
	// of a set should be the proposer.
	Proposer bool `json:"proposer"`
}

// RelayerConfig is the relayer's section.
type RelayerConfig struct {
	Interval Duration `json:"interval,omitempty"`
}

// ProcessorConfig is the processor's section. Allow, when not empty, lists
// the only recipients served; Deny lists recipients never served. Both take
// base58 program ids or 0x-hex bytes32.
type ProcessorConfig struct {
	Interval Duration `json:"interval,omitempty"`
	Allow    []string `json:"allow"`
	Deny     []string `json:"deny"`
}

// WatcherConfig is the watcher's section.
type WatcherConfig struct {
	Interval Duration `json:"interval,omitempty"`
	// Key is a file holding the watcher's secp256k1 key in hex; it signs
	// failure notifications.
	Key string `json:"key"`
	// Updaters are the updaters' signature exchange URLs, read to catch a
	// lone updater signing a second root (optional).
	Updaters []string `json:"updaters,omitempty"`
}

// Duration is a time.Duration written as "5s" in JSON; zero means the
// default.
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: duration must be a string such as \"5s\"", ErrConfig)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%w: bad duration %q", ErrConfig, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// LoadConfig reads the file at path, applies env (nil means os.Getenv) and
// the defaults, and validates the result.
func LoadConfig(path string, env func(string) string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	c, err := ParseConfig(b, dirOf(path), env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig is LoadConfig for the bytes of a file in dir.
func ParseConfig(b []byte, dir string, env func(string) string) (*Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, ErrConfig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the configuration object", ErrConfig)
	}
	c.dir = dir
	if env == nil {
		env = os.Getenv
	}
	if err := c.applyEnv(env); err != nil {
		return nil, err
	}
	c.applyDefaults()
	return &c, c.Validate()
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}

func (c *Config) applyEnv(env func(string) string) error {
	if v := env("ATOLL_AGENT_DB"); v != "" {
		c.DB = v
	}
	if v := env("ATOLL_AGENT_METRICS"); v != "" {
		c.Metrics = v
	}
	if v := env("ATOLL_AGENT_HOME"); v != "" {
		c.Home = v
	}
	for name, d := range map[string]*Duration{"UPDATER": &c.Updater.Interval, "RELAYER": &c.Relayer.Interval,
		"PROCESSOR": &c.Processor.Interval, "WATCHER": &c.Watcher.Interval} {
		if v := env("ATOLL_AGENT_" + name + "_INTERVAL"); v != "" {
			if err := d.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
				return fmt.Errorf("ATOLL_AGENT_%s_INTERVAL: %w", name, err)
			}
		}
	}
	for i := range c.Chains {
		if v := env("ATOLL_AGENT_CHAIN_" + strings.ToUpper(c.Chains[i].Name) + "_RPC"); v != "" {
			c.Chains[i].RPC = v
		}
	}
	return nil
}

func (c *Config) applyDefaults() {
	for _, d := range []struct {
		p *Duration
		v time.Duration
	}{{&c.Updater.Interval, DefaultUpdaterInterval}, {&c.Relayer.Interval, DefaultRelayerInterval},
		{&c.Processor.Interval, DefaultProcessorInterval}, {&c.Watcher.Interval, DefaultWatcherInterval}} {
		if *d.p == 0 {
			*d.p = Duration(d.v)
		}
	}
}

// Validate checks what every agent needs: a database, named chains with
// distinct names and domains, and a home among them if one is named.
func (c *Config) Validate() error {
	if c.DB == "" {
		return fmt.Errorf("%w: \"db\" is empty", ErrConfig)
	}
	if len(c.Chains) == 0 {
		return fmt.Errorf("%w: no chains", ErrConfig)
	}
	names, domains := map[string]bool{}, map[uint32]bool{}
	for _, ch := range c.Chains {
		if ch.Name == "" || ch.RPC == "" || ch.Domain == 0 {
			return fmt.Errorf("%w: chain %q needs a name, a domain and an rpc URL", ErrConfig, ch.Name)
		}
		if names[ch.Name] || domains[ch.Domain] {
			return fmt.Errorf("%w: chain %q or domain %d listed twice", ErrConfig, ch.Name, ch.Domain)
		}
		names[ch.Name], domains[ch.Domain] = true, true
		if ch.WS != "" {
			if u, err := url.Parse(ch.WS); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
				return fmt.Errorf("%w: chain %q: ws %q is not a ws:// or wss:// URL", ErrConfig, ch.Name, ch.WS)
			}
		}
		switch ch.Commitment {
		case "", "confirmed", "finalized":
		default:
			return fmt.Errorf("%w: chain %q: commitment %q (want confirmed or finalized)", ErrConfig, ch.Name, ch.Commitment)
		}
	}
	if c.Home != "" && !names[c.Home] {
		return fmt.Errorf("%w: home %q is not among the chains", ErrConfig, c.Home)
	}
	return nil
}

// Path resolves a key or keypair path relative to the config file.
func (c *Config) Path(p string) string {
	if p == "" || strings.HasPrefix(p, "/") || c.dir == "" {
		return p
	}
	return c.dir + "/" + p
}

// ReadSecpKey reads a hex secp256k1 private key file.
func ReadSecpKey(path string) (*secp256k1.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s := strings.TrimPrefix(strings.TrimSpace(string(b)), "0x")
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%w: %s does not hold a 32-byte hex secp256k1 key", ErrConfig, path)
	}
	return secp256k1.PrivKeyFromBytes(k), nil
}

// WriteSecpKey writes key in the form ReadSecpKey reads, mode 0600.
func WriteSecpKey(path string, key *secp256k1.PrivateKey) error {
	return os.WriteFile(path, []byte(hex.EncodeToString(key.Serialize())+"\n"), 0o600)
}
