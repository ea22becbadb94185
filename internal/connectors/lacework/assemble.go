package lacework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// scopeResult is one scope's content, or why Lacework could not give it.
type scopeResult struct {
	data json.RawMessage
	gap  string
}

// assemble returns the items of picks: each alert as the listed alert
// plus a "scopes" object of its six scopes' content (and "scopeGaps" for
// those Lacework refused for good), mapped. At most alert_concurrency
// alerts are assembled at once, each fetching its six scopes together, so
// Lacework sees at most six times that many scope requests in flight and
// an alert's latency is one scope call, not six. The first failure that
// is not a gap stops the rest and fails the call: no alert is returned
// without all its scopes.
func (c *core) assemble(ctx context.Context, picks []pick) ([]connector.Item, error) {
	results := make([][]scopeResult, len(picks))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, c.s.concurrency)
	var wg sync.WaitGroup
	for i, p := range picks {
		if p.id == "" {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		results[i] = make([]scopeResult, len(scopes))
		wg.Go(func() {
			defer func() { <-sem }()
			c.assembleOne(ctx, cancel, p.id, results[i])
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	items := make([]connector.Item, len(picks))
	for i, p := range picks {
		if p.id == "" {
			items[i] = mapAlert(c.id, p.raw) // does not decode: quarantined with its raw item
			continue
		}
		raw, err := assembled(p.raw, results[i])
		if err != nil {
			items[i] = connector.Item{VendorID: p.id, Raw: p.raw, Err: fmt.Errorf("assemble lacework alert %s: %w", p.id, err)}
			continue
		}
		items[i] = mapAlert(c.id, raw)
	}
	return items, nil
}

// assembleOne fetches the six scopes of one alert together into out; a
// failure cancels the whole assembly with its cause.
func (c *core) assembleOne(ctx context.Context, cancel context.CancelCauseFunc, id string, out []scopeResult) {
	var wg sync.WaitGroup
	for j, name := range scopes {
		wg.Go(func() {
			r, err := c.fetchScope(ctx, id, name)
			if err != nil {
				cancel(err)
				return
			}
			out[j] = r
		})
	}
	wg.Wait()
}

// fetchScope fetches one scope of one alert, asking again after a
// retryable failure (waiting, and giving the slot back meanwhile) up to
// the attempt limit. A scope Lacework refuses for good is a gap.
func (c *core) fetchScope(ctx context.Context, id, name string) (scopeResult, error) {
	for attempt := 1; ; attempt++ {
		data, err := c.scopeOnce(ctx, id, name)
		if err == nil {
			return scopeResult{data: data}, nil
		}
		if why, ok := gapOf(err); ok {
			c.log.WarnContext(ctx, "lacework alert scope unavailable", "alert", id, "scope", name, "err", err)
			return scopeResult{gap: why}, nil
		}
		if connector.ClassOf(err) != connector.ClassRetryable || attempt >= c.attempts || ctx.Err() != nil {
			return scopeResult{}, fmt.Errorf("fetch scope %s of lacework alert %s: %w", name, id, err)
		}
		c.log.DebugContext(ctx, "lacework alert scope failed; retrying", "alert", id, "scope", name, "attempt", attempt, "err", err)
		if err := httpkit.Sleep(ctx, c.retryWait(attempt), "wait to retry a scope"); err != nil {
			return scopeResult{}, err
		}
	}
}

// scopeOnce makes one scope request.
func (c *core) scopeOnce(ctx context.Context, id, name string) (json.RawMessage, error) {
	var rep scopeReply
	ref := "api/v2/Alerts/" + url.PathEscape(id) + "?" + url.Values{"scope": {name}}.Encode()
	if err := c.client.GetJSON(ctx, ref, &rep); err != nil {
		return nil, err
	}
	return rep.Data, nil
}

// gapOf says whether err means Lacework will never give the scope (404,
// or another 4xx that is not about credentials, conflicts or the rate),
// and how the note words it ("404 not found").
func gapOf(err error) (string, bool) {
	var ce *connector.Error
	if !errors.As(err, &ce) || (ce.Class != connector.ClassNotFound && ce.Class != connector.ClassPermanent) || ce.Status == 0 {
		return "", false
	}
	return fmt.Sprintf("%d %s", ce.Status, strings.ToLower(http.StatusText(ce.Status))), true
}

// retryWait is the wait before attempt+1: the base doubled each time, at
// most retryMax, with up to a fifth more at random so retries of many
// scopes do not arrive together.
func (c *core) retryWait(attempt int) time.Duration {
	d := min(c.backoff<<(attempt-1), retryMax)
	return d + rand.N(d/5+1)
}

// assembled is the listed alert item with its scopes: "scopes" maps each
// scope name to its content (null for a gap) and "scopeGaps" each gap to
// its reason. The item's own fields are kept as Lacework sent them.
func assembled(item json.RawMessage, res []scopeResult) (json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(item, &doc); err != nil {
		return nil, err
	}
	sc := make(map[string]json.RawMessage, len(scopes))
	gaps := map[string]string{}
	for j, name := range scopes {
		switch r := res[j]; {
		case r.gap != "":
			gaps[name], sc[name] = r.gap, json.RawMessage("null")
		case len(r.data) == 0:
			sc[name] = json.RawMessage("null")
		default:
			sc[name] = r.data
		}
	}
	var err error
	if doc["scopes"], err = json.Marshal(sc); err != nil {
		return nil, err
	}
	if len(gaps) > 0 {
		doc["scopeGaps"], _ = json.Marshal(gaps) // strings always encode
	}
	return json.Marshal(doc)
}
