-- 004: the responder (recall-respond): per-tenant Claude settings, the
-- sealed API key, the assistant's voice, system-prompt variants, and the
-- contact's opt-out state and variant.
--
-- claude_key_sealed holds the tenant's API key sealed with the master key
-- (recall/secret.h); it is written by `recall tenant set --claude-key-file`
-- and read only by the responder: no listing statement selects it.
-- system_prompt '' means the built-in prompt. voice is {agent_name, tone,
-- emoji}. claude_temperature NULL means the API's default. Rate limits of 0
-- mean unlimited.
ALTER TABLE tenants
        ADD COLUMN claude_model text NOT NULL DEFAULT 'claude-haiku-4-5',
        ADD COLUMN claude_max_tokens int NOT NULL DEFAULT 300
                CHECK (claude_max_tokens BETWEEN 1 AND 8192),
        ADD COLUMN claude_temperature real
                CHECK (claude_temperature BETWEEN 0 AND 1),
        ADD COLUMN claude_rpm int NOT NULL DEFAULT 4000 CHECK (claude_rpm >= 0),
        ADD COLUMN claude_tpm int NOT NULL DEFAULT 400000 CHECK (claude_tpm >= 0),
        ADD COLUMN claude_key_sealed text,
        ADD COLUMN system_prompt text NOT NULL DEFAULT '',
        ADD COLUMN voice jsonb NOT NULL DEFAULT '{}'::jsonb;

-- A tenant's prompt experiment: each contact is assigned one variant by a
-- hash of its id over the weights (recall/variant.h). No variants: everyone
-- gets the tenant's system_prompt.
CREATE TABLE prompt_variants (
        tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
        name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
        weight        int NOT NULL CHECK (weight BETWEEN 1 AND 1000000),
        system_prompt text NOT NULL,
        PRIMARY KEY (tenant_id, name)
);

ALTER TABLE prompt_variants ENABLE ROW LEVEL SECURITY;
ALTER TABLE prompt_variants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON prompt_variants
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON prompt_variants TO recall_app;

-- opted_out: the lead texted STOP; nothing is sent to it until START.
-- variant: the prompt variant of the contact's latest reply.
ALTER TABLE contacts
        ADD COLUMN opted_out boolean NOT NULL DEFAULT false,
        ADD COLUMN opted_out_at timestamptz,
        ADD COLUMN variant text;

-- A reply recorded in the conversation says who wrote it and with which
-- variant; replies are messages with direction 'outbound' and message_id
-- the reply_id.
ALTER TABLE messages
        ADD COLUMN source text,
        ADD COLUMN variant text;
