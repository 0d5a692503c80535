// Package onchain owns what the bridge's native programs share on the SVM:
// the compute-unit cost table they charge, program-derived addresses found and
// created through the system program, the fixed-capacity state accounts that
// hold their canonical encodings, the frame of their Process (charge, decode,
// run, map errors to custom codes) with the checks of Initialize's admin and
// payer, and the readers of instruction data (updater sets and quorums).
//
// It knows the runtime (runtime/svm) but none of the bridge's rules; the
// programs in the sibling packages wrap the pure state machines of bridge/home,
// bridge/replica and bridge/connmgr with it.
package onchain
