// Command atoll is the single binary of the atoll platform: node, devnet,
// runtime entry points, bridge agents and client verbs are its subcommands,
// one file per command group.
package main
