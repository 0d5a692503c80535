// Package testkeys owns the deterministic secp256k1 keys, updater sets and
// signed updates that the bridge's tests share. It is for tests only.
package testkeys
