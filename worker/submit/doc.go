// Package submit owns the node-side submission API: the Submitter
// interface (a runtime transaction in, its result out once the round that
// included it is finalized) and its batch form BatchSubmitter, the result
// type, and the HTTP endpoint.
//
// The endpoint:
//
//	POST /v1/runtime/{runtime id hex}/submit
//	request   {"tx": base64 transaction bytes}
//	200       {"round": uint, "code": uint, "error": string, "units": uint, "logs": [string], "data": base64}
//	4xx/5xx   {"error": string}
//
// The response is sent once the transaction's round is finalized (or the
// request's context ends: 504).
//
// The batch endpoint takes many transactions in one request and streams
// one line per transaction (newline-delimited JSON), in the order they
// finalize, so a busy client holds one connection per batch instead of one
// per transaction:
//
//	POST /v1/runtime/{runtime id hex}/submit_batch
//	request   {"txs": [base64 transaction bytes, ...]}   (at most MaxBatchTxs)
//	200       {"index": uint, "result": {...as above}}   per finalized transaction
//	          {"index": uint, "error": string, "rejected": bool}   per refused or unfinished one
//	4xx       {"error": string}   (the batch itself is malformed)
package submit
