-- 006: contact events from the CRM (ContactCreate/ContactUpdate/ContactDelete
-- on messages.inbound) and the echo of recall's own replies.
--
-- contacts.details_at is the dateAdded of the newest event whose name, phone
-- or email were applied (a ContactUpdate, or a message carrying contact
-- details): an older event arriving late leaves them as they are.
--
-- erasures holds one tombstone per erased contact (right to be forgotten):
-- every row about the contact is deleted, and a message, contact or
-- preference event dated at or before erased_at is skipped, so that a replay
-- of the topic history never brings the contact back. A later erasure moves
-- erased_at forward; removed counts the rows deleted per table over all
-- erasures. recall_app may record and read tombstones but never delete one.
--
-- messages.crm_message_id links a reply recall sent (source set) to the
-- CRM's OutboundMessage webhook for it (the echo), so the echo is not stored
-- as a second turn and a redelivery of it finds the link.
ALTER TABLE contacts ADD COLUMN details_at timestamptz;

CREATE TABLE erasures (
        tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
        contact_id   text NOT NULL,
        erased_at    timestamptz NOT NULL,
        requested_by text NOT NULL CHECK (requested_by IN ('crm', 'cli', 'admin')),
        cause_id     text NOT NULL,
        removed      jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
);

ALTER TABLE erasures ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON erasures
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON erasures TO recall_app;

ALTER TABLE messages ADD COLUMN crm_message_id text;
CREATE UNIQUE INDEX messages_crm_message_id ON messages (tenant_id, crm_message_id)
        WHERE crm_message_id IS NOT NULL;
