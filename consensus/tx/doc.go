// Package tx owns the consensus transaction envelope: the signed, nonced,
// fee-paying wrapper around a service method call, its canonical CBOR
// encoding and the decoding checks that every node applies identically
// before a transaction reaches a service.
//
// Layout (canonical CBOR, string map keys):
//
//	SignedTransaction = { "tx": bstr (canonical CBOR of Transaction),
//	                      "signer": bstr .size 32 (ed25519 public key),
//	                      "signature": bstr .size 64 }
//	Transaction       = { "nonce": uint, "fee": Fee, "method": tstr,
//	                      "body": any (method-specific CBOR) }
//	Fee               = { "amount": uint, "gas": uint }
//
// The signature covers u8 len(ctx) | ctx | chain context (32 bytes) | tx,
// with ctx = "atoll/consensus/tx", so a transaction signed for one chain is
// invalid on every other.
package tx
