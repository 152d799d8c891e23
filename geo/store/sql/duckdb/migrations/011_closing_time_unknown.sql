-- Cases imported as closed from a file with no closing-time column: the closing time is
-- unknown, so the case counts neither as closed in a period nor as closed on time or late.
-- (DuckDB cannot add a column with a NOT NULL constraint: it is added, filled, then set.)
ALTER TABLE cases ADD COLUMN closing_time_unknown BOOLEAN DEFAULT false;
UPDATE cases SET closing_time_unknown = false WHERE closing_time_unknown IS NULL;
ALTER TABLE cases ALTER COLUMN closing_time_unknown SET NOT NULL;
