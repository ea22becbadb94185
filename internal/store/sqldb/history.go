package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func scanRevision(s scanner) (model.Revision, error) {
	var (
		r       model.Revision
		changes []byte
		at      int64
	)
	err := s.Scan(&r.ID, &r.Kind, &r.ObjectID, &r.Seq, &r.Actor.Kind,
		&r.Actor.Name, &r.Reason, &changes, (*[]byte)(&r.Snapshot), &at)
	if err != nil {
		return r, err
	}
	r.At = fromMicros(at)
	return r, unmarshalText(changes, &r.Changes)
}

// RevisionList returns one object's history after AfterSeq, oldest first.
func (c *conn) RevisionList(ctx context.Context, p store.RevisionListParams) ([]model.Revision, error) {
	rows, err := c.query(ctx, qRevisionList, string(p.Kind), p.ObjectID, p.AfterSeq, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	out, err := collect(rows, scanRevision)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	return out, nil
}

// RevisionAppend appends one revision; a seq already taken is ErrConflict.
func (t *tx) RevisionAppend(ctx context.Context, r model.Revision) error {
	changes, err := jsonText(r.Changes)
	if err == nil {
		err = t.exec(ctx, qRevisionAppend, string(r.Kind), r.ObjectID, r.Seq,
			string(r.Actor.Kind), r.Actor.Name, r.Reason, changes, blob(r.Snapshot), micros(r.At))
	}
	if err != nil {
		return fmt.Errorf("append revision: %w", err)
	}
	return nil
}

func scanComment(s scanner) (model.Comment, error) {
	var (
		c   model.Comment
		at  int64
		key sql.NullString
	)
	err := s.Scan(&c.ID, &c.Kind, &c.ObjectID, &c.Author.Kind, &c.Author.Name, &c.Body, &at, &key)
	c.At, c.RequestKey = fromMicros(at), key.String
	return c, err
}

// CommentList returns the comments on one object in the order added.
func (c *conn) CommentList(ctx context.Context, kind model.Kind, objectID int64) ([]model.Comment, error) {
	rows, err := c.query(ctx, qCommentList, string(kind), objectID)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out, err := collect(rows, scanComment)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// CommentByRequestKey returns the comment stored on an object under a
// client's request key.
func (t *tx) CommentByRequestKey(ctx context.Context, kind model.Kind, objectID int64, key string) (model.Comment, error) {
	row, err := t.queryRow(ctx, qCommentByRequestKey, string(kind), objectID, key)
	if err != nil {
		return model.Comment{}, fmt.Errorf("get comment by request key: %w", err)
	}
	c, err := scanComment(row)
	if err != nil {
		return c, fmt.Errorf("get comment by request key: %w", notFound(err))
	}
	return c, nil
}

// CommentAdd stores a comment and sets c.ID. A RequestKey already used
// on the object is a conflict.
func (t *tx) CommentAdd(ctx context.Context, c *model.Comment) error {
	id, err := t.insertID(ctx, qCommentAdd, string(c.Kind), c.ObjectID,
		string(c.Author.Kind), c.Author.Name, c.Body, micros(c.At), nullText(c.RequestKey))
	if err != nil {
		return fmt.Errorf("add comment: %w", err)
	}
	c.ID = id
	return nil
}

func scanQuarantine(s scanner) (store.QuarantineEntry, error) {
	var (
		q  store.QuarantineEntry
		at int64
	)
	err := s.Scan(&q.ID, &q.Integration, &q.VendorID, &q.Reason, (*[]byte)(&q.Payload), &at)
	q.At = fromMicros(at)
	return q, err
}

// QuarantineList pages quarantined payloads by id.
func (c *conn) QuarantineList(ctx context.Context, p store.QuarantineListParams) ([]store.QuarantineEntry, error) {
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.Integration != "", "integration = ?", p.Integration)
	w.add(true, "id > ?", p.AfterID)
	q := "SELECT " + quarantineCols + " FROM quarantine" + w.sql() + " ORDER BY id LIMIT CAST(? AS INTEGER)"
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	out, err := collect(rows, scanQuarantine)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return out, nil
}

// QuarantineAdd keeps a payload that could not be mapped.
func (t *tx) QuarantineAdd(ctx context.Context, q store.QuarantineEntry) error {
	err := t.exec(ctx, qQuarantineAdd, q.Integration, q.VendorID, q.Reason, blob(q.Payload), micros(q.At))
	if err != nil {
		return fmt.Errorf("add quarantine entry: %w", err)
	}
	return nil
}
