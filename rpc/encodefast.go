package rpc

import (
	"encoding/json"
	"strconv"

	"github.com/atoll-dev/atoll/runtime/svm"
)

// encodedResult is a method's result already encoded as JSON, in the bytes
// encoding/json would give; call copies it into the response as it is.
// The hot results (sendTransaction's, getSignatureStatuses') are written
// this way instead of through reflection over maps, whose keys
// encoding/json sorts on every call; TestEncodedResults_MatchEncodingJSON
// holds them to encoding/json's bytes.
type encodedResult []byte

// appendJSONString appends s as encoding/json encodes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		// encoding/json escapes <, > and & for HTML; anything but plain
		// ASCII goes through it.
		if c := s[i]; !plainByte[c] || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendContextOpen opens Agave's {context:{apiVersion,slot}, value}
// wrapper (contextValue); the value and a closing brace follow.
func appendContextOpen(b []byte, apiVersion string, slot uint64) []byte {
	b = append(b, `{"context":{"apiVersion":`...)
	b = appendJSONString(b, apiVersion)
	b = append(b, `,"slot":`...)
	b = strconv.AppendUint(b, slot, 10)
	return append(b, `},"value":`...)
}

// appendTxError appends a transaction error as its MarshalJSON renders it
// (null for none).
func appendTxError(b []byte, e *svm.TransactionError) []byte {
	if e == nil {
		return append(b, "null"...)
	}
	v, err := json.Marshal(e)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, v...)
}

// appendSignatureStatus appends one getSignatureStatuses entry: null for
// an unknown signature, else Agave's TransactionStatus with the members in
// encoding/json's (sorted) order.
func appendSignatureStatus(b []byte, st *SignatureStatus) []byte {
	if st == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"confirmationStatus":"`...)
	b = append(b, st.Commitment.String()...)
	b = append(b, `","confirmations":`...)
	if st.Confirmations == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendUint(b, *st.Confirmations, 10)
	}
	var errJSON []byte
	if st.Err == nil {
		errJSON = []byte("null")
	} else {
		errJSON = appendTxError(nil, st.Err)
	}
	b = append(b, `,"err":`...)
	b = append(b, errJSON...)
	b = append(b, `,"slot":`...)
	b = strconv.AppendUint(b, st.Slot, 10)
	if st.Err == nil {
		return append(b, `,"status":{"Ok":null}}`...)
	}
	b = append(b, `,"status":{"Err":`...)
	b = append(b, errJSON...)
	return append(b, "}}"...)
}

// encodeSignatureStatuses is getSignatureStatuses' result.
func encodeSignatureStatuses(apiVersion string, slot uint64, sts []*SignatureStatus) encodedResult {
	b := make([]byte, 0, 96+len(sts)*140)
	b = appendContextOpen(b, apiVersion, slot)
	b = append(b, '[')
	for i, st := range sts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSignatureStatus(b, st)
	}
	return append(b, "]}"...)
}

// appendUIAccount appends an account as encoding/json renders a
// *UIAccount (null for none). Data in a parsed form goes through
// encoding/json.
func appendUIAccount(b []byte, a *UIAccount) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"data":`...)
	switch d := a.Data.(type) {
	case string:
		b = appendJSONString(b, d)
	case [2]string:
		b = append(b, '[')
		b = appendJSONString(b, d[0])
		b = append(b, ',')
		b = appendJSONString(b, d[1])
		b = append(b, ']')
	default:
		v, err := json.Marshal(d)
		if err != nil {
			v = []byte("null")
		}
		b = append(b, v...)
	}
	b = append(b, `,"executable":`...)
	b = strconv.AppendBool(b, a.Executable)
	b = append(b, `,"lamports":`...)
	b = strconv.AppendUint(b, a.Lamports, 10)
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, a.Owner)
	b = append(b, `,"rentEpoch":`...)
	b = strconv.AppendUint(b, a.RentEpoch, 10)
	b = append(b, `,"space":`...)
	b = strconv.AppendInt(b, int64(a.Space), 10)
	return append(b, '}')
}

// encodeAccountInfo is getAccountInfo's result.
func encodeAccountInfo(apiVersion string, slot uint64, a *UIAccount) encodedResult {
	b := make([]byte, 0, 192)
	b = appendContextOpen(b, apiVersion, slot)
	b = appendUIAccount(b, a)
	return append(b, '}')
}
