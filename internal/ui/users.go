package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
)

// HashCost is the bcrypt cost of the hashes HashPassword makes: about a
// quarter of a second a login on one core, which makes guessing at a
// stolen hash slow.
const HashCost = 12

// HashPassword makes the bcrypt hash a console user's password_hash
// holds (`alertsync console hash-password`).
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("hash a password: the password is empty")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), HashCost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return "", errors.New("hash a password: bcrypt takes at most 72 bytes of password")
	}
	if err != nil {
		return "", errors.New("hash a password: " + err.Error())
	}
	return string(h), nil
}

// users are the console's configured users: people who log in with a
// username and a password and act as the role and tenant configured for
// them, exactly as a token with that role and tenant would.
type users struct {
	list []userEntry
	// decoy is a hash of the same cost as the users' own, checked when a
	// username is unknown, so the answer takes as long as for a known
	// one.
	decoy func() []byte
}

type userEntry struct {
	name [sha256.Size]byte
	who  api.Principal
	hash []byte
	// digest keys the sessions' bindings: a new password hash ends the
	// user's sessions.
	digest [sha256.Size]byte
}

func newUsers(cfg []config.ConsoleUser, log *slog.Logger) *users {
	u := &users{}
	cost := bcrypt.DefaultCost
	for _, c := range cfg {
		who, ok := api.PrincipalOf(c.Username, api.Role(c.Role), c.Tenant)
		if !ok {
			log.Warn("console user ignored: unknown role", "username", c.Username, "role", c.Role)
			continue
		}
		hash := []byte(c.PasswordHash.Reveal())
		if n, err := bcrypt.Cost(hash); err == nil {
			cost = max(cost, n)
		}
		u.list = append(u.list, userEntry{name: sha256.Sum256([]byte(c.Username)), who: who, hash: hash, digest: sha256.Sum256(hash)})
	}
	u.decoy = sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
		return h
	})
	return u
}

// configured reports whether the console takes usernames and passwords at all.
func (u *users) configured() bool { return len(u.list) > 0 }

// check returns who username is when password is theirs, with a binding
// of the session to the user's current hash. Every username is compared
// in constant time, and exactly one bcrypt comparison runs whether the
// username is known or not.
func (u *users) check(username, password string, salt []byte) (api.Principal, []byte, bool) {
	name := sha256.Sum256([]byte(username))
	var found *userEntry
	for i := range u.list {
		if subtle.ConstantTimeCompare(name[:], u.list[i].name[:]) == 1 && found == nil {
			found = &u.list[i]
		}
	}
	if found == nil {
		_ = bcrypt.CompareHashAndPassword(u.decoy(), []byte(password))
		return api.Principal{}, nil, false
	}
	if bcrypt.CompareHashAndPassword(found.hash, []byte(password)) != nil {
		return api.Principal{}, nil, false
	}
	return found.who, api.Bind(found.digest[:], salt), true
}

// bound is api.Authenticator.Bound for users: a user configured now with
// who's name, role and tenant and the hash binding was made with.
func (u *users) bound(who api.Principal, salt, binding []byte) bool {
	found := 0
	for _, e := range u.list {
		same := subtle.ConstantTimeCompare(api.Bind(e.digest[:], salt), binding)
		if e.who == who {
			found |= same
		}
	}
	return found == 1
}
