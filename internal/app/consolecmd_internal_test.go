package app

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/alertsync/alertsync/internal/config"
)

// TestHashPasswordCommand: the hash printed for the password on standard
// input checks against it, is strong enough for the config, and does not
// contain the password; an empty input is refused.
func TestHashPasswordCommand(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery staple"
	var out, errOut bytes.Buffer
	cmd := consoleCmd(nil, &out, &errOut)
	cmd.SetArgs([]string{"hash-password"})
	cmd.SetIn(strings.NewReader(pw + "\r\n"))
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte(pw)); err != nil {
		t.Fatalf("hash %q does not check against the password: %v", h, err)
	}
	if cost, err := bcrypt.Cost([]byte(h)); err != nil || cost < config.MinPasswordCost {
		t.Errorf("cost %d (%v), want at least %d", cost, err, config.MinPasswordCost)
	}
	if strings.Contains(out.String()+errOut.String(), "battery") {
		t.Error("the password was printed")
	}
	for _, in := range []string{"", "\n"} {
		cmd := consoleCmd(nil, &out, &errOut)
		cmd.SetArgs([]string{"hash-password"})
		cmd.SetIn(strings.NewReader(in))
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "held none") {
			t.Errorf("input %q: %v, want a refusal", in, err)
		}
	}
}
