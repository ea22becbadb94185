package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// LeaseView is a lease as GET /api/v1/cluster shows it.
type LeaseView struct {
	store.Lease
	Live       bool    `json:"live"`
	LagSeconds float64 `json:"lag_seconds"`
}

// Cluster is GET /api/v1/cluster: the replica that answered, the live
// replicas sharing the store, and which of them polls each integration
// and runs each job.
type Cluster struct {
	Replica  string      `json:"replica"`
	Replicas []LeaseView `json:"replicas"`
	Leases   []LeaseView `json:"leases"`
}

func (s *server) clusterView(ctx context.Context, now time.Time) (Cluster, error) {
	leases, err := s.hub.LeaseList(ctx)
	if err != nil {
		return Cluster{}, err
	}
	out := Cluster{Replica: s.replica, Replicas: []LeaseView{}, Leases: []LeaseView{}}
	for _, l := range leases {
		v := LeaseView{Lease: l, Live: l.Until.After(now), LagSeconds: now.Sub(l.RenewedAt).Seconds()}
		switch {
		case strings.HasPrefix(l.Name, "replica:"):
			if v.Live {
				out.Replicas = append(out.Replicas, v)
			}
		default:
			out.Leases = append(out.Leases, v)
		}
	}
	return out, nil
}

// cluster answers GET /api/v1/cluster.
func (s *server) cluster(w http.ResponseWriter, r *http.Request) {
	out, err := s.clusterView(r.Context(), time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
