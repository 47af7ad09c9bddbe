-- SQLite's 0009: sections followable and listable; /pauze until a moment.
CREATE INDEX items_section ON items (section, id) WHERE section IS NOT NULL;
ALTER TABLE chats ADD COLUMN paused_until DOUBLE PRECISION;
