-- Case searches (the OGC API's items): fixed filters, then an optional condition rendered by
-- geo.store.case_search (bound parameters only), then the page. Paged by id.

-- name: filters
WHERE (%(status)s::text IS NULL OR c.status = %(status)s)
  AND (%(community)s::text IS NULL OR c.community_code = %(community)s)
  AND (%(grid)s::text IS NULL OR c.grid_code = %(grid)s)
  AND (%(category)s::text IS NULL OR c.category = %(category)s)
  AND (%(since)s::timestamptz IS NULL OR c.reported_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR c.reported_at < %(until)s)
  AND (%(west)s::float8 IS NULL OR (c.lon BETWEEN %(west)s AND %(east)s
                                   AND c.lat BETWEEN %(south)s AND %(north)s))

-- name: page
  AND c.id > %(after)s
ORDER BY c.id
LIMIT %(limit)s

-- name: count
SELECT count(*) FROM cases c
