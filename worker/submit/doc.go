// Package submit owns the node-side submission API: the Submitter
// interface (a runtime transaction in, its result out once the round that
// included it is finalized), the result type, and its HTTP endpoint.
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
package submit
