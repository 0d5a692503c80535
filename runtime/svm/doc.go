// Package svm owns the Solana-compatible runtime's deterministic engine:
// ExecuteBatch over a BlockContext and an AccountsStore, the access policy
// checked after every instruction, fees, the compute budget, feature gates and
// the native-program interface.
//
// It performs no I/O and never reads wall-clock time: everything it needs
// arrives in the BlockContext, so equal inputs give bit-identical outputs on
// every node.
package svm
