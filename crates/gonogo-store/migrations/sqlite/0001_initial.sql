-- gonogo's memory: runs, sign-offs, waivers, revocations and the hash-chained audit log.
-- Times are Unix seconds (UTC). JSON is stored as text, exactly as it was hashed.

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    checklist      TEXT    NOT NULL,  -- key: path relative to the repository
    checklist_path TEXT    NOT NULL,  -- as given on the command line
    checklist_hash TEXT    NOT NULL,  -- SHA-256 of the checklist source
    commit_sha     TEXT,
    decision       TEXT    NOT NULL,
    verdict        TEXT    NOT NULL,
    score          REAL,
    counts         TEXT    NOT NULL,  -- JSON object status -> count
    item_count     INTEGER NOT NULL,
    report         TEXT    NOT NULL,  -- the full report, JSON
    actor          TEXT    NOT NULL,
    at             INTEGER NOT NULL
);
CREATE INDEX runs_by_checklist ON runs (checklist, id);

CREATE TABLE run_items (
    run_id    INTEGER NOT NULL REFERENCES runs (id),
    position  INTEGER NOT NULL,
    item_id   TEXT    NOT NULL,
    line      INTEGER NOT NULL,
    text      TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    evidence  TEXT    NOT NULL,  -- JSON, redacted before it gets here
    PRIMARY KEY (run_id, position)
);

CREATE TABLE attestations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    checklist  TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    item_text  TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    role       TEXT,
    evidence   TEXT,
    note       TEXT,
    at         INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX attestations_by_checklist ON attestations (checklist);

CREATE TABLE approvals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    checklist  TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    note       TEXT,
    at         INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX approvals_by_checklist ON approvals (checklist);

CREATE TABLE waivers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    checklist  TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    item_text  TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX waivers_by_checklist ON waivers (checklist);

CREATE TABLE revocations (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    target    TEXT    NOT NULL,  -- attestation | approval | waiver
    target_id INTEGER NOT NULL,
    by_whom   TEXT    NOT NULL,
    reason    TEXT,
    at        INTEGER NOT NULL
);

-- Append-only: entry `seq` carries the hash of entry `seq - 1`.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,  -- JSON
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);

-- The newest entry, written in the same transaction: a deleted tail is detected.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
