package sqldb

// qid names a prepared statement.
type qid int

// Prepared statements. Queries whose shape depends on their filters (lists,
// lookups by a set of ids) are built at run time instead.
const (
	qAlertGet qid = iota
	qAlertGetByVendor
	qAlertInsert
	qAlertUpdate
	qIncidentGet
	qIncidentGetByVendor
	qIncidentInsert
	qIncidentUpdate
	qIncidentAlertIDs
	qMembershipAdd
	qMembershipRemove
	qMembershipsOfAlert
	qMembershipsOfIncident
	qRevisionAppend
	qRevisionList
	qCommentAdd
	qCommentList
	qCommentByRequestKey
	qQuarantineAdd
	qIntegrationUpsert
	qIntegrationGet
	qIntegrationList
	qCursorGet
	qCursorSet
	qValidationUpsert
	qValidationGet
	qValidationDue
	qValidationActive
	qLedgerAdd
	qAlertRemoteStatus
	qAlertRefsByEntity
	qAlertEntityAdd
	qAlertIncident
	qLedgerList
	qLedgerDelete
	qLedgerPrune
	qOutboxEnqueue
	qOutboxIDByKey
	qOutboxGet
	qOutboxClaim
	qOutboxClaimTenant
	qOutboxClaimLane
	qOutboxLanes
	qOutboxObjectPending
	qOutboxObjectBusy
	qOutboxObjectCount
	qOutboxRetry
	qOutboxExpedite
	qOutboxCounts
	qOutboxSkip
	qPlaybookList
	qPlaybookGet
	qPlaybookUpsert
	qPlaybookDelete
	qRunGet
	qRunInsert
	qRunUpdate
	qRunOpenGroup
	qRunPrunable
	qStepUpsert
	qStepList
	qLeaseAcquire
	qLeaseGet
	qLeaseCheck
	qLeaseRelease
	qLeaseList
	qTenantList
	qTenantGet
	qTenantUpsert
	qTenantDelete
	qTenantKeySwap
	qAlertSeenFrom
	qSessionCreate
	qSessionGet
	qSessionSetTenant
	qSessionDelete
	qSessionPrune
	numQueries
)

const (
	leaseCols = `name, holder, epoch, held_until, since, renewed_at`
	alertCols = `id, integration, vendor_id, title, description, severity, status,
	remote_status, verdict, published, source, created_at, updated_at, entities,
	incident_id, remote_parent, raw, revision, first_seen_at, last_changed_at, notes,
	same_as, twin_id`
	alertSet = `integration = ?, vendor_id = ?, title = ?, description = ?,
	severity = ?, status = ?, remote_status = ?, verdict = ?, published = ?,
	source = ?, created_at = ?, updated_at = ?, entities = ?, incident_id = ?,
	remote_parent = ?, raw = ?, revision = ?, first_seen_at = ?, last_changed_at = ?,
	notes = ?, same_as = ?, twin_id = ?`
	incidentCols = `id, integration, vendor_id, title, description, severity,
	status, remote_status, verdict, published, created_at, updated_at,
	remote_alert_ids, raw, revision, last_changed_at, notes, classification`
	incidentSet = `integration = ?, vendor_id = ?, title = ?, description = ?,
	severity = ?, status = ?, remote_status = ?, verdict = ?, published = ?,
	created_at = ?, updated_at = ?, remote_alert_ids = ?, raw = ?, revision = ?,
	last_changed_at = ?, notes = ?, classification = ?`
	revisionCols   = `id, kind, object_id, seq, actor_kind, actor_name, reason, changes, snapshot, at`
	commentCols    = `id, kind, object_id, author_kind, author_name, body, at, request_key`
	quarantineCols = `id, integration, vendor_id, reason, payload, at`
	integrationCol = `id, kind, name, enabled, settings, secrets, policy, updated_at`
	validationCols = `alert_id, started_at, next_pass_at, ends_at, passes, done, found`
	ledgerCols     = `id, integration, kind, vendor_id, remote_status, at`
	membershipCols = `incident_id, alert_id, source, added_at`
	tenantCols     = `id, name, status, data_key, created_at, updated_at`
	sessionCols    = `id_digest, principal, role, home, credential, binding, seed, acting, created_at, expires_at`
	outboxCols     = `id, tenant, idem_key, integration, object_ref, action, payload,
	origin_kind, origin_id, state, attempts, next_attempt_at, lease_owner,
	lease_until, last_error, created_at, updated_at, priority`
	playbookCols = `id, definition, origin, updated_at`
	runCols      = `id, playbook_id, trigger, object_kind, object_id, status, nodes,
	next_step, started_at, finished_at, error, dedupe, group_until, group_count, dry_run`
	// runInsertCols are runCols without the id; runWidth counts them.
	runInsertCols = `playbook_id, trigger, object_kind, object_id, status, nodes,
	next_step, started_at, finished_at, error, dedupe, group_until, group_count, dry_run`
	runWidth = 14
	// runDedupe is the conflict target of a run insert: the partial
	// unique index on dedupe, named by its column and predicate.
	runDedupe = ` ON CONFLICT (tenant, dedupe) WHERE dedupe IS NOT NULL DO NOTHING`
	// runGrouping is written as the playbook_runs_open index states it,
	// so that the planner can match the two (see migration 0009/0008).
	runGrouping = `status = 'running' AND group_until > 0`
	stepCols    = `run_id, idx, name, type, status, input, output, attempts,
	duration_us, error, started_at, finished_at`
	// stepConflict makes a step insert replace the step's record.
	stepConflict = ` ON CONFLICT (tenant, run_id, idx) DO UPDATE SET
	name = excluded.name, type = excluded.type, status = excluded.status,
	input = excluded.input, output = excluded.output, attempts = excluded.attempts,
	duration_us = excluded.duration_us, error = excluded.error,
	started_at = excluded.started_at, finished_at = excluded.finished_at`
	// returningID ends every insert that reports a new id.
	returningID = " RETURNING id"
	// outboxActive is written the same way in the claim and in the partial
	// indexes so that SQLite's planner can match them.
	outboxActive = `state IN ('pending', 'leased')`
	// laneActive is outboxActive as the lane index states it; see
	// migration 0005.
	laneActive = outboxActive + ` AND integration > ''`
)

// tenantMark binds a statement to the tenant of the conn that runs it:
// rebind makes it parameter 1 and the conn passes its tenant there. A
// statement on tenant data without it does not run (see conn.bind).
const tenantMark = ":tenant"

// systemQueries are the statements that run outside every tenant's scope:
// leases, the tenants themselves, and the hub's cross-tenant outbox
// claim. Every other statement names :tenant (TestEveryQueryIsScoped).
var systemQueries = map[qid]bool{
	qOutboxClaim: true, qOutboxLanes: true,
	qLeaseAcquire: true, qLeaseGet: true, qLeaseCheck: true, qLeaseRelease: true, qLeaseList: true,
	qTenantList: true, qTenantGet: true, qTenantUpsert: true, qTenantDelete: true, qTenantKeySwap: true,
}

var queryDefs = [numQueries]struct{ name, text string }{
	qAlertGet:         {"alert get", `SELECT ` + alertCols + ` FROM alerts WHERE tenant = :tenant AND id = ?`},
	qAlertGetByVendor: {"alert get by vendor", `SELECT ` + alertCols + ` FROM alerts WHERE tenant = :tenant AND integration = ? AND vendor_id = ?`},
	qAlertInsert: {"alert insert", `INSERT INTO alerts (tenant, integration, vendor_id, title,
	description, severity, status, remote_status, verdict, published, source,
	created_at, updated_at, entities, incident_id, remote_parent, raw, revision,
	first_seen_at, last_changed_at, notes, same_as, twin_id)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` + returningID},
	// The revision guard turns a lost update into ErrConflict: the row must
	// still be at the revision the caller read (or one below its new one).
	qAlertUpdate:         {"alert update", `UPDATE alerts SET ` + alertSet + ` WHERE tenant = :tenant AND id = ? AND revision IN (?, ?)`},
	qIncidentGet:         {"incident get", `SELECT ` + incidentCols + ` FROM incidents WHERE tenant = :tenant AND id = ?`},
	qIncidentGetByVendor: {"incident get by vendor", `SELECT ` + incidentCols + ` FROM incidents WHERE tenant = :tenant AND integration = ? AND vendor_id = ?`},
	qIncidentInsert: {"incident insert", `INSERT INTO incidents (tenant, integration, vendor_id,
	title, description, severity, status, remote_status, verdict, published,
	created_at, updated_at, remote_alert_ids, raw, revision, last_changed_at, notes, classification)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` + returningID},
	qIncidentUpdate:   {"incident update", `UPDATE incidents SET ` + incidentSet + ` WHERE tenant = :tenant AND id = ? AND revision IN (?, ?)`},
	qIncidentAlertIDs: {"incident alert ids", `SELECT alert_id FROM memberships WHERE tenant = :tenant AND incident_id = ? ORDER BY alert_id`},
	qMembershipAdd: {"membership add", `INSERT INTO memberships (tenant, incident_id, alert_id, source, added_at)
	VALUES (:tenant, ?, ?, ?, ?) ON CONFLICT (tenant, incident_id, alert_id) DO NOTHING`},
	qMembershipRemove:      {"membership remove", `DELETE FROM memberships WHERE tenant = :tenant AND incident_id = ? AND alert_id = ?`},
	qMembershipsOfAlert:    {"memberships of alert", `SELECT ` + membershipCols + ` FROM memberships WHERE tenant = :tenant AND alert_id = ? ORDER BY incident_id`},
	qMembershipsOfIncident: {"memberships of incident", `SELECT ` + membershipCols + ` FROM memberships WHERE tenant = :tenant AND incident_id = ? ORDER BY alert_id`},
	qRevisionAppend: {"revision append", `INSERT INTO revisions (tenant, kind, object_id, seq,
	actor_kind, actor_name, reason, changes, snapshot, at)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	qRevisionList: {"revision list", `SELECT ` + revisionCols + ` FROM revisions
	WHERE tenant = :tenant AND kind = ? AND object_id = ? AND seq > ? ORDER BY seq LIMIT CAST(? AS INTEGER)`},
	qCommentAdd: {"comment add", `INSERT INTO comments (tenant, kind, object_id, author_kind,
	author_name, body, at, request_key) VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?)` + returningID},
	qCommentByRequestKey: {"comment by request key", `SELECT ` + commentCols + ` FROM comments
	WHERE tenant = :tenant AND kind = ? AND object_id = ? AND request_key = ?`},
	qCommentList: {"comment list", `SELECT ` + commentCols + ` FROM comments
	WHERE tenant = :tenant AND kind = ? AND object_id = ? ORDER BY id`},
	qQuarantineAdd: {"quarantine add", `INSERT INTO quarantine (tenant, integration, vendor_id,
	reason, payload, at) VALUES (:tenant, ?, ?, ?, ?, ?)`},
	qIntegrationUpsert: {"integration upsert", `INSERT INTO integrations (tenant, ` + integrationCol + `)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (tenant, id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
	enabled = excluded.enabled, settings = excluded.settings,
	secrets = excluded.secrets, policy = excluded.policy,
	updated_at = excluded.updated_at`},
	qIntegrationGet:  {"integration get", `SELECT ` + integrationCol + ` FROM integrations WHERE tenant = :tenant AND id = ?`},
	qIntegrationList: {"integration list", `SELECT ` + integrationCol + ` FROM integrations WHERE tenant = :tenant ORDER BY id`},
	qCursorGet:       {"cursor get", `SELECT cursor FROM cursors WHERE tenant = :tenant AND integration = ? AND stream = ?`},
	qCursorSet: {"cursor set", `INSERT INTO cursors (tenant, integration, stream, cursor, updated_at)
	VALUES (:tenant, ?, ?, ?, ?) ON CONFLICT (tenant, integration, stream)
	DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`},
	qValidationUpsert: {"validation upsert", `INSERT INTO validations (tenant, ` + validationCols + `)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, alert_id) DO UPDATE SET
	started_at = excluded.started_at, next_pass_at = excluded.next_pass_at,
	ends_at = excluded.ends_at, passes = excluded.passes, done = excluded.done,
	found = excluded.found`},
	// Counting stops at the caller's cap: the answer only has to say
	// whether the cap is reached, and a full count would grow with every
	// alert under validation.
	qValidationActive: {"validation active", `SELECT COUNT(*) FROM (SELECT 1 FROM validations v
	JOIN alerts a ON a.tenant = v.tenant AND a.id = v.alert_id
	WHERE v.tenant = :tenant AND NOT v.done AND a.integration = ? LIMIT CAST(? AS INTEGER)) capped`},
	qValidationGet: {"validation get", `SELECT ` + validationCols + ` FROM validations WHERE tenant = :tenant AND alert_id = ?`},
	qValidationDue: {"validation due", `SELECT ` + validationCols + ` FROM validations
	WHERE tenant = :tenant AND NOT done AND next_pass_at <= ? ORDER BY next_pass_at, alert_id LIMIT CAST(? AS INTEGER)`},
	qLedgerAdd: {"ledger add", `INSERT INTO ledger (tenant, integration, kind, vendor_id,
	remote_status, at) VALUES (:tenant, ?, ?, ?, ?, ?)`},
	// The walk follows alert_entities' key (tenant, value, alert_id) in
	// alert id order and stops at the limit, however many alerts name the
	// value.
	qAlertRefsByEntity: {"alert refs by entity", `SELECT a.id, a.incident_id, a.verdict
	FROM alert_entities e JOIN alerts a ON a.tenant = e.tenant AND a.id = e.alert_id
	WHERE e.tenant = :tenant AND e.value = ? AND a.status IN ('new', 'in_progress', 'unknown', '')
	ORDER BY e.alert_id LIMIT CAST(? AS INTEGER)`},
	qAlertEntityAdd: {"alert entity add", `INSERT INTO alert_entities (tenant, value, alert_id) VALUES (:tenant, ?, ?)
	ON CONFLICT DO NOTHING`},
	qAlertIncident: {"alert incident", `UPDATE alerts SET incident_id = ?, revision = ?,
	last_changed_at = ? WHERE tenant = :tenant AND id = ? AND revision = ?`},
	qAlertRemoteStatus: {"alert remote status", `UPDATE alerts SET remote_status = ?, revision = ?,
	last_changed_at = ? WHERE tenant = :tenant AND id = ? AND revision = ?`},
	qLedgerList: {"ledger list", `SELECT ` + ledgerCols + ` FROM ledger
	WHERE tenant = :tenant AND integration = ? AND kind = ? AND vendor_id = ? ORDER BY at, id`},
	qLedgerDelete: {"ledger delete", `DELETE FROM ledger WHERE tenant = :tenant AND id = ?`},
	qLedgerPrune:  {"ledger prune", `DELETE FROM ledger WHERE tenant = :tenant AND at < ?`},
	qOutboxEnqueue: {"outbox enqueue", `INSERT INTO outbox (tenant, idem_key, integration,
	object_ref, action, payload, origin_kind, origin_id, state, attempts,
	next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at, priority)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
	ON CONFLICT (tenant, idem_key) DO NOTHING` + returningID},
	qOutboxIDByKey: {"outbox id by key", `SELECT id FROM outbox WHERE tenant = :tenant AND idem_key = ?`},
	qOutboxGet:     {"outbox get", `SELECT ` + outboxCols + ` FROM outbox WHERE tenant = :tenant AND id = ?`},
	// The claim takes due items that have no earlier unfinished item for
	// the same remote object, in id order within a priority (OutboxClaim
	// claims decisions before automatic comments); per object the order
	// stays the id order. An
	// expired lease counts as due (its worker is presumed dead) and still
	// blocks later items. The all-tenants form serves tests and
	// single-shot runs; workers claim per lane (a tenant's integration),
	// and the tenant form serves a tenant's single-shot runs.
	qOutboxClaim:       {"outbox claim", claimQuery("AND o.priority BETWEEN ? AND ?")},
	qOutboxClaimTenant: {"outbox claim tenant", claimQuery("AND o.tenant = :tenant AND o.priority BETWEEN ? AND ?")},
	qOutboxClaimLane:   {"outbox claim lane", claimQuery("AND o.tenant = :tenant AND o.integration = ? AND o.priority BETWEEN ? AND ?")},
	// Lanes are the tenants' integrations with unfinished work, found by
	// a skip scan of outbox_lane: one index probe per lane, however long
	// the backlog.
	qOutboxLanes: {"outbox lanes", `WITH RECURSIVE lanes (tenant, integration) AS (
	SELECT * FROM (SELECT o.tenant, o.integration FROM outbox o WHERE o.` + laneActive + `
		ORDER BY o.tenant, o.integration LIMIT 1) first
	UNION ALL
	SELECT (SELECT o.tenant FROM outbox o WHERE o.` + laneActive + `
		AND (o.tenant, o.integration) > (lanes.tenant, lanes.integration)
		ORDER BY o.tenant, o.integration LIMIT 1),
	(SELECT o.integration FROM outbox o WHERE o.` + laneActive + `
		AND (o.tenant, o.integration) > (lanes.tenant, lanes.integration)
		ORDER BY o.tenant, o.integration LIMIT 1)
	FROM lanes WHERE lanes.tenant IS NOT NULL)
	SELECT tenant, integration FROM lanes WHERE tenant IS NOT NULL`},
	// outboxActive, implied by state = 'pending', lets SQLite take the
	// partial outbox_object (the object's unfinished items in id order);
	// without it, its planner walked the tenant's whole outbox through
	// outbox_tenant for the ORDER BY, once per verdict.
	qOutboxObjectPending: {"outbox object pending", `SELECT ` + outboxCols + ` FROM outbox
	WHERE tenant = :tenant AND integration = ? AND object_ref = ? AND ` + outboxActive + ` AND state = 'pending' ORDER BY id`},
	qOutboxObjectBusy: {"outbox object busy", `SELECT COUNT(*) FROM (SELECT 1 FROM outbox
	WHERE tenant = :tenant AND integration = ? AND object_ref = ? AND ` + outboxActive + ` LIMIT 1) busy`},
	qOutboxObjectCount: {"outbox object count", `SELECT COUNT(*) FROM outbox
	WHERE tenant = :tenant AND integration = ? AND object_ref = ? AND action = ? AND priority = ?
	AND state IN ('pending', 'leased', 'done')`},
	// laneActive keeps it on outbox_lane, a partial index of unfinished
	// items, off the done ones; the priority range (every priority there
	// is) makes SQLite search it by (tenant, integration, priority).
	// Without the range its planner took the index's "integration > ''"
	// over the equality and walked the tenant's every unfinished item, as
	// the claim would without its own priority range.
	qOutboxExpedite: {"outbox expedite", `UPDATE outbox SET next_attempt_at = ?
	WHERE tenant = :tenant AND integration = ? AND ` + laneActive + ` AND priority BETWEEN ? AND ?
	AND state = 'pending' AND next_attempt_at > ? AND attempts > 0 AND substr(last_error, 1, ?) = ?`},
	// A dead action is only retried while no later action on the same
	// remote object has been applied: re-sending "in progress" after
	// "resolved" went through would reopen the vendor's alert. The unary
	// plus keeps SQLite from walking every later item of the tenant
	// through outbox_tenant instead of the object's through
	// outbox_object_action.
	qOutboxRetry: {"outbox retry", `UPDATE outbox SET state = 'pending', attempts = 0,
	next_attempt_at = ?, updated_at = ? WHERE tenant = :tenant AND id = ? AND state = 'dead'
	AND NOT EXISTS (SELECT 1 FROM outbox later WHERE later.tenant = outbox.tenant
	AND later.integration = outbox.integration
	AND later.object_ref = outbox.object_ref AND +later.id > outbox.id AND later.state = 'done')`},
	qOutboxCounts: {"outbox counts", `SELECT state, COUNT(*) FROM outbox WHERE tenant = :tenant GROUP BY state`},
	qOutboxSkip: {"outbox skip", `UPDATE outbox SET state = 'skipped', last_error = ?, updated_at = ?
	WHERE tenant = :tenant AND idem_key = ? AND state = 'pending'`},
	qPlaybookList: {"playbook list", `SELECT ` + playbookCols + ` FROM playbooks WHERE tenant = :tenant ORDER BY id`},
	qPlaybookGet:  {"playbook get", `SELECT ` + playbookCols + ` FROM playbooks WHERE tenant = :tenant AND id = ?`},
	qPlaybookUpsert: {"playbook upsert", `INSERT INTO playbooks (tenant, ` + playbookCols + `)
	VALUES (:tenant, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET definition = excluded.definition,
	origin = excluded.origin, updated_at = excluded.updated_at`},
	qPlaybookDelete: {"playbook delete", `DELETE FROM playbooks WHERE tenant = :tenant AND id = ?`},
	qRunGet:         {"run get", `SELECT ` + runCols + ` FROM playbook_runs WHERE tenant = :tenant AND id = ?`},
	qRunInsert: {"run insert", `INSERT INTO playbook_runs (tenant, ` + runInsertCols + `)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` + runDedupe + returningID},
	qRunUpdate: {"run update", `UPDATE playbook_runs SET status = ?, nodes = ?, next_step = ?,
	finished_at = ?, error = ?, group_until = ?, group_count = ? WHERE tenant = :tenant AND id = ?`},
	qRunOpenGroup: {"run open group", `SELECT ` + runCols + ` FROM playbook_runs
	WHERE tenant = :tenant AND playbook_id = ? AND ` + runGrouping + ` AND group_until > ? AND group_count < ?
	ORDER BY id LIMIT 1`},
	// The next finished runs of the prune's walk, in id order, never the
	// tenant's newest: SQLite gives a new row the largest id so far plus
	// one, so keeping each tenant's newest keeps the largest of all, and
	// no id is given twice.
	qRunPrunable: {"run prunable", `SELECT id, playbook_id FROM playbook_runs
	WHERE tenant = :tenant AND id > ? AND status <> 'running' AND finished_at < ?
	AND id < (SELECT MAX(id) FROM playbook_runs WHERE tenant = :tenant)
	ORDER BY id LIMIT CAST(? AS INTEGER)`},
	qStepUpsert: {"step upsert", `INSERT INTO playbook_steps (tenant, ` + stepCols + `)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` + stepConflict},
	// A lease is taken by one statement: inserted when new, else taken
	// over when it expired (a new epoch) or renewed by its holder (the
	// same epoch); a live lease of another holder is left alone.
	qLeaseAcquire: {"lease acquire", `INSERT INTO leases (name, holder, epoch, held_until, since, renewed_at)
	VALUES (?, ?, 1, ?, ?, ?)
	ON CONFLICT (name) DO UPDATE SET
		epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END,
		since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
		holder = excluded.holder, held_until = excluded.held_until, renewed_at = excluded.renewed_at
	WHERE leases.holder = excluded.holder OR leases.held_until < excluded.renewed_at`},
	qLeaseGet: {"lease get", `SELECT ` + leaseCols + ` FROM leases WHERE name = ?`},
	// The fencing check holds the lease row (PostgreSQL: FOR SHARE) until
	// its transaction ends, so a takeover commits after the fenced write,
	// never between the check and it.
	qLeaseCheck:   {"lease check", `SELECT ` + leaseCols + ` FROM leases WHERE name = ? /*sharelock*/`},
	qLeaseRelease: {"lease release", `UPDATE leases SET held_until = 0 WHERE name = ? AND holder = ?`},
	qLeaseList:    {"lease list", `SELECT ` + leaseCols + ` FROM leases ORDER BY name`},
	qStepList:     {"step list", `SELECT ` + stepCols + ` FROM playbook_steps WHERE tenant = :tenant AND run_id = ? ORDER BY idx`},
	qTenantList:   {"tenant list", `SELECT ` + tenantCols + ` FROM tenants ORDER BY id`},
	qTenantGet:    {"tenant get", `SELECT ` + tenantCols + ` FROM tenants WHERE id = ?`},
	qTenantUpsert: {"tenant upsert", `INSERT INTO tenants (` + tenantCols + `) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status, updated_at = excluded.updated_at`},
	qTenantDelete:  {"tenant delete", `DELETE FROM tenants WHERE id = ?`},
	qTenantKeySwap: {"tenant key swap", `UPDATE tenants SET data_key = ? WHERE id = ? AND data_key IS NOT DISTINCT FROM ?`},
	// The first alert stored at or after a time, in time order: a bound
	// of a first-seen window as an id (see AlertList).
	qAlertSeenFrom: {"alert seen from", `SELECT id FROM alerts WHERE tenant = :tenant AND first_seen_at >= ?
	ORDER BY first_seen_at, id LIMIT 1`},
	qSessionCreate: {"session create", `INSERT INTO console_sessions (tenant, ` + sessionCols + `)
	VALUES (:tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	qSessionGet: {"session get", `SELECT ` + sessionCols + ` FROM console_sessions
	WHERE tenant = :tenant AND id_digest = ? AND expires_at > ?`},
	qSessionSetTenant: {"session set tenant", `UPDATE console_sessions SET acting = ? WHERE tenant = :tenant AND id_digest = ?`},
	qSessionDelete:    {"session delete", `DELETE FROM console_sessions WHERE tenant = :tenant AND id_digest = ?`},
	// Expired sessions go a batch at a time, found through the expiry
	// index.
	qSessionPrune: {"session prune", `DELETE FROM console_sessions WHERE tenant = :tenant AND id_digest IN
	(SELECT id_digest FROM console_sessions WHERE tenant = :tenant AND expires_at <= ? LIMIT CAST(? AS INTEGER))`},
}

// claimQuery is the outbox claim of one priority, optionally narrowed by
// lane. Each priority is claimed on its own so that the row walk follows
// an index (priority, id or integration, priority, id) in id order and
// stops at LIMIT; one ORDER BY over both priorities made PostgreSQL sort
// every unfinished row on each claim. The priority is written as a range
// (BETWEEN p AND p) and the walk ordered by (priority, id) on purpose:
// with "priority = p ... ORDER BY id" PostgreSQL, whose statistics lag
// behind a queue's churn, chose the primary key and filtered every row
// already done on each claim (55 ms a claim of 256 after 5,000 were done,
// against 2 ms through the partial index). Its parameters are
// [tenant, [integration,]] priority, priority, now, now, limit, owner, lease
// end, now.
// "First unfinished action on its object" is asked as o.id = MIN(p.id), a
// probe of the object index per candidate; the equivalent NOT EXISTS (an
// earlier one), in the lane claim's generic plan, let PostgreSQL match the
// probe on the integration alone and filter every unfinished row of it
// per candidate (346 ms a claim of 64 among 10,000, against 4 ms).
//
// Every LIMIT takes CAST(? AS INTEGER) rather than a bare ?: SQLite reads
// a bare LIMIT parameter's value while planning, so it marks the prepared
// statement to be prepared again each time its bindings are cleared, that
// is on every run (a fifth of a claim's cost). A cast is not planned on.
func claimQuery(lane string) string {
	return `WITH due AS MATERIALIZED (
	SELECT o.tenant, o.id FROM outbox o
	WHERE o.` + outboxActive + ` AND o.integration > '' ` + lane + `
	AND ((o.state = 'pending' AND o.next_attempt_at <= ?)
		OR (o.state = 'leased' AND o.lease_until < ?))
	AND o.id = (SELECT MIN(p.id) FROM outbox p
		WHERE p.tenant = o.tenant AND p.integration = o.integration AND p.object_ref = o.object_ref
		AND p.` + outboxActive + `)
	ORDER BY o.priority, o.id LIMIT CAST(? AS INTEGER) /*claimlock*/)
	UPDATE outbox SET state = 'leased', lease_owner = ?, lease_until = ?,
	attempts = attempts + 1, updated_at = ?
	WHERE (tenant, id) IN (SELECT tenant, id FROM due)
	RETURNING ` + outboxCols
}
