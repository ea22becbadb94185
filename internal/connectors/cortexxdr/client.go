package cortexxdr

import (
	"context"
	"encoding/json"
	"net/http"

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
