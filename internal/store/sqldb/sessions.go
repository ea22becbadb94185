package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

func scanSession(s scanner) (store.ConsoleSession, error) {
	var (
		cs               store.ConsoleSession
		created, expires int64
	)
	err := s.Scan(&cs.Digest, &cs.Principal, &cs.Role, &cs.Home, &cs.Credential, &cs.Binding, &cs.Seed,
		&cs.Acting, &created, &expires)
	cs.CreatedAt, cs.ExpiresAt = fromMicros(created), fromMicros(expires)
	return cs, err
}

// SessionCreate implements store.ConsoleSessions.
func (s *scope) SessionCreate(ctx context.Context, cs store.ConsoleSession) error {
	if len(cs.Digest) == 0 {
		return fmt.Errorf("create console session: no id digest")
	}
	err := s.WithTx(ctx, func(stx store.Tx) error {
		return stx.(*tx).exec(ctx, qSessionCreate, cs.Digest, cs.Principal, cs.Role, cs.Home, cs.Credential,
			cs.Binding, cs.Seed, cs.Acting, micros(cs.CreatedAt), micros(cs.ExpiresAt))
	})
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	return nil
}

// SessionGet implements store.ConsoleSessions.
func (s *scope) SessionGet(ctx context.Context, digest []byte, now time.Time) (store.ConsoleSession, error) {
	var out store.ConsoleSession
	err := s.read(ctx, func(c *conn) error {
		row, err := c.queryRow(ctx, qSessionGet, digest, micros(now))
		if err != nil {
			return err
		}
		out, err = scanSession(row)
		return notFound(err)
	})
	if err != nil {
		return out, fmt.Errorf("get console session: %w", err)
	}
	return out, nil
}

// SessionSetTenant implements store.ConsoleSessions.
func (s *scope) SessionSetTenant(ctx context.Context, digest []byte, tenant string) error {
	err := s.WithTx(ctx, func(stx store.Tx) error {
		return stx.(*tx).execOne(ctx, qSessionSetTenant, tenant, digest)
	})
	if err != nil {
		return fmt.Errorf("set a console session's tenant: %w", err)
	}
	return nil
}

// SessionDelete implements store.ConsoleSessions.
func (s *scope) SessionDelete(ctx context.Context, digest []byte) error {
	err := s.WithTx(ctx, func(stx store.Tx) error { return stx.(*tx).exec(ctx, qSessionDelete, digest) })
	if err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// SessionPrune implements store.ConsoleSessions.
func (s *scope) SessionPrune(ctx context.Context, now time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 100
	}
	var n int64
	err := s.WithTx(ctx, func(stx store.Tx) (err error) {
		n, err = stx.(*tx).execCount(ctx, qSessionPrune, micros(now), batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune console sessions: %w", err)
	}
	return int(n), nil
}
