-- The outbox keeps only the indexes its readers need, so a fan-out writes each new row
-- into the table and one index (it wrote the primary key and the claim index before).
--
-- - deliveries_pending: every pending row by (item, chat, thread), newest item first:
--   the claim reads it in order, skipping claimed rows inside the index (claimed_by is
--   its last column); outcomes, retractions and expiry find pending rows through it.
-- - deliveries_claimed: the rows a sender has claimed (its read, a takeover); a row
--   enters it when claimed, never at the fan-out.
-- - deliveries_done: rows no longer pending (sent, failed, dropped, held, expired) by
--   (item, chat, thread): outcomes, corrections and reach find them through it.
--
-- Without the primary key nothing in the schema keeps (item, chat, thread) unique: the
-- code does, as it did for SQLite's OR IGNORE (one fan-out per item, removing duplicate
-- chats in its SELECT; a moved chat's rows skip what the new chat already has).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, chat_id, thread_id, claimed_by)
    WHERE status = 'pending';
CREATE INDEX deliveries_claimed ON deliveries (claimed_by, item_id DESC, chat_id, thread_id)
    WHERE status = 'pending' AND claimed_by IS NOT NULL;
CREATE INDEX deliveries_done ON deliveries (item_id, chat_id, thread_id)
    WHERE status <> 'pending';
