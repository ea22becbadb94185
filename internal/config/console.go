package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/alertsync/alertsync/internal/model"
)

// ConsoleConfig configures the web console beyond the API tokens it also
// accepts: people who log in with a username and a password, and how
// long a session lasts.
type ConsoleConfig struct {
	// SessionTTL bounds a session from its login; 8 hours when zero.
	SessionTTL time.Duration `yaml:"session_ttl"`
	Users      []ConsoleUser `yaml:"users"`
}

// ConsoleUser is one person who logs in to the console with a username
// and a password, with a role and tenant exactly as an API token has.
// Only a bcrypt hash of the password is configured (alertsync console
// hash-password makes one); it is a Secret all the same, since a leaked
// hash can be attacked offline.
type ConsoleUser struct {
	Username     string `yaml:"username"`
	PasswordHash Secret `yaml:"password_hash"`
	Role         string `yaml:"role"`
	Tenant       string `yaml:"tenant"`
}

// MinPasswordCost is the lowest bcrypt cost a console user's hash may
// have: each guess at a stolen hash then costs tens of milliseconds.
const MinPasswordCost = 10

// maxSessionTTL keeps a forgotten browser from staying logged in for
// good.
const maxSessionTTL = 30 * 24 * time.Hour

func (c ConsoleConfig) validate() error {
	if c.SessionTTL < 0 || (c.SessionTTL > 0 && c.SessionTTL < time.Minute) || c.SessionTTL > maxSessionTTL {
		return &FieldError{Field: "console.session_ttl", Problem: "must be between 1m and 720h (0 means 8h)"}
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		f := fmt.Sprintf("console.users[%d]", i)
		if err := checkUsername(u.Username); err != nil {
			return &FieldError{Field: f + ".username", Problem: err.Error()}
		}
		if seen[u.Username] {
			return &FieldError{Field: f + ".username", Problem: "duplicate username " + strconv.Quote(u.Username)}
		}
		seen[u.Username] = true
		if err := checkPasswordHash(u.PasswordHash); err != nil {
			return &FieldError{Field: f + ".password_hash", Problem: err.Error()}
		}
		switch u.Role {
		case "viewer", "analyst", "admin":
		default:
			return &FieldError{Field: f + ".role", Problem: "must be viewer, analyst or admin"}
		}
		if u.Tenant != "" && u.Tenant != AllTenants && model.CheckTenantID(u.Tenant) != nil {
			return &FieldError{Field: f + ".tenant", Problem: "must be a tenant id or \"*\" (every tenant)"}
		}
	}
	return nil
}

// checkUsername keeps usernames printable and short: they are recorded
// as the actor of verdicts and comments, and logged on a failed login.
func checkUsername(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("required, at most 64 characters")
	}
	for _, r := range name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return errors.New("no spaces or control characters")
		}
	}
	return nil
}

// checkPasswordHash accepts a bcrypt hash of cost MinPasswordCost or more
// and says, without echoing it, why anything else is refused.
func checkPasswordHash(h Secret) error {
	v := h.Reveal()
	if v == "" {
		return errors.New("required: a bcrypt hash made by `alertsync console hash-password`")
	}
	cost, err := bcrypt.Cost([]byte(v))
	if err != nil || !strings.HasPrefix(v, "$2") {
		return errors.New("not a bcrypt hash (a clear password is refused): make one with `alertsync console hash-password`")
	}
	if cost < MinPasswordCost {
		return fmt.Errorf("bcrypt cost %d is below %d: make a new hash with `alertsync console hash-password`", cost, MinPasswordCost)
	}
	return nil
}
