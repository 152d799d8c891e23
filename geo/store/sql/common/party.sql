-- The party-building grid (migration 013): organisations, members, posts, claims, hours,
-- and the figures per community and grid. The casts give NULL parameters a type.

-- name: org_codes
SELECT code FROM party_orgs;

-- name: select_orgs
SELECT id, code, name, kind, parent_code, lon, lat, generation, community_code, grid_code,
       illustrative
FROM party_orgs
WHERE (%(id)s::bigint IS NULL OR id = %(id)s)
  AND (%(kind)s::text IS NULL OR kind = %(kind)s)
  AND (%(community)s::text IS NULL OR community_code = %(community)s)
  AND (%(grid)s::text IS NULL OR grid_code = %(grid)s)
ORDER BY id;

-- name: insert_member
INSERT INTO party_members (name, phone, org_code, community_code, skills, reported_on)
VALUES (%(name)s, %(phone)s, %(org_code)s, %(community_code)s, %(skills)s, %(reported_on)s)
RETURNING id;

-- name: select_members
SELECT id, name, phone, org_code, community_code, skills, reported_on
FROM party_members
WHERE (%(id)s::bigint IS NULL OR id = %(id)s)
  AND (%(community)s::text IS NULL OR community_code = %(community)s)
ORDER BY id;

-- name: insert_post
INSERT INTO party_posts (community_code, grid_code, title, kind, slots, published_at)
VALUES (%(community_code)s, %(grid_code)s, %(title)s, %(kind)s, %(slots)s, %(published_at)s)
RETURNING id;

-- name: select_posts
SELECT p.id, p.community_code, p.grid_code, p.title, p.kind, p.slots, p.published_at,
       (SELECT count(*) FROM party_claims k WHERE k.post_id = p.id) AS claimed
FROM party_posts p
WHERE (%(id)s::bigint IS NULL OR p.id = %(id)s)
  AND (%(community)s::text IS NULL OR p.community_code = %(community)s)
  AND (%(grid)s::text IS NULL OR p.grid_code = %(grid)s)
ORDER BY p.id;

-- name: lock_post
-- The post's slots and community. (PostGIS overrides this to lock the row.)
SELECT slots, community_code FROM party_posts WHERE id = %(id)s;

-- name: member_community
SELECT community_code FROM party_members WHERE id = %(id)s;

-- name: claim_count
SELECT count(*) FROM party_claims WHERE post_id = %(post_id)s;

-- name: claim_exists
SELECT count(*) FROM party_claims WHERE post_id = %(post_id)s AND member_id = %(member_id)s;

-- name: insert_claim
INSERT INTO party_claims (post_id, member_id, claimed_at)
VALUES (%(post_id)s, %(member_id)s, %(claimed_at)s);

-- name: claims_of_post
SELECT member_id, claimed_at FROM party_claims WHERE post_id = %(post_id)s ORDER BY member_id;

-- name: insert_hours
INSERT INTO party_hours (post_id, member_id, day, hours, activity)
VALUES (%(post_id)s, %(member_id)s, %(day)s, %(hours)s, %(activity)s)
RETURNING id;

-- name: select_hours
SELECT id, post_id, member_id, day, hours, activity
FROM party_hours
WHERE (%(post_id)s::bigint IS NULL OR post_id = %(post_id)s)
  AND (%(member_id)s::bigint IS NULL OR member_id = %(member_id)s)
ORDER BY id;

-- name: figures_communities
-- Per community of a generation: population, organisations inside it, members reported to
-- it, posts published, posts whose claims reach their slots, hours logged on its posts
-- on days from since (inclusive) to until (exclusive), either open when NULL.
SELECT c.code, c.name, c.population,
       (SELECT count(*) FROM party_orgs o WHERE o.community_code = c.code) AS orgs,
       (SELECT count(*) FROM party_members m WHERE m.community_code = c.code) AS members,
       (SELECT count(*) FROM party_posts p WHERE p.community_code = c.code) AS posts,
       (SELECT count(*) FROM party_posts p
        WHERE p.community_code = c.code
          AND p.slots <= (SELECT count(*) FROM party_claims k WHERE k.post_id = p.id))
           AS posts_filled,
       (SELECT coalesce(sum(h.hours), 0) FROM party_hours h
        JOIN party_posts p ON p.id = h.post_id
        WHERE p.community_code = c.code
          AND (%(since)s::date IS NULL OR h.day >= %(since)s)
          AND (%(until)s::date IS NULL OR h.day < %(until)s)) AS hours
FROM communities c
WHERE c.generation = %(generation)s
  AND (%(community)s::text IS NULL OR c.code = %(community)s)
ORDER BY c.code;

-- name: figures_grids
-- Per grid of a generation: as for communities, except that a grid's members are the
-- distinct members holding a post in it.
SELECT g.code, g.name, g.population,
       (SELECT count(*) FROM party_orgs o WHERE o.grid_code = g.code) AS orgs,
       (SELECT count(DISTINCT k.member_id) FROM party_claims k
        JOIN party_posts p ON p.id = k.post_id
        WHERE p.grid_code = g.code) AS members,
       (SELECT count(*) FROM party_posts p WHERE p.grid_code = g.code) AS posts,
       (SELECT count(*) FROM party_posts p
        WHERE p.grid_code = g.code
          AND p.slots <= (SELECT count(*) FROM party_claims k WHERE k.post_id = p.id))
           AS posts_filled,
       (SELECT coalesce(sum(h.hours), 0) FROM party_hours h
        JOIN party_posts p ON p.id = h.post_id
        WHERE p.grid_code = g.code
          AND (%(since)s::date IS NULL OR h.day >= %(since)s)
          AND (%(until)s::date IS NULL OR h.day < %(until)s)) AS hours
FROM grids g
WHERE g.generation = %(generation)s
  AND (%(community)s::text IS NULL OR g.community_code = %(community)s)
ORDER BY g.code;
