-- name: insert_workers
-- PostGIS: multi-argument unnest of typed arrays. Workers in one statement, each parameter an
-- array with one item per worker; ids already stored are skipped (the caller drops repeated
-- ids within one call, keeping the first).
INSERT INTO workers (id, name, role, community_code, home_grid_code, phone, skills, on_duty,
                     open_case_cap)
SELECT * FROM unnest(%(id)s::text[], %(name)s::text[], %(role)s::text[],
                     %(community_code)s::text[], %(home_grid_code)s::text[], %(phone)s::text[],
                     %(skills)s::text[], %(on_duty)s::boolean[], %(open_case_cap)s::integer[])
ON CONFLICT (id) DO NOTHING;
