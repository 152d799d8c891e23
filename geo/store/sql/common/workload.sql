-- name: workload
-- Hand-written on purpose: one pass over the cases answers every counter of the report
-- with FILTER clauses, grouped at the level asked for (community, grid or worker). The
-- ordered-set percentile_cont(...) WITHIN GROUP is standard SQL; DuckDB reads it as its own
-- quantile_cont.
WITH c AS (
    SELECT cs.*,
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
)
SELECT c.k,
       count(*) FILTER (WHERE c.reported_at >= %(since)s AND c.reported_at < %(until)s),
       count(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected')),
       count(*) FILTER (WHERE c.closed_at >= %(since)s AND c.closed_at < %(until)s),
       count(*) FILTER (WHERE c.closed_at >= %(since)s AND c.closed_at < %(until)s
                          AND c.closed_on_time),
       count(*) FILTER (WHERE c.due_at IS NOT NULL AND c.status NOT IN ('closed', 'rejected')
                          AND COALESCE(CASE WHEN c.status = 'suspended'
                                            THEN c.suspended_at END, %(now)s) > c.due_at),
       COALESCE(sum(ev.returned), 0),
       COALESCE(sum(ev.reworked), 0),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY c.handling_hours)
           FILTER (WHERE c.closed_at >= %(since)s AND c.closed_at < %(until)s),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY c.handling_hours)
           FILTER (WHERE c.closed_at >= %(since)s AND c.closed_at < %(until)s)
FROM c LEFT JOIN ev ON ev.case_id = c.id
WHERE c.k IS NOT NULL
GROUP BY c.k
ORDER BY c.k;
