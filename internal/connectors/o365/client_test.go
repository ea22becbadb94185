package o365

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The reference's subscription list: an entry without a status reads as
// unknown, a content type not listed as disabled.
func TestReferenceSubscriptionList(t *testing.T) {
	t.Parallel()
	body := golden(t, "subscriptions_list_reference.json")
	e := setupWith(t, testOptions(), nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/subscriptions/list") {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				_, _ = w.Write(body)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	if err := e.conn.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Audit.SharePoint": "enabled", "Audit.Exchange": "unknown", "Audit.General": "disabled"}
	for name, status := range want {
		if f := feedNamed(t, e, name); f.Status != status {
			t.Errorf("%s: %q, want %q", name, f.Status, status)
		}
	}
}

// The reference's content listing and start answer decode; contentUri
// keeps its id and gains PublisherIdentifier, which a link that has one
// does not get twice.
func TestReferenceContentList(t *testing.T) {
	t.Parallel()
	var list []contentWire
	if err := json.Unmarshal(golden(t, "content_list_reference.json"), &list); err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	if at, ok := parseContentTime(list[0].ContentCreated); !ok || !at.Equal(time.Date(2015, 5, 23, 17, 35, 0, 0, time.UTC)) {
		t.Errorf("contentCreated %v", at)
	}
	c := &core{s: settings{publisher: "46b472a7-c68e-4adf-8ade-3db49497518e"}}
	got := c.withPublisher(list[0].ContentURI)
	if got != list[0].ContentURI+"?PublisherIdentifier=46b472a7-c68e-4adf-8ade-3db49497518e" {
		t.Errorf("blob link %s", got)
	}
	next := "https://manage.office.com/api/v1/t/activity/feed/subscriptions/content?contentType=Audit.SharePoint&startTime=2015-10-01&endTime=2015-10-02&nextPage=2015101900R022885001761"
	if got := c.withPublisher(next); got != next+"&PublisherIdentifier=46b472a7-c68e-4adf-8ade-3db49497518e" {
		t.Errorf("next page %s", got)
	}
	if got := c.withPublisher(next + "&publisheridentifier=x"); strings.Count(strings.ToLower(got), "publisheridentifier") != 1 {
		t.Errorf("publisher twice: %s", got)
	}
	var sub subscriptionWire
	if err := json.Unmarshal(golden(t, "subscription_start_reference.json"), &sub); err != nil || sub.Status != "enabled" || sub.ContentType != "Audit.SharePoint" {
		t.Errorf("start answer %+v %v", sub, err)
	}
}
