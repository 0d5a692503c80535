package rpc

import (
	"encoding/json"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
)

// TestEncodedResults_MatchEncodingJSON holds the hand-written results to
// the bytes encoding/json gives for the maps and wrappers they replace.
func TestEncodedResults_MatchEncodingJSON(t *testing.T) {
	zero, three := uint64(0), uint64(3)
	statuses := []*SignatureStatus{
		nil,
		{Slot: 41, Commitment: Finalized},
		{Slot: 1 << 63, Commitment: Processed, Confirmations: &zero},
		{Slot: 7, Commitment: Confirmed, Confirmations: &three},
		{Slot: 9, Commitment: Finalized, Err: &svm.TransactionError{Kind: svm.InstructionErrorKind, Index: 2,
			Instr: svm.InstructionError{Kind: svm.Custom, Code: 0x1771}}},
		{Slot: 10, Commitment: Finalized, Err: &svm.TransactionError{Kind: svm.InsufficientFundsForRent, Index: 1}},
		{Slot: 11, Commitment: Processed, Confirmations: &zero, Err: &svm.TransactionError{Kind: svm.BlockhashNotFound}},
	}
	for name, tc := range map[string]struct {
		version string
		sts     []*SignatureStatus
	}{
		"none":             {"2.1.0", []*SignatureStatus{}},
		"every kind":       {"2.1.0", statuses},
		"unknown only":     {"2.1.0", []*SignatureStatus{nil, nil}},
		"escaped version":  {`2.1 <"&">` + "\x01é\xff", statuses[:2]},
		"empty version":    {"", statuses[1:3]},
		"one failed entry": {"2.1.0", statuses[4:5]},
	} {
		t.Run(name, func(t *testing.T) {
			// What getSignatureStatuses returned before: maps, wrapped.
			out := make([]any, len(tc.sts))
			for i, st := range tc.sts {
				if st != nil {
					out[i] = map[string]any{"slot": st.Slot, "confirmations": st.Confirmations, "err": st.Err,
						"status": txStatus(st.Err), "confirmationStatus": st.Commitment.String()}
				}
			}
			want, err := json.Marshal(contextValue{Context: rpcContext{APIVersion: tc.version, Slot: 12345}, Value: out})
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeSignatureStatuses(tc.version, 12345, tc.sts); string(got) != string(want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// FuzzAppendJSONString holds appendJSONString to encoding/json's string
// encoding.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "2.1.0", "5VERv8NMvzbJ", `a"b\c`, "<&>", "\x00\x1f\x7f", "é\xff\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	})
}

// TestEncodeAccountInfo_MatchesEncodingJSON holds getAccountInfo's
// hand-written result to encoding/json's bytes for every data form.
func TestEncodeAccountInfo_MatchesEncodingJSON(t *testing.T) {
	base := UIAccount{Executable: true, Lamports: 1 << 62, Owner: "11111111111111111111111111111111", RentEpoch: RentEpochExempt, Space: 17}
	for name, data := range map[string]any{
		"base64":     [2]string{"AQID/+8=", "base64"},
		"base58":     [2]string{"2VfUX", "base58"},
		"binary":     "2VfUX",
		"empty":      [2]string{"", "base64"},
		"parsed":     &parsedAccount{Program: "sysvar", Parsed: parsedValue{Type: "rent", Info: map[string]any{"burnPercent": 50}}, Space: 17},
		"odd string": "<a\"\\é>",
	} {
		t.Run(name, func(t *testing.T) {
			a := base
			a.Data = data
			want, err := json.Marshal(contextValue{Context: rpcContext{APIVersion: "2.1.0", Slot: 9}, Value: &a})
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeAccountInfo("2.1.0", 9, &a); string(got) != string(want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	want, _ := json.Marshal(contextValue{Context: rpcContext{APIVersion: "2.1.0", Slot: 9}, Value: (*UIAccount)(nil)})
	if got := encodeAccountInfo("2.1.0", 9, nil); string(got) != string(want) {
		t.Fatalf("no account: got %s, want %s", got, want)
	}
}
