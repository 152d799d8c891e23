-- As PostGIS's 010: communities and grids say whether they are illustrative, a case keeps a
-- photo link (media_url). No index for reading newest first: the embedded store keeps no
-- secondary indexes on cases (see 002 and 006); it sorts the filtered rows.
--
-- Generations stored before this flag existed: those labelled as the bundled set is when
-- `gridmgr init` loads it ("... (illustrative)") are marked illustrative; every other one is a
-- district's own and stays unmarked.
ALTER TABLE communities ADD COLUMN illustrative BOOLEAN DEFAULT false;
ALTER TABLE grids ADD COLUMN illustrative BOOLEAN DEFAULT false;
UPDATE communities SET illustrative = generation IN (
    SELECT id FROM generations WHERE label LIKE '%(illustrative)%');
UPDATE grids SET illustrative = generation IN (
    SELECT id FROM generations WHERE label LIKE '%(illustrative)%');
ALTER TABLE cases ADD COLUMN media_url text;
