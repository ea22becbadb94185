package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// EvidenceResult counts what one IngestEvidence call did.
type EvidenceResult struct {
	Stored      int `json:"stored"`
	Duplicate   int `json:"duplicate"`
	Quarantined int `json:"quarantined"`
}

// IngestEvidence stores a page of audit-log records for one integration.
// A record seen before (same vendor id) is stored once; one the
// connector could not map, or whose id cannot be stored, is quarantined
// with its reason. Records are linked to alerts by the users and IPs they
// name when a timeline is read, so a record that arrives before its
// alert, or after, is linked all the same.
func (e *Engine) IngestEvidence(ctx context.Context, integration string, items []connector.EvidenceItem) (EvidenceResult, error) {
	var total EvidenceResult
	for start := 0; start < len(items); start += e.batch {
		chunk := items[start:min(start+e.batch, len(items))]
		var res EvidenceResult
		err := e.withTx(ctx, func(tx store.Tx) error {
			var err error
			res, err = e.ingestEvidence(ctx, tx, integration, chunk)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("ingest evidence of %s: %w", integration, err)
		}
		total.Stored += res.Stored
		total.Duplicate += res.Duplicate
		total.Quarantined += res.Quarantined
	}
	return total, nil
}

func (e *Engine) ingestEvidence(ctx context.Context, tx store.Tx, integration string, items []connector.EvidenceItem) (EvidenceResult, error) {
	var res EvidenceResult
	now := e.Now()
	seen := make(map[string]bool, len(items))
	recs := make([]*model.Evidence, 0, len(items))
	for _, it := range items {
		ev, err := evidenceOf(integration, it, now)
		if err != nil {
			bad := connector.Item{VendorID: it.VendorID, Raw: it.Raw, Err: err}
			if err := e.quarantine(ctx, tx, integration, bad, now); err != nil {
				return res, err
			}
			res.Quarantined++
			continue
		}
		if seen[ev.VendorID] {
			res.Duplicate++
			continue
		}
		seen[ev.VendorID] = true
		recs = append(recs, ev)
	}
	n, err := tx.EvidenceInsertBatch(ctx, recs)
	if err != nil {
		return res, err
	}
	res.Stored = n
	res.Duplicate += len(recs) - n
	return res, nil
}

// evidenceOf checks and completes one fetched record.
func evidenceOf(integration string, it connector.EvidenceItem, now time.Time) (*model.Evidence, error) {
	if it.Err != nil {
		return nil, it.Err
	}
	if it.Evidence == nil {
		return nil, fmt.Errorf("connector returned no evidence")
	}
	ev := *it.Evidence
	if ev.VendorID == "" {
		ev.VendorID = it.VendorID
	}
	if err := model.CheckVendorID(ev.VendorID); err != nil {
		return nil, err
	}
	if ev.OccurredAt.IsZero() {
		return nil, fmt.Errorf("record %s has no time", ev.VendorID)
	}
	ev.Integration = integration
	ev.IngestedAt = now
	ev.OccurredAt = ev.OccurredAt.UTC()
	if len(ev.Raw) == 0 {
		ev.Raw = it.Raw
	}
	ev.Entities = ev.Entities.Normalize()
	ev.Sanitize()
	return &ev, nil
}
