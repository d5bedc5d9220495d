-- 007: per-reply stats for the admin overview (reply latency p50/p95,
-- Claude usage per tenant), recorded by recall-respond with each reply.
--
-- NULL on every message that is not one of recall's replies. latency_ms is
-- from the request taken by the responder to the reply written (the same
-- figure messages.outbound carries); model and the token counts are set only
-- for replies written by Claude (offline replies have latency_ms alone).
-- cache_write_tokens is the API's cache_creation_input_tokens.
ALTER TABLE messages
        ADD COLUMN latency_ms int CHECK (latency_ms >= 0),
        ADD COLUMN model text,
        ADD COLUMN input_tokens int CHECK (input_tokens >= 0),
        ADD COLUMN output_tokens int CHECK (output_tokens >= 0),
        ADD COLUMN cache_read_tokens int CHECK (cache_read_tokens >= 0),
        ADD COLUMN cache_write_tokens int CHECK (cache_write_tokens >= 0);

-- the overview reads one tenant's replies over a time range
CREATE INDEX messages_reply_stats ON messages (tenant_id, at) WHERE latency_ms IS NOT NULL;
