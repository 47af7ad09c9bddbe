-- The reader's conversation: sections and pauses.
-- Sections are followable and listable (/laatste buitenland): items by section, newest
-- last in the index so the list reads it backwards.  Only items that have a section.
CREATE INDEX items_section ON items (section, id) WHERE section IS NOT NULL;
-- /pauze: no alerts for the chat until this moment (unix seconds); NULL: not paused.
ALTER TABLE chats ADD COLUMN paused_until REAL;
