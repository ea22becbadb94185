-- The lists that page a tenant's rows in id order (playbook runs, the
-- quarantine, evidence) had no index led by (tenant, id): SQLite took one
-- led by the tenant alone and sorted the tenant's every row for each page,
-- so paging through 44,000 runs took 6 s of CPU (the Runs page and
-- GET /api/v1/playbook-runs the same, growing with every run). As
-- outbox_tenant did for the outbox, these let each page walk the tenant's
-- ids in order from where the last one ended.
CREATE INDEX playbook_runs_tenant ON playbook_runs (tenant, id);
CREATE INDEX quarantine_tenant ON quarantine (tenant, id);
CREATE INDEX evidence_tenant ON evidence (tenant, id);
