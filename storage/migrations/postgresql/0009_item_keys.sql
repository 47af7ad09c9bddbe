-- The keys each item matches (bot.news.match.search_keys): /zoek, /laatste <term> and
-- inline mode look them up, so search finds what a follow of the same words alerts on.
-- `at` is the item's time (publication, else receipt): results come newest first from the
-- primary key alone.  Filled at open for items stored before (storage/store.py).
CREATE TABLE item_keys (
    key      TEXT NOT NULL,
    at       DOUBLE PRECISION NOT NULL,
    item_id  BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (key, at, item_id)
);
CREATE INDEX item_keys_item ON item_keys (item_id);
