package cortexxdr

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
)

// The calls the connector makes, relative to base_url.
const (
	pathAlerts         = "public_api/v2/alerts/get_alerts_multi_events"
	pathUpdateAlerts   = "public_api/v1/alerts/update_alerts"
	pathIncidents      = "public_api/v1/incidents/get_incidents"
	pathExtraData      = "public_api/v1/incidents/get_incident_extra_data"
	pathMultiExtraData = "public_api/v1/incidents/get_multiple_incidents_extra_data"
	pathUpdateIncident = "public_api/v1/incidents/update_incident"
)

// extraDataPerMinute is get_incident_extra_data's documented quota.
const extraDataPerMinute = 10

// call posts {"request_data": data} to path and decodes the reply's
// content into out (nil discards it). Failures come classified by the
// kit, which reads Cortex XDR's {"reply":{"err_code","err_msg"}} envelope:
// 401 and 403 auth, 400 permanent, 429 rate-limited (undocumented;
// Retry-After honoured when sent), 5xx retryable.
func (c *core) call(ctx context.Context, path string, data, out any) error {
	var r reply[json.RawMessage]
	if err := c.client.SendJSON(ctx, http.MethodPost, path, request{RequestData: data}, &r); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Reply, out); err != nil {
		return &connector.Error{Class: connector.ClassRetryable, Message: "decode " + path + " reply", Err: c.client.Redactor().Error(err)}
	}
	return nil
}

// spend takes one request from a budget the kit's single limiter does not
// cover (get_incident_extra_data's 10 a minute). Like the kit, it gives up
// at once with a rate-limited error carrying the wait when the wait would
// outlast ctx's deadline.
func spend(ctx context.Context, l *rate.Limiter) error {
	now := time.Now()
	r := l.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(d)) {
		r.CancelAt(now)
		return &connector.Error{Class: connector.ClassRateLimited, RetryAfter: d, Message: "local get_incident_extra_data budget exhausted"}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return &connector.Error{Class: connector.ClassRetryable, Message: "wait for rate budget", Err: ctx.Err()}
	}
}
