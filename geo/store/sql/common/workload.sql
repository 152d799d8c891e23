-- name: workload
-- Hand-written on purpose: one pass over the cases answers every counter of the report
-- with FILTER clauses, grouped at the level asked for (community, grid or worker), by
-- hashing: no sort of all the cases. The handling-time percentiles are ordered-set
-- aggregates, which sort their input, so they get a pass of their own over the cases closed
-- in the period, carrying the key and the hours only. percentile_cont(...) WITHIN GROUP is
-- standard SQL; DuckDB reads it as its own quantile_cont.
WITH c AS (
    SELECT cs.id, cs.status, cs.reported_at, cs.closed_at, cs.closed_on_time, cs.due_at,
           cs.suspended_at,
           CASE %(level)s WHEN 'community' THEN cs.community_code
                          WHEN 'grid' THEN cs.grid_code
                          ELSE cs.assignee_id END AS k
    FROM cases cs
    WHERE (%(class)s::text IS NULL
           OR cs.category IN (SELECT code FROM categories WHERE class_code = %(class)s))
      AND (%(community)s::text IS NULL OR cs.community_code = %(community)s)
      -- Only cases that can count: reported or closed in the period, or open now. A case
      -- closed before the period had all its events before it, too.
      AND (cs.reported_at >= %(since)s AND cs.reported_at < %(until)s
           OR cs.closed_at >= %(since)s
           OR cs.status NOT IN ('closed', 'rejected'))
),
ev AS (
    SELECT case_id,
           count(*) FILTER (WHERE action = 'return') AS returned,
           count(*) FILTER (WHERE action = 'rework') AS reworked
    FROM case_events
    WHERE action IN ('return', 'rework')
      AND occurred_at >= %(since)s AND occurred_at < %(until)s
      AND (%(community)s::text IS NULL
           OR case_id IN (SELECT id FROM cases WHERE community_code = %(community)s))
    GROUP BY case_id
),
counts AS (
    SELECT c.k,
           count(*) FILTER (WHERE c.reported_at >= %(since)s
                              AND c.reported_at < %(until)s) AS received,
           count(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected')) AS open_now,
           count(*) FILTER (WHERE c.closed_at >= %(since)s
                              AND c.closed_at < %(until)s) AS closed,
           count(*) FILTER (WHERE c.closed_at >= %(since)s AND c.closed_at < %(until)s
                              AND c.closed_on_time) AS closed_on_time,
           count(*) FILTER (WHERE c.due_at IS NOT NULL
                              AND c.status NOT IN ('closed', 'rejected')
                              AND COALESCE(CASE WHEN c.status = 'suspended'
                                                THEN c.suspended_at END, %(now)s)
                                  > c.due_at) AS overdue,
           COALESCE(sum(ev.returned), 0) AS returned,
           COALESCE(sum(ev.reworked), 0) AS reworked
    FROM c LEFT JOIN ev ON ev.case_id = c.id
    WHERE c.k IS NOT NULL
    GROUP BY c.k
),
spread AS (
    SELECT CASE %(level)s WHEN 'community' THEN cs.community_code
                          WHEN 'grid' THEN cs.grid_code
                          ELSE cs.assignee_id END AS k,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY cs.handling_hours) AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY cs.handling_hours) AS p90
    FROM cases cs
    WHERE cs.closed_at >= %(since)s AND cs.closed_at < %(until)s
      AND cs.handling_hours IS NOT NULL
      AND (%(class)s::text IS NULL
           OR cs.category IN (SELECT code FROM categories WHERE class_code = %(class)s))
      AND (%(community)s::text IS NULL OR cs.community_code = %(community)s)
    GROUP BY 1
)
SELECT counts.k, counts.received, counts.open_now, counts.closed, counts.closed_on_time,
       counts.overdue, counts.returned, counts.reworked, spread.p50, spread.p90
FROM counts LEFT JOIN spread ON spread.k = counts.k
ORDER BY counts.k;
