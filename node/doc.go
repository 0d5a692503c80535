// Package node owns running an atoll node in-process: it embeds CometBFT
// (its node package, with the consensus application on a local ABCI
// client), loads and writes node homes (CometBFT config, keys, genesis, the
// identities of hosted nodes with their worker P2P keys and addresses, and
// the SVM runtime's genesis that every node's workers derive the same state
// root from), serves Prometheus metrics, adapts CometBFT's logger to
// log/slog, delivers committed blocks' events (Options.OnEvents), and hosts
// Components: long-running parts of a node process, such as the
// registration-and-beacon agent here and the compute and storage workers
// (package worker, started for a home by cmd/atoll), that talk to consensus
// through a Host.
//
// It must not import package worker: worker's components implement this
// package's Component.
package node
