-- Every auto-dispatch counts the open cases of each worker of a community. Counted from
-- cases, that reads one heap page per dispatched case (rows of a community are spread over
-- the table, and index-only scans need pages vacuum has marked all-visible, which fresh rows
-- never are). So triggers keep one narrow row per case now dispatched to a person, and the
-- count reads a few pages of these instead.
CREATE TABLE dispatched (
    case_id        bigint PRIMARY KEY,
    community_code text,
    assignee_id    text NOT NULL
);
CREATE INDEX dispatched_by_community ON dispatched (community_code, assignee_id);

INSERT INTO dispatched (case_id, community_code, assignee_id)
SELECT id, community_code, assignee_id FROM cases
WHERE status = 'dispatched' AND assignee_id IS NOT NULL;

CREATE FUNCTION track_dispatched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM dispatched WHERE case_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'dispatched' AND NEW.assignee_id IS NOT NULL THEN
        INSERT INTO dispatched (case_id, community_code, assignee_id)
        VALUES (NEW.id, NEW.community_code, NEW.assignee_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION forget_dispatched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dispatched;
    RETURN NULL;
END
$$;

-- Fired only for the rows that matter: a bulk load of closed cases runs no trigger code.
CREATE TRIGGER cases_dispatched_insert AFTER INSERT ON cases FOR EACH ROW
    WHEN (NEW.status = 'dispatched' AND NEW.assignee_id IS NOT NULL)
    EXECUTE FUNCTION track_dispatched();
CREATE TRIGGER cases_dispatched_update AFTER UPDATE OF status, assignee_id, community_code
    ON cases FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.community_code IS DISTINCT FROM NEW.community_code)
    EXECUTE FUNCTION track_dispatched();
CREATE TRIGGER cases_dispatched_delete AFTER DELETE ON cases FOR EACH ROW
    WHEN (OLD.status = 'dispatched' AND OLD.assignee_id IS NOT NULL)
    EXECUTE FUNCTION track_dispatched();
CREATE TRIGGER cases_dispatched_truncate AFTER TRUNCATE ON cases FOR EACH STATEMENT
    EXECUTE FUNCTION forget_dispatched();

-- Possible duplicates: open cases of a category near a point, reported lately. Found by the
-- category and a narrow band of longitude (a duplicate radius is at most a few hundred
-- metres), not by report time, so the cost follows the cases near the point rather than all
-- open cases of the category; latitude, time and id come from the index too.
DROP INDEX cases_open_recent;
CREATE INDEX cases_open_near ON cases (category, lon) INCLUDE (lat, reported_at, id)
    WHERE status NOT IN ('closed', 'rejected');
