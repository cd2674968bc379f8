-- A test run (发给我自己试试): a draft sent to the user's own contact alone. It is shown as a
-- test in history, and it leaves the notice a draft (its fan-out does not mark it sent).
ALTER TABLE runs ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
