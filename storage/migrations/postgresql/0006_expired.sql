-- SQLite's 0008: alerts older than NEWSBOT_ALERT_MAX_AGE end as 'expired'.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'dropped', 'held', 'expired'));
