-- Search reads item_keys (0011): the FTS5 index of the first schema is read by nothing,
-- so it and the triggers that filled it on every item stored, corrected or deleted go.
-- Items keep every column and row.
DROP TRIGGER IF EXISTS items_fts_insert;
DROP TRIGGER IF EXISTS items_fts_delete;
DROP TRIGGER IF EXISTS items_fts_update;
DROP TABLE IF EXISTS items_fts;
