// Package devbank owns a complete single-process implementation of
// rpc.Backend: an svm.Executor over an accounts store, slot production on a
// clock, a ledger of blocks with signature and address indexes, commitment
// levels trailing the newest slot by fixed depths, simulation, a faucet, and
// the event feed for websocket subscriptions.
//
// It is what solana-test-validator's bank is to Agave: the engine behind a
// one-node development network and behind the RPC tests. The replicated node
// implements rpc.Backend over compute committees and MKVS instead; devbank
// must not be imported by consensus or runtime code.
package devbank
