package defendercloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
)

// ErrBadSimulation is returned for a simulation request the service
// refuses (an unknown kind or bundle, nothing to simulate).
var ErrBadSimulation = errors.New("invalid alert simulation request")

// KindBundles is the one simulation kind api-version 2022-01-01 declares.
const KindBundles = "Bundles"

// Simulate raises the sample alerts of each bundle in subscription sub at
// location loc, as Alerts_Simulate does, and returns them. Each is a new
// alert (status Active, isIncident false) handed to the hooks, so a
// connected Sentinel workspace mirrors it into an incident of its own like
// any other Defender for Cloud alert. Repeated bundles count once.
func (e *Emulator) Simulate(sub, loc string, bundles []string) ([]Alert, error) {
	if !arm.IsGUID(sub) {
		return nil, fmt.Errorf("simulate alerts: %w: subscription '%s' is not a GUID", ErrBadSimulation, sub)
	}
	canon, err := checkBundles(bundles)
	if err != nil {
		return nil, fmt.Errorf("simulate alerts: %w: %w", ErrBadSimulation, err)
	}
	var specs []AlertSpec
	for _, b := range canon {
		specs = append(specs, sampleSpecs(b, sub, loc)...)
	}
	out := make([]Alert, 0, len(specs))
	for _, s := range specs {
		a, err := e.CreateAlert(s)
		if err != nil {
			return out, fmt.Errorf("simulate alerts: %w", err)
		}
		out = append(out, a)
	}
	e.log.Debug("sample alerts simulated", "subscription", sub, "location", loc, "alerts", len(out))
	return out, nil
}

// checkBundles returns the declared spelling of each bundle, repeats
// dropped. Its error is the message of the emulator's 400, in the
// emulator's words: the service's are not documented.
func checkBundles(bundles []string) ([]string, error) {
	if len(bundles) == 0 {
		return nil, errors.New("at least one bundle is required")
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range bundles {
		b, ok := bundleOf(name)
		if !ok {
			return nil, fmt.Errorf("bundle '%s' is not supported; supported bundles: %s", name, strings.Join(Bundles, ", "))
		}
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out, nil
}

// simulateBody is the AlertSimulatorRequestBody.
type simulateBody struct {
	Properties *struct {
		Kind    string   `json:"kind"`
		Bundles []string `json:"bundles"`
	} `json:"properties"`
}

// handleSimulate serves Alerts_Simulate. The spec leaves "properties" and
// "bundles" optional, but a simulation that names no kind or no bundle has
// nothing to raise, so it is refused with 400 rather than accepted and
// silently ignored. [U: the service's answer to such a body is not
// documented.]
func (e *Emulator) handleSimulate(w http.ResponseWriter, r *http.Request) {
	s, ok := scopeOf(w, r)
	if !ok {
		return
	}
	var body simulateBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		arm.WriteCloudError(w, http.StatusBadRequest, "InvalidRequestContent",
			"The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	switch {
	case body.Properties == nil:
		arm.WriteCloudError(w, http.StatusBadRequest, "BadRequest", "The request body must carry 'properties' with a 'kind'.")
		return
	case !strings.EqualFold(body.Properties.Kind, KindBundles):
		arm.WriteCloudError(w, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("The alert simulation kind '%s' is not supported; supported kinds: %s.", body.Properties.Kind, KindBundles))
		return
	}
	if _, err := checkBundles(body.Properties.Bundles); err != nil {
		arm.WriteCloudError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	if _, err := e.Simulate(s.sub, s.loc, body.Properties.Bundles); err != nil {
		e.log.Error("simulate alerts", "err", err)
		arm.WriteCloudError(w, http.StatusInternalServerError, "InternalServerError", "Encountered internal server error. Please try again.")
		return
	}
	e.acceptOperation(w, r, s)
}

// acceptOperation answers 202 Accepted the way ARM's asynchronous
// operation contract asks: a Location to poll and a Retry-After. The spec
// declares only the 202 (final-state-via original-uri) and no headers;
// Azure SDK pollers need the Location to finish. The alerts already exist
// when the 202 leaves, so the first poll answers 204 (done, no result).
// [U: Defender for Cloud's own polling URL is not documented; the path
// follows the ARM operationResults convention.]
func (e *Emulator) acceptOperation(w http.ResponseWriter, r *http.Request, s scope) {
	e.mu.Lock()
	e.opSeq++
	op := fmt.Sprintf("%08d-0000-4000-8000-%012d", e.opSeq, e.opSeq)
	e.ops[op] = true
	e.mu.Unlock()
	loc := emukit.RequestBase(r, "") + "/subscriptions/" + s.sub + "/providers/Microsoft.Security/locations/" + s.loc +
		"/operationResults/" + op + "?" + url.Values{"api-version": {APIVersion}}.Encode()
	w.Header().Set("Location", loc)
	w.Header().Set("Retry-After", "0")
	w.WriteHeader(http.StatusAccepted)
}

// handleOperationResult answers a poll of an accepted simulation: 204 once
// done (always, here), 404 for an operation id it never handed out.
func (e *Emulator) handleOperationResult(w http.ResponseWriter, r *http.Request) {
	if _, ok := scopeOf(w, r); !ok {
		return
	}
	op := strings.ToLower(r.PathValue("op"))
	e.mu.Lock()
	known := e.ops[op]
	e.mu.Unlock()
	if !known {
		arm.WriteCloudError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Operation '%s' was not found.", r.PathValue("op")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
