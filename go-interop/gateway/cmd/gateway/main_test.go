package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// helpEnv, set, makes the test binary run main with -h (the flags as the gateway defines them).
const helpEnv = "GATEWAY_TEST_PRINT_HELP"

func TestMain(m *testing.M) {
	if os.Getenv(helpEnv) != "" {
		os.Args = []string{"gateway", "-h"}
		main()
	}
	os.Exit(m.Run())
}

// Every flag the gateway defines is in the flags table of ../README.md: a flag added without its
// line there fails here.
func TestEveryFlagIsDocumented(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	help := exec.Command(self)
	help.Env = append(os.Environ(), helpEnv+"=1")
	out, _ := help.CombinedOutput() // -h exits with status 0 (flag.ErrHelp) or 2
	flags := regexp.MustCompile(`(?m)^  -([a-z][a-z0-9.-]*)`).FindAllStringSubmatch(string(out), -1)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, flag := range flags {
		if !strings.HasPrefix(flag[1], "test.") && !strings.Contains(string(readme), "| `-"+flag[1]+"` |") {
			missing = append(missing, "-"+flag[1])
		}
	}
	if len(flags) < 20 {
		t.Fatalf("read %d flags from -h: %s", len(flags), out)
	}
	if len(missing) > 0 {
		t.Errorf("go-interop/gateway/cmd/README.md does not list %s (add a row to its flags table)", strings.Join(missing, ", "))
	}
}
