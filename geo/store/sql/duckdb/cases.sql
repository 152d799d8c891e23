-- Case statements. Words in braces stand for column lists of geo.cases.model.Case, filled in
-- when a statement is read (geo.cases.columns: identifiers from that fixed definition, never
-- values), and for the assignment policy's rule (geo.cases.assign.NARROWING).

-- name: delete_categories
DELETE FROM categories;

-- name: insert_category
INSERT INTO categories (code, class_code, class_zh, class_en, name_zh, name_en, limit_value,
                        limit_unit, duplicate_radius_m, public, position)
VALUES ($code, $class_code, $class_zh, $class_en, $name_zh, $name_en,
        $limit_value, $limit_unit, $duplicate_radius_m, $public, $position);

-- name: categories
SELECT code, class_code, class_zh, class_en, name_zh, name_en, limit_value, limit_unit,
       duplicate_radius_m, public
FROM categories ORDER BY position;

-- name: insert_case
INSERT INTO cases ({case_insert_columns}, geom)
VALUES ({case_insert_values},
        CASE WHEN $lon IS NULL THEN NULL ELSE ST_Point($lon, $lat) END)
RETURNING id;

-- name: case_columns
SELECT {case_select}
FROM cases c LEFT JOIN workers w ON w.id = c.assignee_id

-- name: where_id
WHERE c.id = $id

-- name: where_key
WHERE c.idempotency_key = $key

-- name: for_update
-- Writes are serialised by the store (one writer at a time), so no row lock is needed.


-- name: where_filters
-- The filters of a list of cases; a page_* statement follows with its cursor, order and
-- limit.
WHERE ($status IS NULL OR c.status = $status)
  AND ($community IS NULL OR c.community_code = $community)
  AND ($grid IS NULL OR c.grid_code = $grid)
  AND ($assignee IS NULL OR c.assignee_id = $assignee)
  AND ($category IS NULL OR c.category = $category)
  AND ($since IS NULL OR c.reported_at >= $since)
  AND ($until IS NULL OR c.reported_at < $until)
  AND ($west IS NULL OR (c.lon BETWEEN $west AND $east
                                 AND c.lat BETWEEN $south AND $north))
  AND ($overdue IS NULL OR $overdue = (
        c.due_at IS NOT NULL AND c.status NOT IN ('closed', 'rejected')
        AND COALESCE(CASE WHEN c.status = 'suspended' THEN c.suspended_at END, $now)
            > c.due_at))

-- name: page_by_id
-- The first `limit` after case id `after`, by id.
  AND c.id > $after
ORDER BY c.id
LIMIT $limit

-- name: page_newest
-- After where_filters: newest first (reported_at, then id, both descending): the first
-- page, or the page that follows case `before` (one that does not exist: no rows).
-- DuckDB: the page cursor as an EXISTS over the cursor's row.
  AND ($before IS NULL OR EXISTS (
        SELECT 1 FROM cases b WHERE b.id = $before
          AND (c.reported_at < b.reported_at
               OR (c.reported_at = b.reported_at AND c.id < b.id))))
ORDER BY c.reported_at DESC, c.id DESC
LIMIT $limit

-- name: update_case
-- Guarded write: it changes the row only if nobody else has since the caller read it.
UPDATE cases SET
    {case_update_set},
    geom = CASE WHEN $lon IS NULL THEN NULL ELSE ST_Point($lon, $lat) END,
    version = version + 1
WHERE id = $id AND version = $version;

-- name: insert_event
INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status, occurred_at,
                         note)
SELECT $case_id, COALESCE(max(seq), 0) + 1, $action, $actor_id, $actor_role,
       $from_status, $to_status, $at, $note
FROM case_events WHERE case_id = $case_id;

-- name: events
SELECT case_id, seq, action, actor_id, actor_role, from_status, to_status, occurred_at, note
FROM case_events WHERE case_id = $case_id ORDER BY seq;

-- name: lock_community
-- Writes are serialised by the store (one writer at a time): nothing to lock.
SELECT $community;

-- name: candidates
SELECT w.id, w.name, w.community_code, w.home_grid_code, w.on_duty, w.open_case_cap, w.skills,
       COALESCE(o.n, 0)
FROM workers w
LEFT JOIN (
    SELECT assignee_id, count(*) AS n FROM cases
    WHERE status = 'dispatched' AND community_code = $community
    GROUP BY assignee_id
) o ON o.assignee_id = w.id
WHERE w.community_code = $community
ORDER BY w.id;

-- name: assignment_candidates
-- Only the workers the assignment policy can name for a new case in grid $grid needing skill
-- $class, by the rule geo.cases.assign.NARROWING states for both backends (filled in below); see
-- the PostGIS statement for why. A contract test compares choose_assignee over these and
-- over all.
WITH asked AS (SELECT $grid::text AS grid_code, $class::text AS class_code),
people AS (
    SELECT w.id, w.name, w.community_code, w.home_grid_code, w.on_duty, w.open_case_cap,
           w.skills, COALESCE(o.n, 0) AS n
    FROM workers w
    LEFT JOIN (
        SELECT assignee_id, count(*) AS n FROM cases
        WHERE status = 'dispatched' AND community_code = $community
        GROUP BY assignee_id
    ) o ON o.assignee_id = w.id
    WHERE w.community_code = $community
)
{assignment_narrowing};

-- name: worker
SELECT id, name, role, community_code, home_grid_code, phone, skills, on_duty, open_case_cap
FROM workers WHERE id = $id;

-- name: recent_open
SELECT id, lon, lat FROM cases
WHERE category = $category AND status NOT IN ('closed', 'rejected')
  AND reported_at >= $since AND lon BETWEEN $west AND $east
  AND lat BETWEEN $south AND $north;
