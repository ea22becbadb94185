package o365

import "encoding/json"

// Wire types of the Management Activity API, holding only what alertsync
// reads. Audit records themselves are read leniently (see record in
// mapping.go): their fields vary by workload and record type.

// subscriptionWire is a subscription as start and list answer it; a
// subscription without a webhook has "webhook": null.
type subscriptionWire struct {
	ContentType string `json:"contentType"`
	Status      string `json:"status"`
}

// contentWire is one available content blob as the listing answers it.
// contentCreated is when the blob was made available (not when its
// events happened); listings are ranged on it.
type contentWire struct {
	ContentType       string `json:"contentType"`
	ContentID         string `json:"contentId"`
	ContentURI        string `json:"contentUri"`
	ContentCreated    string `json:"contentCreated"`
	ContentExpiration string `json:"contentExpiration"`
}

// nameValue is Common.NameValuePair (Exchange cmdlet Parameters, Entra
// ExtendedProperties).
type nameValue struct {
	Name  string          `json:"Name"`
	Value json.RawMessage `json:"Value"`
}
