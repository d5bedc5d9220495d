-- 009: the objections a lead raised (rates too high, wants to wait, has an
-- agent, ...), recognised by recall-memory in each lead message
-- (common/objection.c) and stored in the message's transaction.
--
-- One row per message and kind: the kind's stable code, the lead's words
-- (the matched span of the message body, offsets in bytes) and the
-- message's dateAdded. Derived state: `recall replay --rebuild` clears and
-- recomputes it, and it is part of `recall memory digest`. Erasing the
-- contact deletes its rows (ST_ERASE in common/store.c) with its messages.
-- No foreign key to messages: a worker's cached check plan for one walked
-- the tenant's whole history per row (see 012_outbox_fk.sql), and the only
-- writer adds a row in the transaction that stored its message.
CREATE TABLE objection_history (
        tenant_id  text NOT NULL,
        message_id text NOT NULL,
        kind       text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,63}$'),
        contact_id text NOT NULL,
        text       text NOT NULL,
        span_start int NOT NULL CHECK (span_start >= 0),
        span_end   int NOT NULL CHECK (span_end >= span_start),
        at         timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, message_id, kind)
);

-- a contact's history, oldest first (the brief, `recall memory get`)
CREATE INDEX objection_history_contact ON objection_history (tenant_id, contact_id, at);

ALTER TABLE objection_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE objection_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON objection_history
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON objection_history TO recall_app;
