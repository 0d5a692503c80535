package csdk

import (
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

// TestHeader_DeclaresSyscalls keeps atoll.h in step with the syscalls the VM
// registers: every standard syscall, and the runtime's CPI and sysvar ones
// the header promises, is declared.
func TestHeader_DeclaresSyscalls(t *testing.T) {
	h := string(Header)
	names := syscalls.NewRegistry().Names()
	names = append(names, "sol_invoke_signed_c", "sol_get_clock_sysvar", "sol_get_rent_sysvar", "sol_get_epoch_schedule_sysvar")
	for _, name := range names {
		if !strings.Contains(h, " "+name+"(") && !strings.Contains(h, "*"+name+"(") {
			t.Errorf("atoll.h does not declare %s", name)
		}
	}
	for _, want := range []string{"sol_deserialize", "MAX_PERMITTED_DATA_INCREASE (1024 * 10)", "rent_epoch"} {
		if !strings.Contains(h, want) {
			t.Errorf("atoll.h lacks %q", want)
		}
	}
}
