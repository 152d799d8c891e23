-- PostGIS's migration 008 adds a trigger-kept table of dispatched cases and widens an index.
-- The embedded store has neither triggers nor secondary indexes on cases (see 006): it keeps
-- counting dispatched cases from the cases table, and only the schema version changes here.
SELECT 1;
