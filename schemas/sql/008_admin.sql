-- 008: the admin console's tokens and audit log.
--
-- admin_tokens holds only the BLAKE2b-256 hash of each token (the token
-- itself is printed once, by `recall token create`); token_id ("tk_" + 8 hex
-- of the hash) names it in lists and in the audit log. tenant_id NULL makes a
-- platform token (every tenant). recall_app gets no privilege on the table:
-- the admin server checks a presented token through
-- recall_admin_token_check(), a SECURITY DEFINER function that answers for
-- one hash and only while the token is not revoked, so the workers' role
-- can neither list nor forge nor revive tokens. Tokens are created and
-- revoked on the admin connection.
--
-- audit_log records every admin action: who (actor: a token_id or
-- "cli:<unix user>", with its role), what (action, target, detail), when,
-- for which tenant ('' for platform-wide actions such as a platform token).
-- It is append-only for recall_app (SELECT and INSERT under row-level
-- security, no UPDATE, DELETE or TRUNCATE), which sees and writes only the
-- entries of the tenant it has set. Like `recall tenant list`, the
-- platform side reads every tenant's entries on the admin connection, whose
-- role bypasses row-level security (the embedded stack's superuser, or the
-- schema owner with BYPASSRLS).
CREATE TABLE admin_tokens (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        token_id   text NOT NULL UNIQUE CHECK (token_id ~ '^tk_[0-9a-f]{8}$'),
        tenant_id  text REFERENCES tenants (tenant_id),
        label      text NOT NULL DEFAULT '' CHECK (char_length(label) <= 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
);

REVOKE ALL ON admin_tokens FROM PUBLIC;

CREATE FUNCTION recall_admin_token_check(hash bytea)
        RETURNS TABLE (token_id text, tenant_id text, platform boolean)
        LANGUAGE sql STABLE SECURITY DEFINER
AS $$
        SELECT t.token_id, t.tenant_id, t.tenant_id IS NULL
        FROM admin_tokens t
        WHERE t.token_hash = hash AND t.revoked_at IS NULL
$$;

-- A SECURITY DEFINER function must not resolve names through a schema its
-- caller can write: pin the search path to the schema the tables were just
-- created in, temporary objects last.
DO $$
BEGIN
        EXECUTE format('ALTER FUNCTION recall_admin_token_check(bytea)'
                       ' SET search_path = %I, pg_temp', current_schema());
END
$$;

REVOKE ALL ON FUNCTION recall_admin_token_check(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recall_admin_token_check(bytea) TO recall_app;

CREATE TABLE audit_log (
        tenant_id text NOT NULL,
        seq       bigint GENERATED ALWAYS AS IDENTITY,
        at        timestamptz NOT NULL DEFAULT now(),
        actor     text NOT NULL,
        role      text NOT NULL CHECK (role IN ('platform', 'tenant', 'cli')),
        action    text NOT NULL,
        target    text NOT NULL DEFAULT '',
        detail    jsonb,
        PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_seq ON audit_log (seq);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
-- Platform-wide entries ('') are the admin connection's alone: a recall_app
-- session whose tenant setting reverted to '' after a transaction must
-- neither read nor write them.
CREATE POLICY tenant_isolation ON audit_log
        USING (tenant_id <> '' AND tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id <> '' AND tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT ON audit_log TO recall_app;
