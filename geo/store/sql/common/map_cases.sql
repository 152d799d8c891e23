-- The cases a community's map draws, written once for both backends. A case is open while
-- its status is not final (closed, rejected); finished cases are ranked by when they finished
-- (closed_at; a rejected case, which has none, by when it was reported). The map takes every
-- open case of the community (open now, whenever reported before the period's end) and the
-- finished ones reported or closed in the period [since, until). public_only keeps only the cases of
-- public categories (what anonymous readers may see).

-- name: where_map
-- Appended to cases.case_columns: open cases first, then finished ones newest first, up to
-- limit rows in all.
WHERE c.community_code = %(community)s
  AND c.reported_at < %(until)s
  AND (c.status NOT IN ('closed', 'rejected')
       OR c.reported_at >= %(since)s
       OR c.closed_at >= %(since)s)
  AND (NOT %(public_only)s OR c.category IN (SELECT code FROM categories WHERE public))
ORDER BY c.status IN ('closed', 'rejected'),
         COALESCE(c.closed_at, c.reported_at) DESC,
         c.id DESC
LIMIT %(limit)s

-- name: map_counts
-- How many cases where_map chooses from: open ones, finished ones.
SELECT count(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected')),
       count(*) FILTER (WHERE c.status IN ('closed', 'rejected'))
FROM cases c
WHERE c.community_code = %(community)s
  AND c.reported_at < %(until)s
  AND (c.status NOT IN ('closed', 'rejected')
       OR c.reported_at >= %(since)s
       OR c.closed_at >= %(since)s)
  AND (NOT %(public_only)s OR c.category IN (SELECT code FROM categories WHERE public))
