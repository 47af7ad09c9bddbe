-- A text is unique among live items only: after /intrekken the same text may be posted
-- again.  The column's UNIQUE becomes a partial unique index; the
-- insert's ON CONFLICT DO NOTHING (no target) still skips a live duplicate.
ALTER TABLE items DROP CONSTRAINT items_content_hash_key;
CREATE UNIQUE INDEX items_live_text ON items (content_hash) WHERE retracted = 0;
