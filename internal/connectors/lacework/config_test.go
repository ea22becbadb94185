package lacework

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
)

// keyFile is a downloaded key file of the shape the Lacework CLI reads.
const keyFileJSON = `{"keyId":"ACCOUNT_ABCEF01234559B9B07114E834D8570F567C824039756E03","secret":"_abc1234e243a645bcf173ef55b837c19",` +
	`"subAccount":"MyAccount","account":"myaccount.lacework.net"}`

func buildWith(settings map[string]any) (*Connector, error) {
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, settings)
	if err != nil {
		return nil, err
	}
	return c.(*Connector), nil
}

// TestAccountURLMustBeHTTPS: the account URL is https:// or a name taken
// as one; http:// is refused unless allow_insecure_url says the URL is an
// emulator's.
func TestAccountURLMustBeHTTPS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		account  string
		insecure bool
		base     string
		wantErr  string
	}{
		{"https://myaccount.lacework.net", false, "https://myaccount.lacework.net", ""},
		{"https://myaccount.lacework.net/", false, "https://myaccount.lacework.net", ""},
		{"myaccount", false, "https://myaccount.lacework.net", ""},
		{"MyAccount.fra.lacework.net", false, "https://myaccount.fra.lacework.net", ""},
		{"http://myaccount.lacework.net", false, "", "must start with https://"},
		{"HTTP://myaccount.lacework.net", false, "", "must start with https://"},
		{"ftp://myaccount.lacework.net", false, "", "must start with https://"},
		{"http://127.0.0.1:8080/lacework", true, "http://127.0.0.1:8080/lacework", ""},
		{"ftp://myaccount.lacework.net", true, "", "must start with https://"},
		{"myaccount.lacework.net:8443", false, "", "neither an https:// URL nor an account name"},
		{"https://", false, "", "neither an https:// URL nor an account name"},
		{"https://user@myaccount.lacework.net", false, "", "not a URL"},
	}
	for _, tt := range tests {
		c, err := buildWith(map[string]any{"account_url": tt.account, "key_id": "K", "secret": "S", "allow_insecure_url": tt.insecure})
		switch {
		case tt.wantErr == "" && (err != nil || c.s.base != tt.base):
			t.Errorf("%s (insecure %v): %v, base %q, want %q", tt.account, tt.insecure, err, baseOf(c), tt.base)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "account_url")):
			t.Errorf("%s (insecure %v): err %v, want one naming account_url and saying %q", tt.account, tt.insecure, err, tt.wantErr)
		}
	}
}

func baseOf(c *Connector) string {
	if c == nil {
		return ""
	}
	return c.s.base
}

// TestAPIKeyFile: the key file an admin downloads is taken as is, from
// the settings or a file reference; explicit settings override it; a file
// that is not one is refused without quoting it.
func TestAPIKeyFile(t *testing.T) {
	t.Parallel()
	c, err := buildWith(map[string]any{"api_key_file": keyFileJSON})
	if err != nil {
		t.Fatal(err)
	}
	if c.s.base != "https://myaccount.lacework.net" || c.s.keyID != "ACCOUNT_ABCEF01234559B9B07114E834D8570F567C824039756E03" ||
		c.s.secret.Reveal() != "_abc1234e243a645bcf173ef55b837c19" || c.s.subAccount != "myaccount" {
		t.Errorf("from the file: %+v", c.s)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, []byte(keyFileJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = buildWith(map[string]any{"api_key_file": "${file:" + path + "}", "key_id": "OTHER", "secret": "_other",
		"account_url": "https://other.lacework.net", "sub_account": "child"})
	if err != nil {
		t.Fatal(err)
	}
	if c.s.base != "https://other.lacework.net" || c.s.keyID != "OTHER" || c.s.secret.Reveal() != "_other" || c.s.subAccount != "child" {
		t.Errorf("settings over the file: %+v", c.s)
	}
	_, err = buildWith(map[string]any{"api_key_file": `{"keyId": "K", "secret": "_leaked-secret-value"`})
	if err == nil || !strings.Contains(err.Error(), "api_key_file") || strings.Contains(err.Error(), "leaked") {
		t.Errorf("broken file: %v", err)
	}
	for _, missing := range []map[string]any{
		{"api_key_file": `{"keyId":"K","secret":"S"}`},
		{"account_url": "x", "secret": "S"},
		{"account_url": "x", "key_id": "K"},
	} {
		if _, err := buildWith(missing); err == nil {
			t.Errorf("%v accepted", missing)
		}
	}
}

func TestConfigDefaultsAndBounds(t *testing.T) {
	t.Parallel()
	base := func(extra map[string]any) map[string]any {
		s := map[string]any{"account_url": "myaccount", "key_id": "K", "secret": "S"}
		for k, v := range extra {
			s[k] = v
		}
		return s
	}
	c, err := buildWith(base(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.s.pageSize != 50 || c.s.concurrency != 16 || c.s.rpm != 600 || c.s.expiry.Hours() != 1 ||
		c.s.lookback.Hours() != 168 || c.s.overlap.Hours() != 24 || c.cfg.AllowInsecureURL {
		t.Errorf("defaults: %+v", c.s)
	}
	for _, bad := range []map[string]any{
		{"page_size": 0}, {"page_size": 1001}, {"alert_concurrency": 0}, {"alert_concurrency": 257},
		{"token_expiry": "25h"}, {"token_expiry": "30s"}, {"lookback": "2209h"}, {"lookback": "0s"},
		{"overlap": "168h"}, {"overlap": "-1m"}, {"requests_per_minute": -1},
	} {
		if _, err := buildWith(base(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	reg, _ := connector.Lookup(Kind)
	if got := reg.Spec.SecretFields(); !slices.Equal(got, []string{"secret", "api_key_file"}) {
		t.Errorf("secret fields %v", got)
	}
}
