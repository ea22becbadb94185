package connector

import (
	"errors"
	"strings"
	"testing"
)

// TestNormalizeResolvesSecretRefs checks that every connector's secret
// settings take ${env:...} and ${file:...} through the one spec, and that
// other settings refuse them rather than use them literally.
func TestNormalizeResolvesSecretRefs(t *testing.T) {
	t.Setenv("ALERTSYNC_TEST_CLIENT_SECRET", "s3cret-from-env")
	spec := ConfigSpec{
		{Name: "client_secret", Type: TypeSecret, Required: true},
		{Name: "tenant_id", Type: TypeString},
	}
	tests := []struct {
		name     string
		settings map[string]any
		want     string
		errField string
		errText  string
	}{
		{"env reference", map[string]any{"client_secret": "${env:ALERTSYNC_TEST_CLIENT_SECRET}"}, "s3cret-from-env", "", ""},
		{"inline value", map[string]any{"client_secret": "inline"}, "inline", "", ""},
		{"unset variable", map[string]any{"client_secret": "${env:ALERTSYNC_TEST_UNSET_77}"}, "", "client_secret", "ALERTSYNC_TEST_UNSET_77 is not set"},
		{"reference in a plain setting", map[string]any{"client_secret": "x", "tenant_id": "${env:ALERTSYNC_TEST_CLIENT_SECRET}"}, "", "tenant_id", "only in secret settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := spec.Normalize(tt.settings)
			if tt.errField != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tt.errField || !strings.Contains(fe.Problem, tt.errText) {
					t.Fatalf("error = %v, want %s: ...%s", err, tt.errField, tt.errText)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got["client_secret"] != tt.want {
				t.Fatalf("client_secret = %v, %v; want %q", got["client_secret"], err, tt.want)
			}
		})
	}
}
