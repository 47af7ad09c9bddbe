-- SQLite's 0014: search reads item_keys, so the tsvector column of the first schema and
-- its GIN index, computed and written for every item stored or corrected, go (the index
-- goes with the column).  The folding function only fed the column.  The unaccent
-- extension stays: it may be shared, and only a superuser could make it again.
ALTER TABLE items DROP COLUMN search;
DROP FUNCTION newsbot_fold(text);
