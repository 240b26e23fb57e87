-- gonogo's memory: runs, sign-offs, waivers, revocations and the hash-chained audit log.
-- Times are Unix seconds (UTC). JSON is stored as text, exactly as it was hashed.

CREATE TABLE runs (
    id             BIGSERIAL PRIMARY KEY,
    checklist      TEXT    NOT NULL,  -- key: path relative to the repository
    checklist_path TEXT    NOT NULL,  -- as given on the command line
    checklist_hash TEXT    NOT NULL,  -- SHA-256 of the checklist source
    commit_sha     TEXT,
    decision       TEXT    NOT NULL,
    verdict        TEXT    NOT NULL,
    score          DOUBLE PRECISION,
    counts         TEXT    NOT NULL,  -- JSON object status -> count
    item_count     BIGINT NOT NULL,
    report         TEXT    NOT NULL,  -- the full report, JSON
    actor          TEXT    NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX runs_by_checklist ON runs (checklist, id);

CREATE TABLE run_items (
    run_id    BIGINT NOT NULL REFERENCES runs (id),
    position  BIGINT NOT NULL,
    item_id   TEXT    NOT NULL,
    line      BIGINT NOT NULL,
    text      TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    evidence  TEXT    NOT NULL,  -- JSON, redacted before it gets here
    PRIMARY KEY (run_id, position)
);

CREATE TABLE attestations (
    id         BIGSERIAL PRIMARY KEY,
    checklist  TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    item_text  TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    role       TEXT,
    evidence   TEXT,
    note       TEXT,
    at         BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX attestations_by_checklist ON attestations (checklist);

CREATE TABLE approvals (
    id         BIGSERIAL PRIMARY KEY,
    checklist  TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    note       TEXT,
    at         BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX approvals_by_checklist ON approvals (checklist);

CREATE TABLE waivers (
    id         BIGSERIAL PRIMARY KEY,
    checklist  TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    item_text  TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    by_whom    TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX waivers_by_checklist ON waivers (checklist);

CREATE TABLE revocations (
    id        BIGSERIAL PRIMARY KEY,
    target    TEXT    NOT NULL,  -- attestation | approval | waiver
    target_id BIGINT NOT NULL,
    by_whom   TEXT    NOT NULL,
    reason    TEXT,
    at        BIGINT NOT NULL
);

-- Append-only: entry `seq` carries the hash of entry `seq - 1`.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,  -- JSON
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);

-- The newest entry, written in the same transaction: a deleted tail is detected.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT    NOT NULL
);
