package cortexxdr

import (
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/registry"
)

func TestConsole(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	id, members := e.emu.SeedIncident(2)
	e.emu.SetAlertStatus(members[0], "resolved_duplicate")
	e.emu.SetIncidentStatus(id, "under_investigation")
	d := demo{e.emu}
	if n := len(d.Console().Objects()); n != 3 {
		t.Errorf("%d objects, want two alerts and their incident", n)
	}
	tests := []struct {
		kind, id string
		status   string
		state    registry.State
	}{
		{registry.KindAlert, members[0], "STATUS_050_RESOLVED_DUPLICATE", registry.StateClosed},
		{registry.KindAlert, members[1], "STATUS_010_NEW", registry.StateNew},
		{registry.KindIncident, id, "under_investigation", registry.StateInProgress},
	}
	for _, tt := range tests {
		o, ok := d.Console().Object(tt.kind, tt.id)
		if !ok || o.Status != tt.status || o.State != tt.state {
			t.Errorf("%s %s: %+v", tt.kind, tt.id, o)
		}
	}
	if stateOf("STATUS_250_RESOLVED_BY_PLAYBOOK") != registry.StateClosed || stateOf("STATUS_130_ESCALATED") != registry.StateUnknown {
		t.Error("unknown statuses")
	}
	if in := d.Integration(registry.Hub{Base: "http://emu"}); in.Settings["base_url"] != "http://emu" || in.Settings["key_type"] != "advanced" {
		t.Errorf("integration settings %v", in.Settings)
	}
	if in := d.Integration(registry.Hub{Base: "http://emu", Unlimited: true}); in.Settings["requests_per_minute"] != 0 {
		t.Errorf("unlimited integration settings %v", in.Settings)
	}
}
