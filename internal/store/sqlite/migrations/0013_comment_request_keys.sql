-- A client that sends a comment again because it lost the answer (a cut
-- connection, a timeout, a replica that died mid-call) names the comment
-- with an Idempotency-Key; the second request then finds the first
-- comment instead of storing, and sending to the vendor, a second one.
-- Comments without a key keep NULL, which a unique index never matches.
ALTER TABLE comments ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX comments_request_key ON comments (tenant, kind, object_id, request_key);
