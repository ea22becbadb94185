package playbook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// TestAlertMapIsTheJSONShape holds alertMap to the JSON round trip it
// replaces: with every field of model.Alert set (a field added later is
// set too, so it fails until alertMap writes it), with none set (the
// omitempty fields), and with text that is not valid UTF-8.
func TestAlertMapIsTheJSONShape(t *testing.T) {
	full := model.Alert{}
	fill(reflect.ValueOf(&full).Elem(), "a")
	full.Raw = nil // alertDoc reads the payload on its own
	bad := model.Alert{Title: "bad \xff byte", Entities: model.Entities{Hosts: []string{"h\xc3"}}}
	for name, a := range map[string]model.Alert{"every field": full, "no field": {}, "invalid UTF-8": bad} {
		t.Run(name, func(t *testing.T) {
			want := toMap(a)
			if got := alertMap(&a); !reflect.DeepEqual(got, want) {
				t.Errorf("alertMap =\n%#v\nwant (the JSON round trip)\n%#v", got, want)
			}
		})
	}
}

// fill sets every field v holds to a value that is not its zero, each
// distinct, recursing into structs and slices.
func fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s \"quoted\" <&> é", path))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(len(path)*7 + 1))
	case reflect.Uint8:
		v.SetUint('x')
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			at := time.Date(2026, 12, 7, 3, 4, 5, len(path)*1000+123, time.FixedZone("X", 3600))
			v.Set(reflect.ValueOf(at))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		panic("fill: no value for " + path + " of kind " + v.Kind().String())
	}
}

// TestNode0IsTheJSONShape checks node.0 is built as decoding its stored
// JSON gives it back: a step handed its run as built (handedRuns) reads
// what a step that read the run from the store would.
func TestNode0IsTheJSONShape(t *testing.T) {
	a := model.Alert{ID: 7, Integration: "sekoia", VendorID: "ALx \xff", Title: `a "title" <b>`, Severity: model.SeverityHigh,
		Entities: model.Entities{Hosts: []string{"ws-1"}}, CreatedAt: time.Date(2026, 12, 7, 1, 2, 3, 4, time.UTC),
		Raw: []byte(`{"rule":{"name":"r","severity":70},"score":1.5,"tags":["x",2]}`)}
	plain := a
	plain.Raw = []byte(`{"uuid":"u-1","count":3}`)
	in := model.Incident{ID: 9, VendorID: "inc-1", Title: "t", AlertIDs: []int64{7}}
	for name, ev := range map[string]engine.Event{
		"alert with a rule":  {Trigger: "alert_updated", Kind: model.KindAlert, ID: 7, Fields: []string{"status"}, Alert: &a},
		"alert without rule": {Trigger: "alert_created", Kind: model.KindAlert, ID: 7, Alert: &plain},
		"incident":           {Trigger: "incident_created", Kind: model.KindIncident, ID: 9, Incident: &in},
		"no object":          {Trigger: "schedule"},
	} {
		t.Run(name, func(t *testing.T) {
			built := node0(ev)
			b, err := json.Marshal(built)
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			intify(back)
			if !reflect.DeepEqual(built, back) {
				t.Errorf("node0 =\n%#v\ndecoded from its JSON =\n%#v", built, back)
			}
		})
	}
}

// TestHandedRunServesOnceWithinHalfItsLease: a handed run serves the
// delivery of the item it came with, once, and only in the first half of
// the item's lease; any other delivery reads the run from the store.
func TestHandedRunServesOnceWithinHalfItsLease(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	item := store.OutboxItem{ID: 5, NextAttemptAt: at, LeaseUntil: at.Add(16 * time.Second)}
	run := store.Run{ID: 3, NextStep: 1, Status: store.RunRunning}
	var h handedRuns
	cases := []struct {
		name  string
		take  store.OutboxItem
		after time.Duration
		want  bool
	}{
		{"another item", store.OutboxItem{ID: 6}, time.Second, false},
		{"its item, in time", item, time.Second, true},
		{"its item, a second time", item, time.Second, false},
		{"its item, at half its lease", item, 8 * time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name != "its item, a second time" {
				h.put(item, run, []any{"node"}, at)
			}
			got, ok := h.take(c.take, at.Add(c.after))
			if ok != c.want || ok && got.run.ID != run.ID {
				t.Errorf("take = %+v, %v; want served %v", got, ok, c.want)
			}
		})
	}
}
