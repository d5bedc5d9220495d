-- distribute.sql: spreads recall's PostgreSQL tables over a Citus cluster,
-- by tenant. Run it as the schema owner on the coordinator, after
-- `recall migrate` (which creates the tables) and before any data matters:
--
--   recall migrate                        # RECALL_PG_ADMIN_DSN: the coordinator
--   psql "$RECALL_PG_ADMIN_DSN" -v ON_ERROR_STOP=1 -f schemas/citus/distribute.sql
--
-- Every tenant table has tenant_id as the first column of its primary key
-- and is hash-distributed on it, all co-located with contacts: a tenant's
-- rows live in one shard group, so every transaction a worker runs (always
-- for one tenant, row-level security keyed on recall.tenant_id) is routed to
-- one node, and the foreign keys between them stay enforced. Tables without
-- a tenant key are reference tables (a copy on every node): tenants (one
-- small row per agency, referenced by every other table; a distributed
-- table may reference a reference table, not the other way round) and
-- admin_tokens (looked up by token hash, tenant_id NULL for platform
-- tokens). Parents come before the tables whose foreign keys point at them.
--
-- Idempotent: a table already distributed is left alone. A migration that
-- adds a table must add it here too (tests/integration/test_deploy.sh checks
-- that every CREATE TABLE of schemas/sql/ is named below).

CREATE EXTENSION IF NOT EXISTS citus;

-- reference tables
SELECT create_reference_table('tenants')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'tenants'::regclass);
SELECT create_reference_table('admin_tokens')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'admin_tokens'::regclass);

-- tenant tables, co-located with contacts
SELECT create_distributed_table('contacts', 'tenant_id')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'contacts'::regclass);
SELECT create_distributed_table('messages', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'messages'::regclass);
SELECT create_distributed_table('outbox', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'outbox'::regclass);
SELECT create_distributed_table('prompt_variants', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'prompt_variants'::regclass);
SELECT create_distributed_table('listings', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'listings'::regclass);
SELECT create_distributed_table('contact_profiles', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'contact_profiles'::regclass);
SELECT create_distributed_table('prefs_events', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'prefs_events'::regclass);
SELECT create_distributed_table('recommendations', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'recommendations'::regclass);
SELECT create_distributed_table('recommend_replies', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'recommend_replies'::regclass);
SELECT create_distributed_table('seller_insights', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'seller_insights'::regclass);
SELECT create_distributed_table('objection_history', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'objection_history'::regclass);
SELECT create_distributed_table('erasures', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'erasures'::regclass);
SELECT create_distributed_table('audit_log', 'tenant_id', colocate_with => 'contacts')
 WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'audit_log'::regclass);
