package onchain

import (
	"encoding/base64"
	"strings"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// ProgramDataPrefix starts the log lines that carry program events.
const ProgramDataPrefix = "Program data: "

// ProgramData returns the payloads of the "Program data: <base64>" lines that
// program wrote in a transaction's logs. It follows the runtime's
// "Program <id> invoke [n]" and "Program <id> success|failed…" lines to know
// which program was executing; a program's own "Program log:" lines cannot
// pass for these, since "log:" is not a base58 key. Malformed lines are
// skipped.
func ProgramData(lines []string, program sol.Pubkey) [][]byte {
	var out [][]byte
	var stack []sol.Pubkey
	for _, l := range lines {
		if s, ok := strings.CutPrefix(l, ProgramDataPrefix); ok {
			if len(stack) == 0 || stack[len(stack)-1] != program {
				continue
			}
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				out = append(out, b)
			}
			continue
		}
		rest, ok := strings.CutPrefix(l, "Program ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		id, err := sol.PubkeyFromString(f[0])
		if err != nil {
			continue
		}
		switch {
		case len(f) == 3 && f[1] == "invoke" && strings.HasPrefix(f[2], "[") && strings.HasSuffix(f[2], "]"):
			stack = append(stack, id)
		case (f[1] == "success" || strings.HasPrefix(f[1], "failed")) && len(stack) > 0 && stack[len(stack)-1] == id:
			stack = stack[:len(stack)-1]
		}
	}
	return out
}
