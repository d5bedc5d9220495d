-- 003: what recall learns from each lead message.
--
-- contacts.qualification is the contact's qualification state with its whole
-- fact history (recall/qualify.h's JSON form: current values, and every fact
-- with the message it came from, valid_from and valid_until); temperature is
-- derived from it and kept as a column so the CRM side can query it.
-- returning_gap_s is set when the contact's latest message came after a gap
-- longer than the tenant's session_gap_s.
--
-- outbox holds the outputs a message caused besides its respond.request
-- (lead.events, prefs.update), written in the same transaction as the
-- message: a message whose outputs_done is still false after a crash gets
-- them published again, exactly as first computed.
ALTER TABLE tenants ADD COLUMN session_gap_s int NOT NULL DEFAULT 86400
        CHECK (session_gap_s > 0);

ALTER TABLE contacts
        ADD COLUMN qualification jsonb,
        ADD COLUMN temperature text NOT NULL DEFAULT 'cold',
        ADD COLUMN qualified_at timestamptz,
        ADD COLUMN returning_gap_s bigint;

CREATE TABLE outbox (
        tenant_id  text NOT NULL,
        message_id text NOT NULL,
        seq        int NOT NULL,
        topic      text NOT NULL,
        key        text NOT NULL,
        payload    text NOT NULL,
        PRIMARY KEY (tenant_id, message_id, seq),
        FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, message_id)
);

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO recall_app;
