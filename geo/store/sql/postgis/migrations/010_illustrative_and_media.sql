-- Whether a community or grid is illustrative (the bundled demonstration set says so per
-- feature; a district's own boundaries do not), a photo link kept with a case, and an index
-- for reading cases newest first.
--
-- Generations stored before this flag existed: those labelled as the bundled set is when
-- `gridmgr init` loads it ("... (illustrative)") are marked illustrative; every other one is a
-- district's own and stays unmarked.
ALTER TABLE communities ADD COLUMN illustrative boolean NOT NULL DEFAULT false;
ALTER TABLE grids ADD COLUMN illustrative boolean NOT NULL DEFAULT false;
UPDATE communities SET illustrative = true
WHERE generation IN (SELECT id FROM generations WHERE label LIKE '%(illustrative)%');
UPDATE grids SET illustrative = true
WHERE generation IN (SELECT id FROM generations WHERE label LIKE '%(illustrative)%');

-- A link to a photo of the problem (Open311 media_url): an http(s) URL, checked on intake.
ALTER TABLE cases ADD COLUMN media_url text;

-- Open311's requests.json pages newest first: (reported_at, id) descending, the cursor a
-- row comparison on both.
CREATE INDEX cases_newest ON cases (reported_at DESC, id DESC);
