// Package accounts owns the Solana-compatible runtime's account state on
// MKVS: it implements svm.AccountsStore on a state tree, keyed by the
// 32-byte address, valued by the canonical sol.Account encoding, with one
// commit per applied batch.
package accounts
