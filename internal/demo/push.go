package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

const pushSection = "Push: alerts sent to an intake"

// intake returns the vendor's emulator as an intake, if it is one.
func (s *scenario) intake(v registry.Vendor) (registry.Intake, bool) {
	em, ok := s.w.set.Emulator(v.Kind)
	if !ok {
		return nil, false
	}
	if in, ok := em.(registry.Intake); ok {
		return in, true
	}
	in, ok := em.Unwrap().(registry.Intake)
	return in, ok
}

// push sends one alert of another vendor, through the hub's API, to each
// registered vendor that takes pushed events, and checks the vendor's
// intake received it as an OCSF finding naming the alert.
func (s *scenario) push() error {
	for _, v := range s.w.set.Vendors() {
		in, ok := s.intake(v)
		if !ok {
			continue
		}
		a, found := s.alertNotOf(v.ID)
		if !found {
			s.row(pushSection, fmt.Sprintf("%s: an alert pushed through the hub reaches the intake", v.ID), false, 0, "no alert of another vendor to push")
			continue
		}
		if err := s.pushVia(a.ID, v.ID); err != nil {
			return err
		}
		uid := a.Integration + ":" + a.VendorID
		took, ok := s.waitUntil(30*time.Second, func() bool { return received(in, uid) })
		s.row(pushSection, fmt.Sprintf("%s: an alert pushed through the hub reaches the intake", v.ID), ok, took,
			"alert %d (%s) pushed as an OCSF finding; the intake holds %d events", a.ID, uid, len(in.Received()))
	}
	return nil
}

// alertNotOf returns a stored alert of any other integration.
func (s *scenario) alertNotOf(id string) (model.Alert, bool) {
	for _, v := range s.w.set.Vendors() {
		if v.ID == id {
			continue
		}
		if as := s.alerts(v.ID); len(as) > 0 {
			return as[0], true
		}
	}
	return model.Alert{}, false
}

func received(in registry.Intake, uid string) bool {
	for _, ev := range in.Received() {
		var f struct {
			Info struct {
				UID string `json:"uid"`
			} `json:"finding_info"`
		}
		if json.Unmarshal(ev, &f) == nil && f.Info.UID == uid {
			return true
		}
	}
	return false
}

// pushVia asks the hub's API to push an alert to an integration.
func (s *scenario) pushVia(alertID int64, integration string) error {
	body, _ := json.Marshal(map[string]string{"integration": integration})
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/alerts/%d/push", s.sum.API, alertID), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("push request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+demoAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("push alert %d to %s: %w", alertID, integration, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("push alert %d to %s: HTTP %d", alertID, integration, resp.StatusCode)
	}
	return nil
}
