-- Planogram Studio roles on a shared PostgreSQL server: CVD's four roles as PostgreSQL group roles.
--
-- Run once per database, as its owner (or a superuser), after the CVD tables (and the seed's AI tables) exist:
--     psql "postgresql://owner@server/cvd" -v ON_ERROR_STOP=1 -f storage/postgres_grants.sql
-- Run it again after adding tables; it is idempotent. Then give each person a login in one group:
--     CREATE ROLE alice LOGIN PASSWORD '…' IN ROLE cvd_manager;
-- Their password lives only in the OS keyring on their laptop, never in settings.
--
-- The groups mirror the app's service-layer rules (CVD's users.role, seed hierarchy), so the server refuses
-- what the app would refuse even to a client that bypasses the app:
--   cvd_viewer   reads every table; of users only names and roles (no emails, password hashes or lockouts:
--                a client reading users must name its columns, not SELECT *)
--   cvd_driver   what a viewer does: exports and printed sheets are reads
--   cvd_manager  also writes planograms and planogram_slots (edit, activate), the AI tables, and appends to
--                audit_log (never rewrites it)
--   cvd_admin    also manages users and the settings table, where there is one
-- Nobody in these groups writes devices, products or sales: the CVD web app (the owner) does.
-- Tables that may be absent (the AI tables before the first sync, a settings table) are skipped.

DO $roles$
DECLARE
    group_name text;
BEGIN
    FOREACH group_name IN ARRAY ARRAY['cvd_viewer', 'cvd_driver', 'cvd_manager', 'cvd_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = group_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', group_name);
        END IF;
    END LOOP;
END
$roles$;

-- each role holds the one below it
GRANT cvd_viewer TO cvd_driver;
GRANT cvd_driver TO cvd_manager;
GRANT cvd_manager TO cvd_admin;

-- only the groups may connect; nobody but the owner creates tables
DO $database$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO cvd_viewer', current_database());
END
$database$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO cvd_viewer;

-- reading: every table now and every table the owner adds later
GRANT SELECT ON ALL TABLES IN SCHEMA public TO cvd_viewer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO cvd_viewer;

-- GRANT or REVOKE on a table if it is there (the AI tables arrive with the first sync)
CREATE OR REPLACE FUNCTION pg_temp.privileges(verb text, privileges text, table_name text, grantee text)
RETURNS void LANGUAGE plpgsql AS $privileges$
BEGIN
    IF to_regclass(format('public.%I', table_name)) IS NOT NULL THEN
        EXECUTE format('%s %s ON public.%I %s %I', verb, privileges, table_name,
                       CASE verb WHEN 'GRANT' THEN 'TO' ELSE 'FROM' END, grantee);
    END IF;
END
$privileges$;

-- users: everyone sees who is who; only admins see (and change) the rest; sessions stay the web app's
SELECT pg_temp.privileges('REVOKE', 'SELECT', 'users', 'cvd_viewer');
SELECT pg_temp.privileges('REVOKE', 'SELECT', 'sessions', 'cvd_viewer');
DO $users$
DECLARE
    visible text;
BEGIN
    SELECT string_agg(quote_ident(column_name), ', ') INTO visible
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = 'users'
      AND column_name NOT IN ('password_hash', 'email', 'last_login', 'failed_login_attempts', 'locked_until');
    IF visible IS NOT NULL THEN
        EXECUTE format('GRANT SELECT (%s) ON public.users TO cvd_viewer', visible);
    END IF;
END
$users$;
SELECT pg_temp.privileges('GRANT', 'SELECT, INSERT, UPDATE, DELETE', 'users', 'cvd_admin');
SELECT pg_temp.privileges('GRANT', 'SELECT, INSERT, UPDATE, DELETE', 'settings', 'cvd_admin');

-- managers: planograms (edit, activate), the seed's AI tables and our LLM records, the audit trail
SELECT pg_temp.privileges('GRANT', 'INSERT, UPDATE, DELETE', table_name, 'cvd_manager')
FROM unnest(ARRAY[
    'planograms', 'planogram_slots',
    'ai_predictions', 'ai_experiments', 'ai_feedback', 'planogram_performance', 'demand_forecasts',
    'llm_calls', 'llm_cache'
]) AS table_name;
SELECT pg_temp.privileges('GRANT', 'INSERT', 'audit_log', 'cvd_manager');

-- new ids for the rows managers and admins insert (identity columns need nothing; serial ones need this)
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cvd_manager;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO cvd_manager;
