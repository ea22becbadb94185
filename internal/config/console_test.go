package config

import (
	"strings"
	"testing"
	"time"
)

// hashOfStaple is a bcrypt hash (cost 10) of "correct horse battery
// staple"; lowCost is one of cost 4.
const (
	hashOfStaple = "$2a$10$upEMVwBh8z0GSEe4G1OFMudCAPgnRWvR3sZAUKLHXyRpdHLo2suJ."
	lowCost      = "$2a$04$I2eEkRXndBWodANUjw2jD.sHRAAVa/zybwGx6ijc6x5oEcsgAqi/i"
)

func TestConsoleUsersLoad(t *testing.T) {
	t.Setenv("TEST_CONSOLE_HASH", hashOfStaple)
	cfg, err := Load(writeConfig(t, `console:
  session_ttl: 2h
  users:
    - {username: ada, password_hash: "`+hashOfStaple+`", role: admin}
    - {username: op, password_hash: "${env:TEST_CONSOLE_HASH}", role: admin, tenant: "*"}
    - {username: vic@acme, password_hash: "`+hashOfStaple+`", role: viewer, tenant: acme}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Console
	if c.SessionTTL != 2*time.Hour || len(c.Users) != 3 || c.Users[1].PasswordHash.Reveal() != hashOfStaple ||
		c.Users[2].Tenant != "acme" || c.Users[0].Role != "admin" {
		t.Fatalf("console = %+v", c)
	}
}

func TestConsoleUsersInvalid(t *testing.T) {
	user := func(fields string) string { return "console:\n  users:\n    - {" + fields + "}\n" }
	good := `username: ada, password_hash: "` + hashOfStaple + `", role: admin`
	tests := []struct {
		name, body, field, problem string
	}{
		{"no username", user(`password_hash: "` + hashOfStaple + `", role: admin`), "console.users[0].username", "required"},
		{"space in username", user(`username: "a b", password_hash: "` + hashOfStaple + `", role: admin`), "console.users[0].username", "no spaces"},
		{"duplicate", "console:\n  users:\n    - {" + good + "}\n    - {" + good + "}\n", "console.users[1].username", "duplicate"},
		{"no hash", user(`username: ada, role: admin`), "console.users[0].password_hash", "required"},
		{"clear password", user(`username: ada, password_hash: "correct horse battery staple", role: admin`),
			"console.users[0].password_hash", "a clear password is refused"},
		{"weak hash", user(`username: ada, password_hash: "` + lowCost + `", role: admin`), "console.users[0].password_hash", "cost 4 is below 10"},
		{"role", user(`username: ada, password_hash: "` + hashOfStaple + `", role: operator`), "console.users[0].role", "viewer, analyst or admin"},
		{"tenant", user(good + `, tenant: "Acme Corp"`), "console.users[0].tenant", "tenant id"},
		{"ttl too short", "console:\n  session_ttl: 10s\n", "console.session_ttl", "between"},
		{"ttl too long", "console:\n  session_ttl: 1000h\n", "console.session_ttl", "between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.field+":") || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("error %v, want %s: ...%s...", err, tt.field, tt.problem)
			}
			if strings.Contains(err.Error(), "battery") || strings.Contains(err.Error(), "$2a$") {
				t.Fatalf("the error echoes the value: %v", err)
			}
		})
	}
}
