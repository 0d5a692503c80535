// Package api owns the values replicated runtime execution is made of, shared
// by the roothash service (which judges them in consensus) and the compute and
// storage workers (which produce them): runtime block headers, batch
// proposals, executor commitments, storage receipts and runtime messages, with
// their canonical encodings, hashes and signing contexts.
//
// It imports only the consensus codec, signature and registry types, so the
// workers can use it without the consensus application.
package api
