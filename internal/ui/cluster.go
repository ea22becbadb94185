package ui

import "net/http"

// clusterPage answers GET /cluster: the replicas sharing the store and
// which of them polls each integration and runs each job, as GET
// /api/v1/cluster says.
func (c *console) clusterPage(w http.ResponseWriter, r *http.Request) {
	cl, err := c.views.Cluster(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "cluster", c.view(r, "cluster", "Cluster", cl))
}
