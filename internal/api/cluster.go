package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// leaseView is a lease as GET /api/v1/cluster shows it.
type leaseView struct {
	store.Lease
	Live       bool    `json:"live"`
	LagSeconds float64 `json:"lag_seconds"`
}

// cluster answers GET /api/v1/cluster: the live replicas sharing the
// store, and which of them polls each integration and runs each job.
func (s *server) cluster(w http.ResponseWriter, r *http.Request) {
	leases, err := s.store.LeaseList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now()
	out := struct {
		Replica  string      `json:"replica"`
		Replicas []leaseView `json:"replicas"`
		Leases   []leaseView `json:"leases"`
	}{Replica: s.replica, Replicas: []leaseView{}, Leases: []leaseView{}}
	for _, l := range leases {
		v := leaseView{Lease: l, Live: l.Until.After(now), LagSeconds: now.Sub(l.RenewedAt).Seconds()}
		switch {
		case strings.HasPrefix(l.Name, "replica:"):
			if v.Live {
				out.Replicas = append(out.Replicas, v)
			}
		default:
			out.Leases = append(out.Leases, v)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
