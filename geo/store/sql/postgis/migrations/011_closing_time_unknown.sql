-- Cases imported as closed from a file with no closing-time column: the closing time is
-- unknown, so the case counts neither as closed in a period nor as closed on time or late.
ALTER TABLE cases ADD COLUMN closing_time_unknown boolean NOT NULL DEFAULT false;
