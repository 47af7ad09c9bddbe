-- Small values the bot keeps about itself across restarts (the generated webhook secret).
CREATE TABLE meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
