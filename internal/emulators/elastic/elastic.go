// Package elastic emulates the Kibana detection alerts API of Elastic
// Security as Elastic documents it: signals/search answering raw
// Elasticsearch search responses over a subset of the query DSL,
// signals/status and signals/tags answering update_by_query bodies,
// alert notes through PATCH and GET /api/note, API key authentication,
// the kbn-xsrf header on every write, the versioned API header and the
// /s/{space} prefix of non-default spaces.
package elastic

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Credentials of the API key the emulator accepts unless Options say
// otherwise. Kibana takes it as "Authorization: ApiKey base64(id:key)".
const (
	DefaultAPIKeyID = "VuaCfGcBCdbkQm-e5aOx"
	DefaultAPIKey   = "ui2lp2axTNmsyakw9tvNnw"
	DefaultUsername = "alertsync"
	// DefaultProfileUID is the user profile of the key's owner, which
	// Kibana writes to kibana.alert.workflow_user.
	DefaultProfileUID = "u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0"
	// APIVersion is the only version of the public security APIs.
	APIVersion = "2023-10-31"
	// DefaultSpace is the space without a path prefix.
	DefaultSpace = "default"
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// APIKeyID and APIKey are the accepted key (Default* when empty).
	APIKeyID, APIKey string
	// Username and ProfileUID are the key's owner.
	Username, ProfileUID string
	// Spaces that exist besides the default one.
	Spaces []string
	// CustomReasons are close reasons the default space accepts on top
	// of the predefined ones (advanced setting securitySolution:alertCloseReasons).
	CustomReasons []string
	// Alerts are seeded into the default space from Seed and World.
	Alerts int
	Seed   int64
	World  *emukit.World
}

// Emulator is an in-memory Kibana with the security detections API.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	ticker *msTicker
	log    *slog.Logger
	faults *emukit.Faults
	ledger *emukit.Ledger
	rec    *emukit.Recorder
	spaces map[string]bool

	mu      sync.Mutex
	docs    map[string]*doc
	notes   []*Note
	failing map[string]bool
	seq     int
	seqNo   int64
}

// New returns an emulator with opts.Alerts alerts in the default space.
func New(opts Options) *Emulator {
	if opts.APIKeyID == "" || opts.APIKey == "" {
		opts.APIKeyID, opts.APIKey = DefaultAPIKeyID, DefaultAPIKey
	}
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.ProfileUID == "" {
		opts.ProfileUID = DefaultProfileUID
	}
	if opts.World == nil {
		opts.World = emukit.NewWorld(opts.Seed)
	}
	clock := opts.Clock
	if clock == nil {
		clock = emukit.RealClock{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		opts: opts, clock: clock, ticker: &msTicker{clock: clock}, log: log.With("emulator", "elastic"),
		faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock), rec: emukit.NewRecorder(clock),
		spaces: map[string]bool{DefaultSpace: true}, docs: map[string]*doc{}, failing: map[string]bool{},
	}
	for _, s := range opts.Spaces {
		e.spaces[s] = true
	}
	e.seed(opts.Alerts, opts.Seed)
	return e
}

// EncodedAPIKey is the value Kibana expects after "ApiKey ", the
// "encoded" field of the create API key response.
func (e *Emulator) EncodedAPIKey() string {
	return base64.StdEncoding.EncodeToString([]byte(e.opts.APIKeyID + ":" + e.opts.APIKey))
}

// Handler serves the API behind recording, faults, space routing,
// authentication and Kibana's header checks.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/detection_engine/signals/search", e.search)
	mux.HandleFunc("POST /api/detection_engine/signals/status", e.setStatus)
	mux.HandleFunc("POST /api/detection_engine/signals/tags", e.setTags)
	mux.HandleFunc("PATCH /api/note", e.persistNote)
	mux.HandleFunc("GET /api/note", e.getNotes)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.platform(w, r, http.StatusNotFound, "Not Found")
	})
	h := e.kibana(mux)
	h = e.faults.Middleware(errorWriter{e})(h)
	return e.rec.Middleware(h)
}

// Faults returns the fault injector (429 with Retry-After, 5xx, latency).
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied. Kibana's
// status script leaves a document that already has the status alone, so
// such a write is not applied and not recorded.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// ThrottleNext makes the next request answer 429 with Retry-After.
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every answer by d (zero: none).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// FailItems makes the following status and tag writes fail these alerts
// one by one, as a version conflict reported in the update_by_query
// failures; nil clears the list.
func (e *Emulator) FailItems(ids []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failing = map[string]bool{}
	for _, id := range ids {
		e.failing[id] = true
	}
}

// Alert returns one alert by _id.
func (e *Emulator) Alert(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.docs[id]
	if !ok {
		return Alert{}, false
	}
	return d.view(), true
}

// AlertSummary is Alert without its source document.
func (e *Emulator) AlertSummary(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.docs[id]
	if !ok {
		return Alert{}, false
	}
	return d.summary(), true
}

// Alerts returns every alert of every space, oldest first.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Alert, 0, len(e.docs))
	for _, d := range e.sortedLocked() {
		out = append(out, d.view())
	}
	return out
}

// Notes returns the notes on an alert, oldest first.
func (e *Emulator) Notes(id string) []Note {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Note
	for _, n := range e.notes {
		if n.EventID != nil && *n.EventID == id {
			out = append(out, n.clone())
		}
	}
	return out
}

// Reset clears recordings and faults, and replays the seed.
func (e *Emulator) Reset() {
	e.rec.Reset()
	e.faults.Reset()
	e.mu.Lock()
	e.docs, e.notes, e.failing = map[string]*doc{}, nil, map[string]bool{}
	e.mu.Unlock()
	e.seed(e.opts.Alerts, e.opts.Seed)
}

func (e *Emulator) sortedLocked() []*doc {
	out := make([]*doc, 0, len(e.docs))
	for _, d := range e.docs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// msTicker hands out strictly increasing times at Kibana's millisecond
// precision: two writes in one millisecond of a clock that does not move
// still get different workflow_status_updated_at values.
type msTicker struct {
	mu    sync.Mutex
	clock emukit.Clock
	last  time.Time
}

func (t *msTicker) Next() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now().UTC().Truncate(time.Millisecond)
	if !now.After(t.last) {
		now = t.last.Add(time.Millisecond)
	}
	t.last = now
	return now
}
