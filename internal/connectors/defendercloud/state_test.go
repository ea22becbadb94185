package defendercloud

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	dfcemu "github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/model"
)

// TestSetStateChecksFirst: SetState reads the alert (one ARM read) and
// sends no state action when the alert already has the status the action
// would give; the answer says Unchanged with that status. Otherwise the
// action is sent. Every request is checked against the published spec.
func TestSetStateChecksFirst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		remote    string // the alert's status before; "" leaves it Active
		status    model.Status
		verdict   model.Verdict
		unchanged bool
		want      string
	}{
		{"active, asked new", "", model.StatusNew, "", true, "Active"},
		{"in progress, asked in progress", dfcemu.StatusInProgress, model.StatusInProgress, model.VerdictSuspicious, true, "InProgress"},
		{"dismissed, asked resolved as not a threat", dfcemu.StatusDismissed, model.StatusResolved, model.VerdictNotAThreat, true, "Dismissed"},
		{"dismissed, asked suppressed", dfcemu.StatusDismissed, model.StatusSuppressed, "", true, "Dismissed"},
		{"resolved, asked resolved as a threat", dfcemu.StatusResolved, model.StatusResolved, model.VerdictThreat, true, "Resolved"},
		{"dismissed, asked resolved as a threat", dfcemu.StatusDismissed, model.StatusResolved, model.VerdictThreat, false, "Resolved"},
		{"resolved, asked resolved as not a threat", dfcemu.StatusResolved, model.StatusResolved, model.VerdictNotAThreat, false, "Dismissed"},
		{"active, asked in progress", "", model.StatusInProgress, "", false, "InProgress"},
		{"resolved, asked new", dfcemu.StatusResolved, model.StatusNew, "", false, "Active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wrap, sc := withSpec(t)
			e := setup(t, dfcemu.Options{}, wrap)
			id := e.seed(t, 1)[0]
			if tt.remote != "" {
				if err := e.emu.SetAlertStatus(id, tt.remote); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: tt.status, Verdict: tt.verdict, IdempotencyKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := e.emu.Alert(id)
			if rs.Unchanged != tt.unchanged || rs.RemoteStatus != tt.want || a.Properties.Status != tt.want {
				t.Errorf("SetState = %+v, alert %s; want unchanged %v, %s", rs, a.Properties.Status, tt.unchanged, tt.want)
			}
			var actions, reads int
			for _, r := range e.emu.Requests() {
				switch {
				case r.Method == http.MethodPost && !strings.Contains(r.Path, "/oauth2/"):
					actions++
				case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/alerts/"+id):
					reads++
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tt.unchanged]; actions != want || reads != 1 {
				t.Errorf("%d state actions and %d reads of the alert, want %d and 1", actions, reads, want)
			}
			if sc.Active() && sc.Count("Alerts_GetResourceGroupLevel") != 1 {
				t.Errorf("%d alert reads spec-checked, want 1", sc.Count("Alerts_GetResourceGroupLevel"))
			}
		})
	}
}
