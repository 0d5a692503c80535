package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"
)

// ErrNoHome is returned when a node home has not been initialised.
var ErrNoHome = errors.New("node: not an atoll node home (run atoll init or atoll devnet first)")

// LoadConfig reads HOME/config/config.toml the way CometBFT's own CLI does
// and roots every relative path at home.
func LoadConfig(home string) (*cmtcfg.Config, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoHome, home)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("node: reading %s: %v", path, err)
	}
	cfg := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("node: parsing %s: %v", path, err)
	}
	cfg.SetRoot(home)
	if err := cfg.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("node: %s: %v", path, err)
	}
	return cfg, nil
}

// WriteConfig writes cfg to HOME/config/config.toml, creating directories.
func WriteConfig(home string, cfg *cmtcfg.Config) error {
	cfg.SetRoot(home)
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			return fmt.Errorf("node: %w", err)
		}
	}
	cmtcfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), cfg)
	return nil
}

// StateDir is where the consensus application's state lives in a home.
func StateDir(cfg *cmtcfg.Config) string { return filepath.Join(cfg.DBDir(), "atoll-state") }
