package app_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
)

// TestHelpNamesConfigEnvAndDocs checks that serve's and migrate's help
// tell a user with only the binary where the config comes from, every
// environment variable Load reads, and where the documentation is.
func TestHelpNamesConfigEnvAndDocs(t *testing.T) {
	t.Parallel()
	want := []string{"--config", "ALERTSYNC_CONFIG", "${env:NAME}", "${file:PATH}", "--log-format",
		"docs/configuration.md", "alertsync.example.yaml"}
	for _, v := range config.EnvVars {
		want = append(want, v.Name)
	}
	for _, cmd := range []string{"serve", "migrate"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			if code := app.Main([]string{cmd, "--help"}, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s --help does not mention %s", cmd, w)
				}
			}
		})
	}
}

func TestLogFormatFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format string
		code   int
	}{
		{"text", 0}, {"json", 0}, {"JSON", 0}, {"xml", 1},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := app.Main([]string{"--log-format", tt.format, "version"}, &out, &errOut)
		if code != tt.code {
			t.Errorf("--log-format %s: exit %d, want %d (%s)", tt.format, code, tt.code, errOut.String())
		}
		if tt.code != 0 && !strings.Contains(errOut.String(), "want text or json") {
			t.Errorf("--log-format %s: error %q", tt.format, errOut.String())
		}
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := app.Main([]string{"version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, w := range []string{"alertsync ", "revision", "go1."} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("version output lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "alertsync dev\n") {
		t.Errorf("version still prints dev:\n%s", out.String())
	}
}

// TestGCFloorSetting: ALERTSYNC_GC_FLOOR_MB takes a whole number of MiB
// (0 turns the floor off); anything else stops the command with the
// variable named, before it runs.
func TestGCFloorSetting(t *testing.T) {
	for _, tt := range []struct {
		value string
		ok    bool
	}{{"", true}, {"0", true}, {"64", true}, {"-1", false}, {"32MB", false}} {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv("ALERTSYNC_GC_FLOOR_MB", tt.value)
			var out, errOut bytes.Buffer
			code := app.Main([]string{"version"}, &out, &errOut)
			if (code == 0) != tt.ok {
				t.Fatalf("exit %d for %q: %s", code, tt.value, errOut.String())
			}
			if !tt.ok && !strings.Contains(errOut.String(), "ALERTSYNC_GC_FLOOR_MB") {
				t.Errorf("the error does not name the variable: %s", errOut.String())
			}
		})
	}
}
