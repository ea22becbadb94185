package httpkit

import (
	"testing"

	"golang.org/x/time/rate"
)

// TestShareBudgets: with N replicas alive each spends 1/N of every
// budget, a budget made while shared starts at its share, and each takes
// its whole budget back when it is alone again. The share is global, so
// this test does not run in parallel with others that build budgets.
func TestShareBudgets(t *testing.T) {
	defer ShareBudgets(1)
	graph := PerMinute(150) // 135 a minute with headroom
	hourly := Divisible(rate.NewLimiter(rate.Limit(100.0/3600), 10))
	unlimited := PerMinute(0) // no budget: nothing to share
	full := []rate.Limit{graph.Limit(), hourly.Limit()}
	if graph.Burst() != 1+maxReserve {
		t.Fatalf("a budget of 150 a minute holds %d requests at most, want 1 and a reserve of %d", graph.Burst(), maxReserve)
	}
	steps := []struct {
		n      int
		want   float64 // share of each full budget
		bursts [2]int  // graph's (1 and its reserve of 3) and hourly's (10), shared
	}{{3, 1.0 / 3, [2]int{2, 4}}, {2, 0.5, [2]int{2, 5}}, {1, 1, [2]int{4, 10}}, {0, 1, [2]int{4, 10}}}
	for _, st := range steps {
		ShareBudgets(st.n)
		for i, l := range []*rate.Limiter{graph, hourly} {
			if got, want := float64(l.Limit()), float64(full[i])*st.want; !near(got, want) {
				t.Errorf("%d replicas: budget %d is %g a second, want %g", st.n, i, got, want)
			}
			if got := l.Burst(); got != st.bursts[i] {
				t.Errorf("%d replicas: budget %d holds %d requests at most, want %d", st.n, i, got, st.bursts[i])
			}
		}
		if unlimited.Limit() != rate.Inf {
			t.Errorf("%d replicas: an unlimited budget became %g", st.n, float64(unlimited.Limit()))
		}
	}
	ShareBudgets(4)
	late := PerMinute(60)
	if got, want := float64(late.Limit()), (60*Headroom-3)/60/4; !near(got, want) {
		t.Errorf("a budget made among 4 replicas: %g a second, want %g", got, want)
	}
	if ShareBudgets(4) {
		t.Error("the same count reported a change")
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }
