// Package httpkit is the HTTP plumbing every vendor connector shares, so a
// vendor package is mostly mapping: authentication (OAuth2 client
// credentials, static bearer tokens, API keys), a per-integration rate
// budget, classification of vendor errors into *connector.Error, redaction
// of secrets from every error it builds, and next-link paging. What only
// one vendor family shares, such as a Microsoft Entra ID app and Azure
// Resource Manager's quirks, lives in its own sub-package (entra).
//
// The kit deliberately does not sleep and retry on 429 or 5xx: the outbox
// and the poller own retry policy and decide from the error class. The one
// retry it does make is after a 401, once, with a freshly fetched token,
// because an expired token is a local condition the vendor cannot fix.
package httpkit

// Version is the alertsync version sent in the User-Agent header. The
// release build sets it with -ldflags "-X <module>/internal/connector/httpkit.Version=...".
var Version = "dev"
