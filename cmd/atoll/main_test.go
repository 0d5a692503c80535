package main

import "testing"

func TestRootCommand_UniqueSubcommands(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range newRootCommand().Commands() {
		if seen[c.Name()] {
			t.Fatalf("subcommand %q registered twice", c.Name())
		}
		seen[c.Name()] = true
	}
}
