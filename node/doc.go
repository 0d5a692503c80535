// Package node owns running an atoll node in-process: it embeds CometBFT
// (its node package, with the consensus application on a local ABCI
// client), loads and writes node homes (CometBFT config, keys, genesis, and
// the identities of hosted nodes), serves Prometheus metrics, adapts
// CometBFT's logger to log/slog, and hosts Components: long-running parts of
// a node process, such as the registration-and-beacon agent here and the
// compute and storage workers later, that talk to consensus through a Host.
package node
