-- PostGIS's migration 008 rebuilds two of its indexes; the embedded store keeps no secondary
-- indexes on cases (see 006): nothing changes here but the schema version.
SELECT 1;
