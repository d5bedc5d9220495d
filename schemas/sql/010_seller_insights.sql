-- 010: sold and pending listings as comparables, and each seller's
-- comparative market analysis (recall/cma.h).
--
-- A feed's Closed and Pending listings keep their sale fields: close_price
-- (ClosePrice), close_date (CloseDate), days_on_market (DaysOnMarket) and
-- original_list_price (OriginalListPrice). Only Active listings are ever
-- recommended (the active column); closed sales with a price are the
-- comparables, read by place and close date.
ALTER TABLE listings
        ADD COLUMN close_price bigint CHECK (close_price >= 0),
        ADD COLUMN close_date date,
        ADD COLUMN days_on_market int CHECK (days_on_market >= 0),
        ADD COLUMN original_list_price bigint CHECK (original_list_price >= 0);
CREATE INDEX listings_sales ON listings (tenant_id, close_date)
        WHERE close_price IS NOT NULL;

-- The latest seller.insights of a seller lead, as published: written by
-- recall-memory in the transaction of the message that changed the
-- seller's home facts (cause_id), derived state like the qualification
-- (cleared and recomputed by a rebuild, erased with the contact).
CREATE TABLE seller_insights (
        tenant_id  text NOT NULL,
        contact_id text NOT NULL,
        cause_id   text NOT NULL,
        status     text NOT NULL,
        insights   jsonb NOT NULL,
        at         timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, contact_id)
);

ALTER TABLE seller_insights ENABLE ROW LEVEL SECURITY;
ALTER TABLE seller_insights FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON seller_insights
        USING (tenant_id = current_setting('recall.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('recall.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON seller_insights TO recall_app;
