// Package home owns the Home native program: the SVM wrapper of the pure
// bridge/home state machine at address.Home. It checks signers, keeps the
// Home's state in one fixed-capacity account, escrows updater bonds in
// accounts it owns, slashes them on a proven fraud, and emits every
// dispatched message in the transaction logs as "Program data: <base64>" so
// that agents read it with getTransaction.
//
// Senders. A dispatch names its sender with account 1, which must sign. An
// account dispatches as itself. A program dispatches as its program id: it
// signs (invoke_signed) with its dispatcher address, the program-derived
// address of seeds ["dispatcher"] under its own id, and puts its id in the
// instruction; the Home re-derives the address and refuses a mismatch. A
// program therefore cannot send in another program's name.
//
// Bonds. An updater's bond is the lamports of the account at the program
// address ["bond", updater address] (owned by the Home). Its authority is
// the first funder, named by the updater's signature over BondDigest so that
// nobody else can occupy the address; it may start unbonding, and withdraw once the Home's bond delay
// has passed and the updater is no longer in the updater set. A fraud proof
// (an improper update, a double update, or an update to a root never queued)
// fails the Home and moves every signer's bond above the rent minimum to the
// treasury ["treasury"], which only the owner spends (WithdrawTreasury); the
// proof must list the bond account of every
// slashed updater (existing or not), so no signer escapes by omission.
package home
