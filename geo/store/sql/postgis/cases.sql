-- Case statements. Words in braces stand for column lists of geo.cases.model.Case, filled in
-- when a statement is read (geo.cases.columns: identifiers from that fixed definition, never
-- values), and for the assignment policy's rule (geo.cases.assign.NARROWING).

-- name: delete_categories
DELETE FROM categories;

-- name: insert_category
INSERT INTO categories (code, class_code, class_zh, class_en, name_zh, name_en, limit_value,
                        limit_unit, duplicate_radius_m, public, position)
VALUES (%(code)s, %(class_code)s, %(class_zh)s, %(class_en)s, %(name_zh)s, %(name_en)s,
        %(limit_value)s, %(limit_unit)s, %(duplicate_radius_m)s, %(public)s,
        %(position)s);

-- name: categories
SELECT code, class_code, class_zh, class_en, name_zh, name_en, limit_value, limit_unit,
       duplicate_radius_m, public
FROM categories ORDER BY position;

-- name: insert_case
-- A new case and its first audit events in one statement: a round trip on this path costs
-- about as much CPU as the insert itself. A reused idempotency key inserts nothing (no id comes
-- back) and a concurrent request with the same key waits for the first to commit.
WITH c AS (
    INSERT INTO cases ({case_insert_columns})
    VALUES ({case_insert_values})
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
), trail AS (
    INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status,
                             to_status, occurred_at, note)
    SELECT c.id, e.ord, e.action, e.actor_id, e.actor_role, e.from_status, e.to_status, e.at,
           e.note
    FROM c, unnest(%(actions)s::text[], %(actor_ids)s::text[], %(actor_roles)s::text[],
                   %(from_statuss)s::text[], %(to_statuss)s::text[], %(ats)s::timestamptz[],
                   %(notes)s::text[]) WITH ORDINALITY AS e (action, actor_id, actor_role,
                                                           from_status, to_status, at, note,
                                                           ord)
)
SELECT id FROM c;

-- name: case_columns
SELECT {case_select}
FROM cases c LEFT JOIN workers w ON w.id = c.assignee_id

-- name: where_id
WHERE c.id = %(id)s

-- name: where_key
WHERE c.idempotency_key = %(key)s

-- name: for_update
FOR UPDATE OF c

-- name: where_filters
-- The filters of a list of cases; a page_* statement follows with its cursor, order and
-- limit.
WHERE (%(status)s::text IS NULL OR c.status = %(status)s)
  AND (%(community)s::text IS NULL OR c.community_code = %(community)s)
  AND (%(grid)s::text IS NULL OR c.grid_code = %(grid)s)
  AND (%(assignee)s::text IS NULL OR c.assignee_id = %(assignee)s)
  AND (%(category)s::text IS NULL OR c.category = %(category)s)
  AND (%(since)s::timestamptz IS NULL OR c.reported_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR c.reported_at < %(until)s)
  AND (%(west)s::float8 IS NULL OR (c.lon BETWEEN %(west)s AND %(east)s
                                 AND c.lat BETWEEN %(south)s AND %(north)s))
  AND (%(overdue)s::boolean IS NULL OR %(overdue)s = (
        c.due_at IS NOT NULL AND c.status NOT IN ('closed', 'rejected')
        AND COALESCE(CASE WHEN c.status = 'suspended' THEN c.suspended_at END, %(now)s)
            > c.due_at))

-- name: page_by_id
-- The first `limit` after case id `after`, by id.
  AND c.id > %(after)s
ORDER BY c.id
LIMIT %(limit)s

-- name: page_newest
-- After where_filters: newest first (reported_at, then id, both descending): the first
-- page, or the page that follows case `before` (one that does not exist: no rows).
-- the index cases_reported_at_id serves the order; the row comparison keeps to it.
  AND (%(before)s::bigint IS NULL OR (c.reported_at, c.id) < (
        SELECT b.reported_at, b.id FROM cases b WHERE b.id = %(before)s))
ORDER BY c.reported_at DESC, c.id DESC
LIMIT %(limit)s

-- name: update_case
-- Guarded write: it changes the row only if nobody else has since the caller read it.
UPDATE cases SET
    {case_update_set},
    version = version + 1
WHERE id = %(id)s AND version = %(version)s;

-- name: insert_event
INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status, occurred_at,
                         note)
SELECT %(case_id)s, COALESCE(max(seq), 0) + 1, %(action)s, %(actor_id)s, %(actor_role)s,
       %(from_status)s, %(to_status)s, %(at)s, %(note)s
FROM case_events WHERE case_id = %(case_id)s;

-- name: events
SELECT case_id, seq, action, actor_id, actor_role, from_status, to_status, occurred_at, note
FROM case_events WHERE case_id = %(case_id)s ORDER BY seq;

-- name: lock_community
-- Intakes and dispatches into one community queue up here, so that two transactions never
-- both see a worker under their cap and both assign to them.
-- One transaction-scoped advisory lock per community (not a row lock on each of its workers).
SELECT pg_advisory_xact_lock(520103002, hashtext(%(community)s));

-- name: candidates
SELECT w.id, w.name, w.community_code, w.home_grid_code, w.on_duty, w.open_case_cap, w.skills,
       COALESCE(o.n, 0)
FROM workers w
LEFT JOIN (  -- kept by triggers on cases (migration 008)
    SELECT assignee_id, count(*) AS n FROM dispatched
    WHERE community_code = %(community)s
    GROUP BY assignee_id
) o ON o.assignee_id = w.id
WHERE w.community_code = %(community)s
ORDER BY w.id;

-- name: assignment_candidates
-- Only the workers the assignment policy can name for a new case in grid %(grid)s needing
-- skill %(class)s, by the rule geo.cases.assign.NARROWING states for both backends (filled in
-- below): fetching all of a community's workers and building each in Python cost more than
-- the rest of intake's Python. choose_assignee picks the same from these rows as from all of
-- them (a contract test compares the two).
WITH asked AS (SELECT %(grid)s::text AS grid_code, %(class)s::text AS class_code),
people AS (
    SELECT w.id, w.name, w.community_code, w.home_grid_code, w.on_duty, w.open_case_cap,
           w.skills, COALESCE(o.n, 0) AS n
    FROM workers w
    LEFT JOIN (  -- kept by triggers on cases (migration 008)
        SELECT assignee_id, count(*) AS n FROM dispatched
        WHERE community_code = %(community)s
        GROUP BY assignee_id
    ) o ON o.assignee_id = w.id
    WHERE w.community_code = %(community)s
)
{assignment_narrowing};

-- name: worker
SELECT id, name, role, community_code, home_grid_code, phone, skills, on_duty, open_case_cap
FROM workers WHERE id = %(id)s;

-- name: recent_open
SELECT id, lon, lat FROM cases
WHERE category = %(category)s AND status NOT IN ('closed', 'rejected')
  AND reported_at >= %(since)s AND lon BETWEEN %(west)s AND %(east)s
  AND lat BETWEEN %(south)s AND %(north)s;
