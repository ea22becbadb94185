package httpkit

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

func TestRedactorString(t *testing.T) {
	t.Parallel()
	r := NewRedactor(config.NewSecret("hunter2-secret"), config.NewSecret(""), config.NewSecret("a b&c"))
	tests := []struct{ in, leak string }{
		{"the key hunter2-secret was rejected", "hunter2-secret"},
		{"query key=a+b%26c failed", "a+b%26c"},
		{"Authorization: Bearer abc.DEF-123_x~y+z/== sent", "abc.DEF-123_x~y+z/=="},
		{"bearer sometoken", "sometoken"},
		{"grant_type=client_credentials&client_secret=zzz-unknown&scope=x", "zzz-unknown"},
		{`{"access_token":"opaque-tok","token_type":"Bearer"}`, "opaque-tok"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig-part here", "eyJzdWIiOiIxMjM0NTY3ODkwIn0"},
		{"password: p4ss!", "p4ss!"},
	}
	for _, tt := range tests {
		got := r.String(tt.in)
		if strings.Contains(got, tt.leak) || !strings.Contains(got, redacted) {
			t.Errorf("String(%q) = %q, still shows %q", tt.in, got, tt.leak)
		}
	}
	if got := r.String("nothing to hide here"); got != "nothing to hide here" {
		t.Errorf("clean text changed: %q", got)
	}
}

func TestRedactedErrorKeepsIdentity(t *testing.T) {
	t.Parallel()
	err := NewRedactor(config.NewSecret("tok-1")).Error(context.DeadlineExceeded)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is lost the original error")
	}
	if errors.Unwrap(err) != nil {
		t.Error("redacted error unwraps to the unredacted one")
	}
}

// TestErrorsNeverCarrySecrets checks every path by which vendor text reaches
// an error: the error body, the code, and a transport error naming the URL.
func TestErrorsNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	const configured, token, clientSecret = "configured-s3cret", "token-1", "client-s3cret"
	var tokens atomic.Int32
	tokSrv := tokenServer(t, &tokens)
	auth := NewOAuth2(OAuth2Config{TokenURL: tokSrv.URL, ClientID: "id", ClientSecret: config.NewSecret(clientSecret)})
	bodies := []string{
		`{"error":{"code":"configured-s3cret","message":"bad key configured-s3cret and token token-1"}}`,
		`you sent client_secret=client-s3cret and Authorization: Bearer token-1`,
		`{"error":"invalid_request","error_description":"client-s3cret is wrong"}`,
	}
	for _, body := range bodies {
		c, _ := setup(t, Options{Auth: auth, Secrets: []config.Secret{config.NewSecret(configured)}}, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(body))
		})
		err := c.GetJSON(context.Background(), "x", nil)
		var ce *connector.Error
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v", err)
		}
		for _, s := range []string{configured, token, clientSecret} {
			if strings.Contains(err.Error(), s) || strings.Contains(ce.Code, s) || strings.Contains(ce.Message, s) {
				t.Errorf("error %q shows a secret", err)
			}
		}
	}

	// A transport error quotes the URL, which here carries the key.
	c, err := New(Options{Secrets: []config.Secret{config.NewSecret(configured)}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.GetJSON(context.Background(), "http://127.0.0.1:1/alerts?key="+configured, nil)
	if err == nil || strings.Contains(err.Error(), configured) {
		t.Errorf("transport error = %v, want an error without the key", err)
	}
}
