package gcfloor

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name        string
		live, floor uint64
		base, want  int
	}{
		{"a small heap grows to the floor", 4 * mb, 32 * mb, 100, 701},
		{"a heap past half the floor keeps GOGC", 16 * mb, 32 * mb, 100, 100},
		{"a large heap keeps GOGC", 200 * mb, 32 * mb, 100, 100},
		{"a higher GOGC is kept", 4 * mb, 32 * mb, 800, 800},
		{"a lower GOGC still reaches the floor", 8 * mb, 32 * mb, 50, 301},
		{"before the first cycle, the runtime's minimum reaches the floor", 0, 32 * mb, 100, 800},
		{"a tiny heap, likewise", 1024, 32 * mb, 100, 800},
		{"a heap under the runtime's minimum, likewise", 3 * mb, 32 * mb, 100, 800},
		{"a huge floor is capped", 1024, 1 << 50, 100, maxPercent},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Percent(c.live, c.floor, c.base)
			if got != c.want {
				t.Errorf("Percent(%d, %d, %d) = %d, want %d", c.live, c.floor, c.base, got, c.want)
			}
			// The runtime's goal at that percent: no more than the floor
			// (or what GOGC alone gives), and the floor unless capped.
			goal := max(c.live+c.live*uint64(got)/100, runtimeMinHeap*uint64(got)/100)
			byGOGC := max(c.live+c.live*uint64(c.base)/100, runtimeMinHeap*uint64(c.base)/100)
			if goal > max(c.floor+c.floor/50, byGOGC) {
				t.Errorf("goal %d overshoots the floor %d", goal, c.floor)
			}
			if goal < c.floor && got < maxPercent && got > c.base {
				t.Errorf("goal %d is below the floor %d", goal, c.floor)
			}
		})
	}
}

// gogc reads the collector's GC percent as it runs.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestTunerFollowsTheCollector: started on this test's small heap, the
// tuner raises the GC percent after each cycle so the goal is the floor,
// and Stop gives the process its GOGC back.
func TestTunerFollowsTheCollector(t *testing.T) {
	base := gogc()
	tu := Start(256 << 20)
	if tu == nil {
		t.Fatal("Start returned no tuner with the collector on")
	}
	defer tu.Stop()
	for deadline := time.Now().Add(10 * time.Second); tu.Cycles() < 3; time.Sleep(time.Millisecond) {
		runtime.GC()
		if time.Now().After(deadline) {
			t.Fatalf("the tuner saw %d cycles in 10s", tu.Cycles())
		}
	}
	if got := gogc(); got <= base {
		t.Errorf("GC percent = %d on a small heap with a 256 MiB floor, want above %d", got, base)
	}
	tu.Stop()
	runtime.GC()
	if got := gogc(); got != base {
		t.Errorf("GC percent after Stop = %d, want the process's %d", got, base)
	}
}

func TestNoFloorNoTuner(t *testing.T) {
	if tu := Start(0); tu != nil {
		t.Errorf("Start(0) = %v, want nil", tu)
	}
}
