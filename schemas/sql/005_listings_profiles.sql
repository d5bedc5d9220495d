-- 005: listings (each tenant's inventory), learned preference profiles and
-- communication styles, and what was recommended to whom.
--
-- listings holds the fields recall matches on, normalised at import
-- (recall/listing.h), plus the row as imported (RESO Data Dictionary names)
-- in doc. features is a bitset of recall/listing.h's RECALL_FEATURE_*.
-- building groups units of one building (street address without the unit),
-- so recommendations can be kept diverse. A change of a tenant's listings
-- notifies channel recall_listings with the tenant id, so recommenders
-- refresh their in-memory inventory instead of reloading per request.
CREATE TABLE listings (
        tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
        listing_key text NOT NULL,
        status      text NOT NULL,
        active      boolean NOT NULL,
        price       bigint NOT NULL CHECK (price >= 0),
        beds        int,
        baths       int,
        sqft        int,
        type        text,
        city        text,
        postal_code text,
        latitude    double precision,
        longitude   double precision,
        features    int NOT NULL DEFAULT 0,
        stories     int,
        hoa_fee     int,
        building    text,
        doc         jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, listing_key)
);
CREATE INDEX listings_active ON listings (tenant_id) WHERE active;

CREATE FUNCTION recall_listings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
        t text;
BEGIN
        FOR t IN SELECT DISTINCT tenant_id FROM changed LOOP
                PERFORM pg_notify('recall_listings', t);
        END LOOP;
        RETURN NULL;
END
$$;
CREATE TRIGGER listings_notify_ins AFTER INSERT ON listings
        REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION recall_listings_notify();
CREATE TRIGGER listings_notify_upd AFTER UPDATE ON listings
        REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION recall_listings_notify();
CREATE TRIGGER listings_notify_del AFTER DELETE ON listings
        REFERENCING OLD TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION recall_listings_notify();

-- A contact's learned preference profile (recall/profile.h's JSON form) and
-- communication style (recall/style.h's JSON form). prefs_events records
-- each prefs.update applied, so a redelivered event changes nothing.
CREATE TABLE contact_profiles (
        tenant_id  text NOT NULL,
        contact_id text NOT NULL,
        profile    jsonb,
        style      jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
);

CREATE TABLE prefs_events (
        tenant_id  text NOT NULL,
        event_id   text NOT NULL,
        contact_id text NOT NULL,
        kind       text NOT NULL,
        at         timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, event_id)
);

-- What recall-recommend showed: recently shown listings are left out of the
-- next recommendations.
CREATE TABLE recommendations (
        tenant_id   text NOT NULL,
        request_id  text NOT NULL,
        contact_id  text NOT NULL,
        listing_key text NOT NULL,
        rank        int NOT NULL,
        score       double precision NOT NULL,
        at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, request_id, listing_key)
);
CREATE INDEX recommendations_contact ON recommendations (tenant_id, contact_id, at);

-- The recommend.reply of each request as published, so a redelivered
-- request gets the same reply again instead of a new ranking.
CREATE TABLE recommend_replies (
        tenant_id  text NOT NULL,
        request_id text NOT NULL,
        contact_id text NOT NULL,
        payload    text NOT NULL,
        at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, request_id)
);

-- Interaction weights and the half-life of evidence, per tenant.
ALTER TABLE tenants
        ADD COLUMN learn_weights jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN learn_half_life_days real NOT NULL DEFAULT 30
                CHECK (learn_half_life_days > 0);

DO $$
DECLARE
        t text;
BEGIN
        FOREACH t IN ARRAY ARRAY['listings', 'contact_profiles', 'prefs_events',
                                 'recommendations', 'recommend_replies'] LOOP
                EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
                EXECUTE format('CREATE POLICY tenant_isolation ON %I'
                               ' USING (tenant_id = current_setting(''recall.tenant_id'', true))'
                               ' WITH CHECK (tenant_id = current_setting(''recall.tenant_id'', true))', t);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO recall_app', t);
        END LOOP;
END
$$;
