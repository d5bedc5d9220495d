-- Runs once, when the postgres container initialises its volume, as the
-- owner role (POSTGRES_USER, recall_owner). The workers' login role is a
-- member of recall_app, the group the migrations grant the tables to and
-- that row-level security applies to (created here first, so that the
-- workers' role can join it before `recall migrate` runs; the migration
-- accepts an existing recall_app that is not superuser and has no BYPASSRLS).
CREATE ROLE recall_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE recall_worker LOGIN PASSWORD 'recall' NOSUPERUSER NOBYPASSRLS IN ROLE recall_app;
