package rpc

import "testing"

// FuzzParseSubscription feeds arbitrary parameters to every websocket
// subscribe method: no input may panic, and an accepted subscription must be
// of the method's kind.
func FuzzParseSubscription(f *testing.F) {
	methods := []string{"accountSubscribe", "programSubscribe", "signatureSubscribe", "slotSubscribe", "logsSubscribe", "rootSubscribe", "blockSubscribe"}
	kinds := []subKind{subAccount, subProgram, subSignature, subSlot, subLogs, subRoot, 0}
	f.Add(uint8(0), []byte(`["11111111111111111111111111111111",{"encoding":"base64","commitment":"confirmed"}]`))
	f.Add(uint8(1), []byte(`["11111111111111111111111111111111",{"filters":[{"memcmp":{"offset":1,"bytes":"2"}},{"dataSize":3}]}]`))
	f.Add(uint8(4), []byte(`[{"mentions":["11111111111111111111111111111111"]}]`))
	f.Add(uint8(4), []byte(`["all",{"commitment":"processed"}]`))
	f.Fuzz(func(t *testing.T, m uint8, raw []byte) {
		i := int(m) % len(methods)
		p, perr := parseParams(raw)
		if perr != nil {
			return
		}
		sub, err := parseSubscription(methods[i], p)
		if err != nil {
			return
		}
		if methods[i] == "blockSubscribe" || sub.kind != kinds[i] {
			t.Fatalf("%s accepted as kind %d", methods[i], sub.kind)
		}
	})
}
