package defendercloud

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// listRef is the subscription-scope Alerts_List request. The API takes no
// $filter or $top: it always lists every alert.
func listRef(subscriptionID string) string {
	return "subscriptions/" + url.PathEscape(subscriptionID) + "/providers/Microsoft.Security/alerts?api-version=" + APIVersion
}

// alertRef is the alert with ARM id armID (Alerts_GetSubscriptionLevel or
// Alerts_GetResourceGroupLevel), and actionRef a state action on it. The
// ARM id already carries the scope (subscription or resource group) and
// the location both URLs need.
func alertRef(armID string) string {
	return strings.TrimLeft(armID, "/") + "?api-version=" + APIVersion
}

func actionRef(armID, action string) string {
	return strings.TrimLeft(armID, "/") + "/" + action + "?api-version=" + APIVersion
}

// status reads the alert's current status: one ARM read, which the
// subscription's read budget (far larger than its write budget) affords
// before every state action.
func (c *Connector) status(ctx context.Context, armID string) (string, error) {
	var a alert
	if err := c.client.GetJSON(ctx, alertRef(armID), &a); err != nil {
		return "", err
	}
	return a.Properties.Status, nil
}

// index remembers the ARM id of each alert by systemAlertId, learnt from
// fetches, because state actions are addressed by location and name while
// the rest of alertsync (and Sentinel) knows an alert by systemAlertId.
// It holds one short string per alert the subscription keeps (Defender for
// Cloud retains alerts for 90 days).
type index struct {
	mu  sync.Mutex
	ids map[string]string
}

func (x *index) put(systemAlertID, armID string) {
	if systemAlertID == "" || armID == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids == nil {
		x.ids = map[string]string{}
	}
	x.ids[systemAlertID] = armID
}

func (x *index) get(systemAlertID string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	id, ok := x.ids[systemAlertID]
	return id, ok
}

func (x *index) drop(systemAlertID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.ids, systemAlertID)
}

var errFound = errors.New("alert found")

// armID returns the ARM id of an alert. On an index miss (an alert created
// since the last poll, or a restart) it walks the subscription's alerts,
// indexing every one it passes, until it meets the alert.
func (c *Connector) armID(ctx context.Context, systemAlertID string) (string, error) {
	if id, ok := c.index.get(systemAlertID); ok {
		return id, nil
	}
	err := httpkit.FollowNextLink(ctx, c.client, listRef(c.cfg.SubscriptionID), entra.ARMNextLink, func(page []rawAlert) error {
		found := false
		for _, r := range page {
			c.index.put(r.a.Properties.SystemAlertID, r.a.ID)
			found = found || r.a.Properties.SystemAlertID == systemAlertID
		}
		if found {
			return errFound
		}
		return nil
	})
	switch {
	case errors.Is(err, errFound):
	case err != nil:
		return "", err
	}
	if id, ok := c.index.get(systemAlertID); ok {
		return id, nil
	}
	return "", &connector.Error{Class: connector.ClassNotFound, Status: http.StatusNotFound,
		Message: "alert " + systemAlertID + " not found in subscription " + c.cfg.SubscriptionID}
}

// post sends a state action: no body, 204 No Content.
func (c *Connector) post(ctx context.Context, ref string) error {
	req, err := c.client.NewRequest(ctx, http.MethodPost, ref, nil)
	if err != nil {
		return err
	}
	return c.client.DoJSON(ctx, req, nil)
}
