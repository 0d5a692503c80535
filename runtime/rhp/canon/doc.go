// Package canon owns the primitives of atoll's hand-written canonical CBOR
// codecs: appending heads, strings and integers in RFC 8949 §4.2.1 core
// deterministic encoding, and a Reader that accepts only those forms.
//
// The codecs built on it (runtime/rhp's hot messages, the SVM runtime's
// transaction results) are fast paths of a reflective reference codec
// (fxamacker/cbor): they must write exactly the bytes the reference writes,
// and whatever a Reader accepts the reference must decode to the same
// value. A Reader refuses everything outside the canonical subset it knows
// (a non-shortest head, a map key out of order or unknown, a null), and the
// caller then decodes with the reference, which either accepts the input
// or names the problem. The package has no dependencies beyond the standard
// library.
package canon
