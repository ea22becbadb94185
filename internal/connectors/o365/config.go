package o365

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// Defaults for the Enterprise plan. Government plans have hosts of their
// own (base_url); for those alertsync asks tokens for the same host
// unless scope says otherwise.
const (
	DefaultBase  = "https://manage.office.com"
	DefaultScope = DefaultBase + "/.default"
)

// sovereignScopes are the token scopes of the government plans' hosts,
// used when base_url names one and scope is left at its default.
var sovereignScopes = map[string]string{
	"manage-gcc.office.com":      "https://manage-gcc.office.com/.default",
	"manage.office365.us":        "https://manage.office365.us/.default",
	"manage.protection.apps.mil": "https://manage.protection.apps.mil/.default",
}

// ContentTypes are the content types the API documents; all are read
// unless content_types says otherwise.
var ContentTypes = []string{"Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"}

// maxWindow is the widest content listing the API serves whole.
const maxWindow = 24 * time.Hour

var api = entra.API{
	BaseField:   "base_url",
	BaseDefault: DefaultBase,
	BaseDescription: "Management Activity API host: https://manage.office.com (Enterprise), https://manage-gcc.office.com (GCC), " +
		"https://manage.office365.us (GCC High) or https://manage.protection.apps.mil (DoD); government plans also need their token_url.",
	ScopeDefault: DefaultScope,
}

// Config is the decoded settings of one Office 365 integration.
type Config struct {
	entra.App                    // tenant_id, client_id, client_secret, token_url, scope
	BaseURL             string   `json:"base_url"`
	ContentTypes        []string `json:"content_types"`
	PublisherIdentifier string   `json:"publisher_identifier"`
	RequestsPerMinute   int      `json:"requests_per_minute"`
	Window              string   `json:"window"`
	Overlap             string   `json:"overlap"`
}

// Spec declares the settings; the Entra app's come first, as in every
// Microsoft connector.
var Spec = slices.Concat(entra.AppSpec(api,
	"Application (client) ID of the app registration; it needs the Office 365 Management APIs application permission "+
		"ActivityFeed.Read (and ActivityFeed.ReadDlp for DLP.All's sensitive data). tenant_id must be the tenant GUID: the API's URLs take no domain."),
	connector.ConfigSpec{
		{Name: "content_types", Type: connector.TypeList, Default: slices.Clone(ContentTypes),
			Description: "Content types to subscribe to and read: " + strings.Join(ContentTypes, ", ") + "."},
		{Name: "publisher_identifier", Type: connector.TypeString, Default: "",
			Description: "PublisherIdentifier sent on every call, which picks the throttling pool. Empty means tenant_id: " +
				"Microsoft's guidance for a client reading its own company's tenant; an ISV sets its own tenant GUID."},
		{Name: "requests_per_minute", Type: connector.TypeInt, Default: 2000,
			Description: "The tenant's request quota per minute (a baseline of 2,000; E5 tenants get about twice that); alertsync spends at most 90% of it. 0 disables the local budget."},
		{Name: "window", Type: connector.TypeDuration, Default: "1h",
			Description: "Longest time range one content listing asks for, up to 24h (the API's limit); catching up after downtime reads this much per request."},
		{Name: "overlap", Type: connector.TypeDuration, Default: "1h",
			Description: "How far back each poll lists content again, at most window, so a blob made available late for an earlier time is still read; blobs already read are skipped."},
	})

// settings is Config checked and turned into what the connector uses.
type settings struct {
	entra        entra.Checked
	tenant       string
	publisher    string
	contentTypes []string
	window       time.Duration
	overlap      time.Duration
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (c Config) check() (settings, error) {
	s := settings{tenant: strings.TrimSpace(c.TenantID), publisher: strings.TrimSpace(c.PublisherIdentifier)}
	var err error
	if s.entra, err = api.Check(c.App, c.BaseURL); err != nil {
		return s, err
	}
	if !guidRE.MatchString(s.tenant) {
		return s, &connector.FieldError{Field: "tenant_id", Problem: "want the tenant GUID: Management Activity API URLs take no domain name"}
	}
	if s.publisher == "" {
		s.publisher = s.tenant
	}
	if !guidRE.MatchString(s.publisher) {
		return s, &connector.FieldError{Field: "publisher_identifier", Problem: "want a tenant GUID"}
	}
	if s.contentTypes, err = checkContentTypes(c.ContentTypes); err != nil {
		return s, err
	}
	if s.window, err = duration("window", c.Window, "1h"); err != nil {
		return s, err
	}
	if s.window <= 0 || s.window > maxWindow {
		return s, &connector.FieldError{Field: "window", Problem: "want more than 0 and at most 24h"}
	}
	if s.overlap, err = duration("overlap", c.Overlap, "1h"); err != nil {
		return s, err
	}
	if s.overlap < 0 || s.overlap > s.window {
		return s, &connector.FieldError{Field: "overlap", Problem: "want 0 to window (" + s.window.String() + ")"}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	}
	s.entra.Scope = scopeFor(c.Scope, s.entra)
	return s, nil
}

// scopeFor asks tokens for a government plan's own host when base_url
// names one and the scope was left at the Enterprise default.
func scopeFor(configured string, e entra.Checked) string {
	if configured != "" && configured != DefaultScope {
		return e.Scope
	}
	if u, err := url.Parse(e.Base); err == nil {
		if s, ok := sovereignScopes[strings.ToLower(u.Host)]; ok {
			return s
		}
	}
	return e.Scope
}

func checkContentTypes(in []string) ([]string, error) {
	if len(in) == 0 {
		return slices.Clone(ContentTypes), nil
	}
	var out []string
	for _, ct := range in {
		i := slices.IndexFunc(ContentTypes, func(k string) bool { return strings.EqualFold(k, strings.TrimSpace(ct)) })
		if i < 0 {
			return nil, &connector.FieldError{Field: "content_types", Problem: fmt.Sprintf("%q is not one of %s", ct, strings.Join(ContentTypes, ", "))}
		}
		if !slices.Contains(out, ContentTypes[i]) {
			out = append(out, ContentTypes[i])
		}
	}
	return out, nil
}

func duration(field, v, def string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, &connector.FieldError{Field: field, Problem: "want a duration such as \"1h\""}
	}
	return d, nil
}
