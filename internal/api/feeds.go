package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// feedsBody answers "is it connected?" for an integration that reads
// feeds: each feed's state as its connector last saw it, and what the hub
// stored from them.
type feedsBody struct {
	Integration string                `json:"integration"`
	Items       []connector.Feed      `json:"items"`
	Evidence    *store.EvidenceCounts `json:"evidence,omitempty"`
}

// integrationFeeds answers GET /api/v1/integrations/{integration}/feeds.
func (s *server) integrationFeeds(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	in, ok := s.engine.Integration(id)
	if !ok || in.Connector == nil {
		notFound(w, "no integration %q", cleanID(id))
		return
	}
	fr, ok := in.Connector.(connector.FeedReporter)
	if !ok {
		notFound(w, "integration %q reads no feeds", cleanID(id))
		return
	}
	feeds, err := fr.Feeds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := feedsBody{Integration: id, Items: feeds}
	if body.Items == nil {
		body.Items = []connector.Feed{}
	}
	if connector.CapabilitiesOf(in.Connector).Evidence {
		n, err := s.store.EvidenceCounts(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body.Evidence = &n
	}
	writeJSON(w, http.StatusOK, body)
}

// cleanID makes a path value safe to quote in an error.
func cleanID(id string) string {
	id, _ = model.CleanText(id)
	return id
}
