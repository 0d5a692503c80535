package devbank

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestParseAccountFile(t *testing.T) {
	const file = `{"pubkey":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","account":{"lamports":1461600,"data":["AQID","base64"],` +
		`"owner":"BPFLoaderUpgradeab1e11111111111111111111111","executable":true,"rentEpoch":18446744073709551615,"space":3}}`
	w, err := ParseAccountFile([]byte(file), sol.Pubkey{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Key.String() != "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T" || w.Account.Lamports != 1461600 || string(w.Account.Data) != "\x01\x02\x03" ||
		w.Account.Owner.String() != "BPFLoaderUpgradeab1e11111111111111111111111" || !w.Account.Executable || w.Account.RentEpoch != 1<<64-1 {
		t.Fatalf("parsed %+v", w)
	}
	over := sol.Pubkey{9}
	if w, err := ParseAccountFile([]byte(file), over); err != nil || w.Key != over {
		t.Fatalf("address override: %v %v", w.Key, err)
	}
	for name, in := range map[string]string{
		"not json":      `{`,
		"no account":    `{"pubkey":"11111111111111111111111111111111"}`,
		"bad pubkey":    `{"pubkey":"x","account":{"lamports":1,"owner":"11111111111111111111111111111111"}}`,
		"bad owner":     `{"pubkey":"11111111111111111111111111111111","account":{"lamports":1,"owner":"x"}}`,
		"zero lamports": `{"pubkey":"11111111111111111111111111111111","account":{"lamports":0,"owner":"11111111111111111111111111111111"}}`,
		"bad encoding":  `{"pubkey":"11111111111111111111111111111111","account":{"lamports":1,"data":["AA","hex"],"owner":"11111111111111111111111111111111"}}`,
		"bad base64":    `{"pubkey":"11111111111111111111111111111111","account":{"lamports":1,"data":["!!","base64"],"owner":"11111111111111111111111111111111"}}`,
	} {
		if _, err := ParseAccountFile([]byte(in), sol.Pubkey{}); !errors.Is(err, ErrAccountFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseAccountFile(f *testing.F) {
	f.Add([]byte(`{"pubkey":"11111111111111111111111111111111","account":{"lamports":5,"data":["AQID","base64"],"owner":"11111111111111111111111111111111"}}`))
	f.Add([]byte(`{"pubkey":"11111111111111111111111111111111","account":{"lamports":5,"data":"2","owner":"11111111111111111111111111111111"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseAccountFile(b, sol.Pubkey{})
		if err == nil && w.Account.Lamports == 0 {
			t.Fatal("accepted an account with no lamports")
		}
	})
}
