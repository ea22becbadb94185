package store

import (
	"context"
	"time"
)

// ConsoleSessions are the web console's logged-in browsers, kept in the
// database so that a session outlives a restart and every replica behind
// a balancer honours it. A session belongs to the tenant of the person
// who logged in (an operator's to the default tenant), is found by a
// digest of its id (the id itself is only ever in the browser's cookie),
// and is gone when it expires or its owner logs out.
type ConsoleSessions interface {
	// SessionCreate stores a new session.
	SessionCreate(ctx context.Context, s ConsoleSession) error
	// SessionGet returns the session with digest unless it expired by
	// now; ErrNotFound otherwise.
	SessionGet(ctx context.Context, digest []byte, now time.Time) (ConsoleSession, error)
	// SessionSetTenant records the tenant an operator's session now acts
	// in; ErrNotFound when the session is gone.
	SessionSetTenant(ctx context.Context, digest []byte, tenant string) error
	// SessionDelete ends a session; ending one that is gone is no error.
	SessionDelete(ctx context.Context, digest []byte) error
	// SessionPrune deletes up to batch sessions that expired by now and
	// reports how many it deleted, so a sweep never holds one long
	// transaction.
	SessionPrune(ctx context.Context, now time.Time, batch int) (int, error)
}

// ConsoleSession is one logged-in browser. It holds no secret: Digest is
// a digest of the random session id, and Seed only derives, together
// with that id, the session's CSRF token and its tie to the credential.
type ConsoleSession struct {
	Digest []byte
	// Principal, Role and Home are who logged in, as the token or user
	// that granted the session named them: Home is the principal's
	// tenant, or "*" for a provider's operator.
	Principal string
	Role      string
	Home      string
	// Credential says what was presented: "token" or "user".
	Credential string
	// Binding ties the session to the credential's current value (see
	// the console), so replacing a token or a password ends it.
	Binding []byte
	// Seed is random per session.
	Seed []byte
	// Acting is the tenant the session acts in: Home, or the tenant an
	// operator picked.
	Acting    string
	CreatedAt time.Time
	ExpiresAt time.Time
}
