package sekoia

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// IntakeEvent is one event the HTTP intake received.
type IntakeEvent struct {
	ID         string
	IntakeKey  string
	JSON       string // the event as sent: a string, usually a JSON document
	ReceivedAt time.Time
}

// intakeOne is POST / and each item of POST /array.
type intakeOne struct {
	IntakeKey string  `json:"intake_key"`
	JSON      *string `json:"json"`
}

// intakeBatch is POST /batch.
type intakeBatch struct {
	IntakeKey string   `json:"intake_key"`
	JSONs     []string `json:"jsons"`
}

// intakeRoutes serves the documented JSON forms of the HTTP intake.
func (e *Emulator) intakeRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", e.intakeSingle)
	mux.HandleFunc("POST /batch", e.intakeBatch)
	mux.HandleFunc("POST /array", e.intakeArray)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.fail4xx(w, r, http.StatusNotFound, "Not Found")
	})
	return mux
}

// AddIntakeKey makes the intake take events for key.
func (e *Emulator) AddIntakeKey(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.intakeKeys[key] = true
}

// readIntake decodes a request body of at most MaxPayloadBytes into v,
// answering 413 or 400 itself when it cannot.
func (e *Emulator) readIntake(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	switch {
	case err != nil:
		e.fail4xx(w, r, http.StatusBadRequest, "unreadable body")
	case len(b) > MaxPayloadBytes:
		e.fail4xx(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("payload over %d bytes", MaxPayloadBytes))
	case json.Unmarshal(b, v) != nil:
		e.fail4xx(w, r, http.StatusBadRequest, "body is not the intake's JSON")
	default:
		return true
	}
	return false
}

// admit checks a key and the events' sizes; an unknown key is a 401 and
// an event over MaxEventBytes a 413 for the whole request [U: the
// intake's answers to both are undocumented; Sekoia's own client drops
// larger events before sending].
func (e *Emulator) admit(w http.ResponseWriter, r *http.Request, key string, events []string) bool {
	e.mu.Lock()
	known := e.intakeKeys[key]
	e.mu.Unlock()
	if !known {
		e.fail4xx(w, r, http.StatusUnauthorized, "Invalid intake key")
		return false
	}
	for i, ev := range events {
		if len(ev) > MaxEventBytes {
			e.fail4xx(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("event %d is over %d bytes", i, MaxEventBytes))
			return false
		}
	}
	return true
}

// store keeps events and returns their new ids.
func (e *Emulator) store(key string, events []string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = emukit.RequestID()
		e.events = append(e.events, IntakeEvent{ID: ids[i], IntakeKey: key, JSON: ev, ReceivedAt: e.clock.Now()})
	}
	return ids
}

// intakeSingle answers POST / with {"event_id"}.
func (e *Emulator) intakeSingle(w http.ResponseWriter, r *http.Request) {
	var in intakeOne
	if !e.readIntake(w, r, &in) {
		return
	}
	if in.JSON == nil {
		e.fail4xx(w, r, http.StatusBadRequest, "json: missing required parameter")
		return
	}
	if !e.admit(w, r, in.IntakeKey, []string{*in.JSON}) {
		return
	}
	writeOK(w, map[string]string{"event_id": e.store(in.IntakeKey, []string{*in.JSON})[0]})
}

// intakeBatch answers POST /batch with {"event_ids"}, in order.
func (e *Emulator) intakeBatch(w http.ResponseWriter, r *http.Request) {
	var in intakeBatch
	if !e.readIntake(w, r, &in) || !e.admit(w, r, in.IntakeKey, in.JSONs) {
		return
	}
	writeOK(w, map[string][]string{"event_ids": e.store(in.IntakeKey, in.JSONs)})
}

// intakeArray answers POST /array, a list of single events each with its
// key, with {"event_ids"} [U: the answer's shape is taken from /batch].
func (e *Emulator) intakeArray(w http.ResponseWriter, r *http.Request) {
	var in []intakeOne
	if !e.readIntake(w, r, &in) {
		return
	}
	ids := make([]string, 0, len(in))
	for _, one := range in {
		if one.JSON == nil {
			e.fail4xx(w, r, http.StatusBadRequest, "json: missing required parameter")
			return
		}
		if !e.admit(w, r, one.IntakeKey, []string{*one.JSON}) {
			return
		}
	}
	for _, one := range in {
		ids = append(ids, e.store(one.IntakeKey, []string{*one.JSON})...)
	}
	writeOK(w, map[string][]string{"event_ids": ids})
}
