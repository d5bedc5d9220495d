-- 001_init.sql: tenants, contacts and their message log, isolated per tenant.
--
-- Every tenant table has tenant_id first in its primary key (ready to be
-- distributed by tenant) and row-level security keyed on the
-- transaction-local setting recall.tenant_id, forced even on the owner.
-- Workers connect as recall_app, which cannot bypass it; the embedded stack
-- creates that role with LOGIN before migrating, elsewhere we create it
-- NOLOGIN and the operator grants it a login (or to a login role) as they see
-- fit. Applied in one transaction by recall_store_migrate().

DO $$
BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_app') THEN
                CREATE ROLE recall_app NOLOGIN;
        END IF;
        -- A role that bypasses RLS would silently see every tenant: refuse.
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_app'
                   AND (rolsuper OR rolbypassrls)) THEN
                RAISE EXCEPTION 'role recall_app must not be a superuser or have BYPASSRLS';
        END IF;
END
$$;

CREATE TABLE tenants (
        tenant_id      text PRIMARY KEY,
        name           text NOT NULL DEFAULT '',
        history_window int NOT NULL DEFAULT 50
                       CHECK (history_window BETWEEN 1 AND 1000),
        cache_ttl_days int NOT NULL DEFAULT 30
                       CHECK (cache_ttl_days BETWEEN 7 AND 90),
        created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
        tenant_id       text NOT NULL REFERENCES tenants (tenant_id),
        contact_id      text NOT NULL,
        name            text,
        phone           text,
        email           text,
        conversation_id text,
        lead_type       text,
        message_count   bigint NOT NULL DEFAULT 0,
        first_seen_at   timestamptz,
        last_seen_at    timestamptz,
        PRIMARY KEY (tenant_id, contact_id)
);

-- seq is the arrival order: the hot window is the last N by seq, whatever
-- the senders' clocks said in dateAdded (at).
CREATE TABLE messages (
        tenant_id       text NOT NULL,
        message_id      text NOT NULL,
        contact_id      text NOT NULL,
        seq             bigint GENERATED ALWAYS AS IDENTITY,
        type            text NOT NULL,
        direction       text NOT NULL,
        message_type    text NOT NULL,
        body            text NOT NULL,
        conversation_id text,
        at              timestamptz NOT NULL,
        stored_at       timestamptz NOT NULL DEFAULT now(),
        outputs_done    boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, message_id),
        FOREIGN KEY (tenant_id, contact_id)
                REFERENCES contacts (tenant_id, contact_id)
);

CREATE INDEX messages_contact_seq ON messages (tenant_id, contact_id, seq);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contacts
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));

-- No TRUNCATE: it ignores row-level security.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, contacts, messages TO recall_app;
