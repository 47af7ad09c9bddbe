-- The newsroom's tools: an item's photo (Telegram's file_id for an uploaded one, the URL
-- for a feed's) and the breaking mark.  A correction's moment is updated_at, which only a
-- correction sets, so it needs no column of its own.  Existing items keep every value and
-- read as text-only, not breaking.
ALTER TABLE items ADD COLUMN photo TEXT;
ALTER TABLE items ADD COLUMN breaking INTEGER NOT NULL DEFAULT 0;
-- Breaking items are few (hundreds a year): the sender finds their pending alerts through
-- this small index and the outbox's own key, without a column on the outbox (a fan-out
-- writes 100,000 rows; every byte there counts).
CREATE INDEX items_breaking ON items (id DESC) WHERE breaking = 1;

-- Follows gained (+1) and lost (-1), for the admins' /stats over the last 24 hours.
CREATE TABLE follow_events (
    at     REAL NOT NULL,
    key    TEXT NOT NULL,
    delta  INTEGER NOT NULL CHECK (delta = 1 OR delta = -1)
);
CREATE INDEX follow_events_at ON follow_events (at);
