package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
)

// The next-link member names of two common page shapes (OData's and Azure
// Resource Manager's), spelled out here because the kit does not name
// vendors.
const (
	odataNextLink = "@odata.nextLink"
	armNextLink   = "nextLink"
)

type item struct {
	ID string `json:"id"`
}

// pagedServer serves items 1..total, two per page, linking pages with
// field; loop makes the last page point back at the first.
func pagedServer(t *testing.T, field string, total int, loop bool) *Client {
	t.Helper()
	var srvURL string
	c, srv := setup(t, Options{MaxPages: 5}, func(w http.ResponseWriter, r *http.Request) {
		skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		page := map[string]any{}
		var vals []item
		for i := skip; i < min(skip+2, total); i++ {
			vals = append(vals, item{ID: strconv.Itoa(i + 1)})
		}
		page["value"] = vals
		switch {
		case skip+2 < total:
			page[field] = fmt.Sprintf("%s/api/items?skip=%d", srvURL, skip+2)
		case loop:
			page[field] = srvURL + "/api/items?skip=0"
		}
		_ = json.NewEncoder(w).Encode(page)
	})
	srvURL = srv.URL
	return c
}

func TestFollowNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, field string
		total       int
		loop        bool
		wantIDs     int
		wantPages   int
		wantErr     connector.Class
	}{
		{"odata three pages", odataNextLink, 5, false, 5, 3, ""},
		{"arm two pages", armNextLink, 4, false, 4, 2, ""},
		{"empty", odataNextLink, 0, false, 0, 1, ""},
		{"repeating link", odataNextLink, 4, true, 4, 2, connector.ClassPermanent},
		{"page cap", armNextLink, 20, false, 10, 5, connector.ClassPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := pagedServer(t, tt.field, tt.total, tt.loop)
			var ids []string
			pages := 0
			err := FollowNextLink(context.Background(), c, "items?skip=0", tt.field, func(page []item) error {
				pages++
				for _, it := range page {
					ids = append(ids, it.ID)
				}
				return nil
			})
			if (err == nil) != (tt.wantErr == "") || (err != nil && connector.ClassOf(err) != tt.wantErr) {
				t.Fatalf("err = %v, want class %q", err, tt.wantErr)
			}
			if len(ids) != tt.wantIDs || pages != tt.wantPages {
				t.Errorf("got %d ids in %d pages, want %d in %d", len(ids), pages, tt.wantIDs, tt.wantPages)
			}
			if !slices.IsSortedFunc(ids, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y }) {
				t.Errorf("ids out of order: %v", ids)
			}
		})
	}
}

func TestFollowNextLinkStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	c := pagedServer(t, odataNextLink, 6, false)
	stop := fmt.Errorf("stop")
	pages := 0
	err := FollowNextLink(context.Background(), c, "items", odataNextLink, func([]item) error { pages++; return stop })
	if !errors.Is(err, stop) || pages != 1 {
		t.Errorf("err = %v after %d pages, want stop after 1", err, pages)
	}
}

func TestFollowNextLinkRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"value":[{"id":"1"}],"@odata.nextLink":"https://attacker.example.test/next"}`))
	})
	err := FollowNextLink(context.Background(), c, "items", odataNextLink, func([]item) error { return nil })
	if connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("err = %v, want permanent refusal", err)
	}
}
