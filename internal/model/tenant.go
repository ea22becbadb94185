package model

import (
	"fmt"
	"regexp"
)

// DefaultTenant is the tenant of a single-organisation install: a
// database from before tenants existed migrates into it, and a
// configuration that names no tenant lives in it.
const DefaultTenant = "default"

// tenantID is what a tenant id may look like: it names the tenant in
// URLs, headers, lease names, logs and configuration, so it is short and
// plain.
var tenantID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckTenantID reports whether id can name a tenant.
func CheckTenantID(id string) error {
	if !tenantID.MatchString(id) {
		return fmt.Errorf("tenant id %q: want 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit", id)
	}
	return nil
}
