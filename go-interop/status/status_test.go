package status

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
)

func TestStatusesAreTheHeaders(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	header, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "include", "rp_common.h"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"RP_OK": OK, "RP_NOT_FOUND": NotFound, "RP_INVALID_ARGUMENT": InvalidArgument, "RP_INVALID_UTF8": InvalidUTF8,
		"RP_UNKNOWN_CLAIM": UnknownClaim, "RP_IO": IO, "RP_PARSE": Parse, "RP_BUFFER_TOO_SMALL": BufferTooSmall,
		"RP_PANIC": Panic, "RP_ABI_MISMATCH": ABIMismatch, "RP_PLUGIN_FAILED": PluginFailed,
		"RP_NOT_A_FILE": NotAFile, "RP_TOO_LARGE": TooLarge, "RP_PROCESS_DIED": ProcessDied,
		"RP_DEADLINE": Deadline, "RP_UNAVAILABLE": Unavailable,
	}
	defines := regexp.MustCompile(`#define (RP_[A-Z_0-9]+) (\d+)\n`).FindAllSubmatch(header, -1)
	seen := 0
	for _, m := range defines {
		value, ok := want[string(m[1])]
		if !ok {
			continue
		}
		seen++
		if got, _ := strconv.Atoi(string(m[2])); got != value {
			t.Errorf("%s is %d in rp_common.h, %d here", m[1], got, value)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d statuses in rp_common.h", seen, len(want))
	}
}
