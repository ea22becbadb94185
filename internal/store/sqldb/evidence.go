package sqldb

import (
	"context"
	"fmt"
	"slices"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

const (
	evidenceCols = `id, integration, vendor_id, source, operation, summary, result,
	occurred_at, ingested_at, entities, raw`
	// evidenceWidth is the number of writable evidence columns.
	evidenceWidth = 10
	// evidenceRows bounds one multi-row insert of records.
	evidenceRows = 200
)

func scanEvidence(s scanner) (model.Evidence, error) {
	var (
		e                  model.Evidence
		occurred, ingested int64
		entities           []byte
	)
	err := s.Scan(&e.ID, &e.Integration, &e.VendorID, &e.Source, &e.Operation, &e.Summary,
		&e.Result, &occurred, &ingested, &entities, (*[]byte)(&e.Raw))
	if err != nil {
		return e, err
	}
	e.OccurredAt, e.IngestedAt = fromMicros(occurred), fromMicros(ingested)
	return e, unmarshalText(entities, &e.Entities)
}

// linkValues are the entity values that link a record to alerts: its
// users and IPs, the observables an audit log and an alert share.
func linkValues(e *model.Evidence) []string {
	out := append(slices.Clone(e.Entities.Users), e.Entities.IPs...)
	slices.Sort(out)
	return slices.Compact(out)
}

// EvidenceInsertBatch stores the records not stored yet, with their link
// values, in multi-row statements; a record seen again is skipped.
func (t *tx) EvidenceInsertBatch(ctx context.Context, ev []*model.Evidence) (int, error) {
	n := 0
	for chunk := range chunks(ev, evidenceRows) {
		k, err := t.insertEvidenceChunk(ctx, chunk)
		if err != nil {
			return n, fmt.Errorf("insert evidence: %w", err)
		}
		n += k
	}
	return n, nil
}

func (t *tx) insertEvidenceChunk(ctx context.Context, chunk []*model.Evidence) (int, error) {
	args := make([]any, 0, len(chunk)*evidenceWidth)
	byVendor := make(map[string]*model.Evidence, len(chunk))
	for _, e := range chunk {
		entities, err := jsonText(e.Entities)
		if err != nil {
			return 0, err
		}
		args = append(args, e.Integration, e.VendorID, e.Source, e.Operation, e.Summary, e.Result,
			micros(e.OccurredAt), micros(e.IngestedAt), entities, blob(e.Raw))
		byVendor[e.Integration+"\x00"+e.VendorID] = e
	}
	q := `INSERT INTO evidence (tenant, integration, vendor_id, source, operation, summary, result,
	occurred_at, ingested_at, entities, raw) VALUES ` + tenantValues(len(chunk), evidenceWidth) +
		` ON CONFLICT (tenant, integration, vendor_id) DO NOTHING RETURNING id, integration, vendor_id`
	rows, err := t.queryDyn(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var fresh []*model.Evidence
	err = each(rows, func(s scanner) (*model.Evidence, error) {
		var (
			id       int64
			integ, v string
		)
		err := s.Scan(&id, &integ, &v)
		t.addRows(1)
		e := byVendor[integ+"\x00"+v]
		if e != nil {
			e.ID = id
		}
		return e, err
	}, func(e *model.Evidence) {
		if e != nil {
			fresh = append(fresh, e)
		}
	})
	if err != nil {
		return 0, err
	}
	return len(fresh), t.linkEvidence(ctx, fresh)
}

// linkEvidence indexes new records by their link values.
func (t *tx) linkEvidence(ctx context.Context, fresh []*model.Evidence) error {
	var args []any
	for _, e := range fresh {
		for _, v := range linkValues(e) {
			args = append(args, v, micros(e.OccurredAt), e.ID)
		}
	}
	for part := range chunks(args, 3*batchRows) {
		q := `INSERT INTO evidence_entities (tenant, value, occurred_at, evidence_id) VALUES ` +
			tenantValues(len(part)/3, 3) + ` ON CONFLICT DO NOTHING`
		if err := t.execDyn(ctx, q, part...); err != nil {
			return fmt.Errorf("link evidence: %w", err)
		}
	}
	return nil
}

// EvidenceList lists records by link values in a time range, or an
// integration's records by id.
func (c *conn) EvidenceList(ctx context.Context, p store.EvidenceListParams) ([]model.Evidence, error) {
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.Integration != "", "integration = ?", p.Integration)
	order := " ORDER BY id"
	if len(p.Values) > 0 {
		sub := where{}
		sub.add(true, "tenant = "+tenantMark)
		sub.add(true, "value IN ("+marks(len(p.Values))+")", anys(p.Values)...)
		sub.add(!p.From.IsZero(), "occurred_at >= ?", micros(p.From))
		sub.add(!p.To.IsZero(), "occurred_at < ?", micros(p.To))
		w.add(true, "id IN (SELECT evidence_id FROM evidence_entities"+sub.sql()+")", sub.args...)
		order = " ORDER BY occurred_at, id"
	}
	w.add(p.AfterID > 0, "id > ?", p.AfterID)
	q := `SELECT ` + evidenceCols + ` FROM evidence` + w.sql() + order + ` LIMIT CAST(? AS INTEGER)`
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	out, err := collect(rows, scanEvidence)
	if err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	return out, nil
}

// EvidenceCounts counts an integration's records and those sharing a
// link value with some alert.
func (c *conn) EvidenceCounts(ctx context.Context, integration string) (store.EvidenceCounts, error) {
	var n store.EvidenceCounts
	q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM evidence_entities ee
	JOIN alert_entities ae ON ae.tenant = ee.tenant AND ae.value = ee.value
	WHERE ee.tenant = e.tenant AND ee.evidence_id = e.id) THEN 1 ELSE 0 END), 0)
	FROM evidence e WHERE e.tenant = :tenant AND e.integration = ?`
	rows, err := c.queryDyn(ctx, q, integration)
	if err != nil {
		return n, fmt.Errorf("count evidence: %w", err)
	}
	err = each(rows, func(s scanner) (store.EvidenceCounts, error) {
		var v store.EvidenceCounts
		return v, s.Scan(&v.Stored, &v.Linked)
	}, func(v store.EvidenceCounts) { n = v })
	if err != nil {
		return n, fmt.Errorf("count evidence: %w", err)
	}
	return n, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
