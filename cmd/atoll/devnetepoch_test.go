package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/node"
)

func TestDevnetSpec_SetSlotsPerEpoch(t *testing.T) {
	tests := []struct {
		name     string
		argv     []string
		want     uint64
		wantErr  string
		describe string
		ignored  string // against a genesis of 432,000 slots
	}{
		{name: "default", want: 432_000},
		{name: "small", argv: []string{"--slots-per-epoch", "64"}, want: 64,
			describe: "64 slots per epoch, after warmup epochs from 32 slots", ignored: "--slots-per-epoch 64 (the devnet's epochs have 432000 slots)"},
		{name: "minimum", argv: []string{"--slots-per-epoch", "32"}, want: 32, describe: "32 slots per epoch", ignored: "--slots-per-epoch 32 (the devnet's epochs have 432000 slots)"},
		{name: "same as genesis", argv: []string{"--slots-per-epoch", "432000"}, want: 432_000, describe: "432000 slots per epoch"},
		{name: "too short", argv: []string{"--slots-per-epoch", "31"}, wantErr: "--slots-per-epoch 31: want at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n uint64
			c := &cobra.Command{Use: "x"}
			c.Flags().Uint64Var(&n, "slots-per-epoch", 432_000, "")
			if err := c.Flags().Parse(tt.argv); err != nil {
				t.Fatal(err)
			}
			s := &devnetSpec{changed: map[string]bool{}}
			err := s.setSlotsPerEpoch(c, n)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || s.slotsPerEpoch != tt.want {
				t.Fatalf("slots per epoch %d, %v; want %d", s.slotsPerEpoch, err, tt.want)
			}
			d := strings.Join(s.describe(), "\n")
			if (tt.describe == "") != (d == "") || !strings.Contains(d, tt.describe) {
				t.Fatalf("describe: %q, want %q", d, tt.describe)
			}
			ig := strings.Join(s.ignoredGenesis(&node.SVMGenesis{SlotsPerEpoch: 432_000, Warmup: true}), "\n")
			if ig != tt.ignored {
				t.Fatalf("ignored: %q, want %q", ig, tt.ignored)
			}
		})
	}
}
