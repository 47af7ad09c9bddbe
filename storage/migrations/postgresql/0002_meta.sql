-- SQLite's 0004: small values the bot keeps about itself (the generated webhook secret).
CREATE TABLE meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
