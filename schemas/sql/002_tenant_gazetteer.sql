-- 002: a tenant's gazetteer, the places its leads name (one per line), used
-- by extraction to recognise locations. Set with `recall tenant set T
-- --gazetteer FILE`.
ALTER TABLE tenants ADD COLUMN gazetteer text NOT NULL DEFAULT '';
