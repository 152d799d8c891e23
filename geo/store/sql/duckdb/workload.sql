-- name: workload
-- Hand-written on purpose: one pass over the cases answers every counter of the report
-- with FILTER clauses, grouped at the level asked for (community, grid or worker).
WITH c AS (
    SELECT cs.*,
           CASE $level WHEN 'community' THEN cs.community_code
                          WHEN 'grid' THEN cs.grid_code
                          ELSE cs.assignee_id END AS k
    FROM cases cs
    WHERE ($class IS NULL
           OR cs.category IN (SELECT code FROM categories WHERE class_code = $class))
      -- Only cases that can count: reported or closed in the period, or open now. A case
      -- closed before the period had all its events before it, too.
      AND (cs.reported_at >= $since AND cs.reported_at < $until
           OR cs.closed_at >= $since
           OR cs.status NOT IN ('closed', 'rejected'))
),
ev AS (
    SELECT case_id,
           count(*) FILTER (WHERE action = 'return') AS returned,
           count(*) FILTER (WHERE action = 'rework') AS reworked
    FROM case_events
    WHERE action IN ('return', 'rework')
      AND occurred_at >= $since AND occurred_at < $until
    GROUP BY case_id
)
SELECT c.k,
       count(*) FILTER (WHERE c.reported_at >= $since AND c.reported_at < $until),
       count(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected')),
       count(*) FILTER (WHERE c.closed_at >= $since AND c.closed_at < $until),
       count(*) FILTER (WHERE c.closed_at >= $since AND c.closed_at < $until
                          AND c.closed_on_time),
       count(*) FILTER (WHERE c.due_at IS NOT NULL AND c.status NOT IN ('closed', 'rejected')
                          AND COALESCE(CASE WHEN c.status = 'suspended'
                                            THEN c.suspended_at END, $now) > c.due_at),
       COALESCE(sum(ev.returned), 0),
       COALESCE(sum(ev.reworked), 0),
       quantile_cont(c.handling_hours, 0.5)
           FILTER (WHERE c.closed_at >= $since AND c.closed_at < $until),
       quantile_cont(c.handling_hours, 0.9)
           FILTER (WHERE c.closed_at >= $since AND c.closed_at < $until)
FROM c LEFT JOIN ev ON ev.case_id = c.id
WHERE c.k IS NOT NULL
GROUP BY c.k
ORDER BY c.k;
