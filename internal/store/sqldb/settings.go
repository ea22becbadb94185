package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

func scanIntegration(s scanner) (store.Integration, error) {
	var (
		in               store.Integration
		settings, policy []byte
		updated          int64
	)
	err := s.Scan(&in.ID, &in.Kind, &in.Name, &in.Enabled, &settings, &in.Secrets, &policy, &updated)
	in.Settings, in.Policy, in.UpdatedAt = settings, policy, fromMicros(updated)
	return in, err
}

// IntegrationList returns every configured integration by id.
func (c *conn) IntegrationList(ctx context.Context) ([]store.Integration, error) {
	rows, err := c.query(ctx, qIntegrationList)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	out, err := collect(rows, scanIntegration)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	return out, nil
}

// IntegrationGet returns one integration.
func (c *conn) IntegrationGet(ctx context.Context, id string) (store.Integration, error) {
	row, err := c.queryRow(ctx, qIntegrationGet, id)
	if err != nil {
		return store.Integration{}, fmt.Errorf("get integration: %w", err)
	}
	in, err := scanIntegration(row)
	if err != nil {
		return in, fmt.Errorf("get integration %q: %w", id, notFound(err))
	}
	return in, nil
}

// IntegrationUpsert creates or replaces an integration. Secrets are stored
// as the opaque bytes given.
func (t *tx) IntegrationUpsert(ctx context.Context, in store.Integration) error {
	err := t.exec(ctx, qIntegrationUpsert, in.ID, in.Kind, in.Name, in.Enabled,
		text(in.Settings), blob(in.Secrets), text(in.Policy), micros(in.UpdatedAt))
	if err != nil {
		return fmt.Errorf("upsert integration: %w", err)
	}
	return nil
}

// CursorGet returns a stream's saved position; ErrNotFound means the
// stream has never been read.
func (c *conn) CursorGet(ctx context.Context, integration, stream string) (string, error) {
	row, err := c.queryRow(ctx, qCursorGet, integration, stream)
	if err != nil {
		return "", fmt.Errorf("get cursor: %w", err)
	}
	var cur string
	if err := row.Scan(&cur); err != nil {
		return "", fmt.Errorf("get cursor: %w", notFound(err))
	}
	return cur, nil
}

// CursorSet saves a stream's position.
func (t *tx) CursorSet(ctx context.Context, integration, stream, cursor string, now time.Time) error {
	if err := t.exec(ctx, qCursorSet, integration, stream, cursor, micros(now)); err != nil {
		return fmt.Errorf("set cursor: %w", err)
	}
	return nil
}
