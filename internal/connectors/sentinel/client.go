package sentinel

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// base is the workspace's Microsoft.SecurityInsights path.
func base(cfg Config) string {
	return "subscriptions/" + url.PathEscape(cfg.SubscriptionID) +
		"/resourceGroups/" + url.PathEscape(cfg.ResourceGroup) +
		"/providers/Microsoft.OperationalInsights/workspaces/" + url.PathEscape(cfg.WorkspaceName) +
		"/providers/Microsoft.SecurityInsights"
}

func (c *Connector) incidentRef(name, suffix string) string {
	return base(c.cfg) + "/incidents/" + url.PathEscape(name) + suffix + "?api-version=" + APIVersion
}

// listRef lists incidents changed after from (all when zero), oldest
// change first, top at a time. Incidents_List declares $filter and
// $orderby, but that the service filters and orders on
// properties/lastModifiedTimeUtc is unconfirmed [U]; a refusal switches
// the connector to plainListRef (see fallback.go).
func (c *Connector) listRef(from time.Time, top int) string {
	q := []string{"api-version=" + APIVersion}
	if !from.IsZero() {
		q = append(q, "$filter="+escape("properties/lastModifiedTimeUtc gt "+from.UTC().Format(time.RFC3339Nano)))
	}
	q = append(q, "$orderby="+escape("properties/lastModifiedTimeUtc asc"), "$top="+strconv.Itoa(top))
	return base(c.cfg) + "/incidents?" + strings.Join(q, "&")
}

// plainListRef lists every incident, top at a time, in the service's
// order, with nothing but the documented $top (later pages come from
// nextLink, which carries $skipToken).
func (c *Connector) plainListRef(top int) string {
	return base(c.cfg) + "/incidents?api-version=" + APIVersion + "&$top=" + strconv.Itoa(top)
}

// escape encodes an OData expression with %20 for spaces, which every
// OData server reads as a space ("+" is not universally accepted).
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// memberAlerts returns the SystemAlertIds of an incident's alerts
// (Incidents_ListAlerts is a POST without a body and is not paged).
func (c *Connector) memberAlerts(ctx context.Context, name string) ([]string, error) {
	req, err := c.client.NewRequest(ctx, http.MethodPost, c.incidentRef(name, "/alerts"), nil)
	if err != nil {
		return nil, err
	}
	var l alertList
	if err := c.client.DoJSON(ctx, req, &l); err != nil {
		return nil, err
	}
	return memberIDs(l), nil
}
