-- Records belong to a project (its normalised git remote URL, else its repository root) and a
-- checklist path. Rows recorded before this migration have no project (NULL): they apply to no
-- project, since nothing says which project they were made for; history still lists them.
-- A run's audit entry now also covers its items (a digest over run_items).

ALTER TABLE runs ADD COLUMN project TEXT;
ALTER TABLE attestations ADD COLUMN project TEXT;
ALTER TABLE approvals ADD COLUMN project TEXT;
ALTER TABLE waivers ADD COLUMN project TEXT;

DROP INDEX runs_by_checklist;
DROP INDEX attestations_by_checklist;
DROP INDEX approvals_by_checklist;
DROP INDEX waivers_by_checklist;
CREATE INDEX runs_by_checklist ON runs (project, checklist, id);
CREATE INDEX attestations_by_checklist ON attestations (project, checklist);
CREATE INDEX approvals_by_checklist ON approvals (project, checklist);
CREATE INDEX waivers_by_checklist ON waivers (project, checklist);

-- A record's audit entries are looked up by subject when it is applied.
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
