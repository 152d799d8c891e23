-- Intake reads two things per case; both now come from an index alone (an index-only scan)
-- instead of one heap page per case looked at:
-- * a community's open-case count per worker: dispatched cases by assignee;
-- * open cases of a category reported lately near a point (possible duplicates): their id
--   and position.
DROP INDEX cases_open;
CREATE INDEX cases_open ON cases (community_code, status) INCLUDE (assignee_id)
    WHERE status NOT IN ('closed', 'rejected');
DROP INDEX cases_open_recent;
CREATE INDEX cases_open_recent ON cases (category, reported_at) INCLUDE (lon, lat, id)
    WHERE status NOT IN ('closed', 'rejected');
