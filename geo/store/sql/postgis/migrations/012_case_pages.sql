-- Paged case reads (GET /cases, the console's queues) are ordered by id and filtered by
-- status, grid or community. Without an index that leads with the filter and then the id,
-- the plan walks the primary key and discards every case of other statuses or places before
-- it finds a page: cost that grows with the table (1.35 million rows read for 100 dispatched
-- cases at 1.5 million). With these, a page reads about a page of index entries.
-- * status: open cases only (closed and rejected ones are most of the table and come
--   quickly along the primary key anyway);
-- * grid and community: all cases; the community one also serves one community's report.
CREATE INDEX cases_open_status_id ON cases (status, id)
    WHERE status NOT IN ('closed', 'rejected');
CREATE INDEX cases_grid_id ON cases (grid_code, id);
CREATE INDEX cases_community_id ON cases (community_code, id);
