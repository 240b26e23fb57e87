//! `pg.backups`: WAL archiving is on and recent, or backup files are recent.

use super::{DATABASE, DSN_PARAM};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub struct PgBackups;

/// At most this many directory entries are looked at in `path=` mode.
const MAX_ENTRIES: usize = 10_000;

/// Backups of something else, or an act about them rather than their being current.
const NOT_CURRENT: &[&str] = &[
    "restor*",
    "tested",
    "test",
    "documented",
    "volum*",
    "redis",
    "s3 bucket",
    "code",
    "retention",
    "retained",
    "encrypt*",
    "offsite",
    "off site",
    "cross region",
    "immutable",
    "rto",
    "rpo",
    "monitor*",
    "alert*",
];

/// The age a backup may have, as the item states it: "younger than 12 hours", "newer than
/// 26 h", "no older than a day" is not read (no number).
fn stated_age(text: &Text<'_>) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\b(?:younger than|newer than|no older than|not older than|less than|under|within(?: the last)?)\s+(\d+\s*(?:h|hours?|d|days?|m|min(?:utes?)?))\b",
        )
        .expect("valid regex")
    });
    let c = re.captures(&text.plain)?;
    gonogo_core::recognise::values::duration(&c[1])
}

/// What the kind verifies: the database is backed up now (archiving or recent backup files).
const CLAIMS: &[Claim] = &[
    // A backup the release itself takes must be recent, not merely scheduled.
    Claim {
        subject: &["backup*", "pg dump", "pg_dump", "snapshot*"],
        qualifiers: &[
            DATABASE,
            &[
                "take",
                "taken",
                "took",
                "taking",
                "made before",
                "done before",
                "before migrat*",
                "before the migrat*",
                "before deploy*",
                "before the release",
            ],
        ],
        excludes: NOT_CURRENT,
        params: &[("max_age", "6h")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["backup*", "database snapshot*", "db snapshot*"],
        // The item must say backups are being made; where they are kept or how is more
        // than the check reads.
        qualifiers: &[
            DATABASE,
            &[
                "configur*",
                "enabled",
                "running",
                "scheduled",
                "automat*",
                "in place",
                "implemented",
                "current",
                "recent",
                "daily",
                "nightly",
                "hourly",
                "set up",
                "active",
                "younger than",
                "newer than",
                "no older than",
                "last backup",
            ],
        ],
        support: &["strategy"],
        excludes: NOT_CURRENT,
        slots: &[
            Slot::optional(
                "max_age",
                Value::Choice(&[
                    ("daily", "25h"),
                    ("nightly", "25h"),
                    ("every night", "25h"),
                    ("every day", "25h"),
                    ("hourly", "2h"),
                    ("every hour", "2h"),
                ]),
            ),
            // A stated age wins over the schedule's: "newer than 26 hours".
            Slot::optional("max_age", Value::Read(stated_age)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "wal archiv*",
            "archive mode",
            "archive_mode",
            "archive command",
            "pitr",
            "point in time recovery",
            "wal g",
            "pgbackrest",
            "barman",
        ],
        support: &["enabled", "configur*", "on", "running"],
        // A provider's add-on is switched on in its console, not in the server's settings.
        excludes: &[
            "add on",
            "addon",
            "restor*",
            "tested",
            "documented",
            "rto",
            "rpo",
        ],
        weight: 85,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Database backups are current: WAL archiving on and recent, or backup files newer than N hours.",
    description: "Two modes. With `path=` (a directory, relative to the repository or absolute) \
        it looks at the regular, non-empty files there and one level below (at most 10 000 \
        entries) and passes when the newest is younger than `max_age` (default 24h); fails \
        with `pg-backup-stale` when it is older and `pg-backup-none` when there is none; \
        errors when the directory cannot be read. Without `path=` it connects read-only to the \
        database (`dsn=` or the `database_url` target) and reads `archive_mode`, \
        `archive_command`/`archive_library` and `pg_stat_archiver`: archiving off fails \
        (`pg-archive-off`), on without a command (`pg-archive-no-command`), never archived \
        (`pg-archive-never`), last archived WAL older than `max_age` (`pg-archive-stale`), \
        last failure after last success (`pg-archive-failing`). An error when neither `path=` \
        nor a database_url is configured. \"daily\" in the item binds `max_age=25h` (a day \
        plus an hour of slack for the job's own run time); a deployment step (\"Take full \
        database backup\", \"Database backup taken before migration\") binds `max_age=6h`: \
        the backup must be fresh for the release it guards.",
    params: &[
        DSN_PARAM,
        ParamDoc::optional(
            "path",
            "Directory holding backup files; switches to file mode.",
        ),
        ParamDoc::with_default(
            "max_age",
            "Oldest acceptable latest backup or archived WAL.",
            "24h",
        ),
    ],
    examples: &[
        "pg.backups",
        "pg.backups path=/var/backups/postgres max_age=25h",
    ],
    claims: CLAIMS,
    phrases: &[
        "Database backups configured (daily snapshots)",
        "PostgreSQL WAL archiving enabled",
        "Nightly database backups running",
        "Database backup strategy implemented",
        "Database backup taken before migration",
        "Take full database backup",
    ],
    not_phrases: &[
        "Backup restoration tested",
        "Backup strategy documented in the runbook",
        "PostgreSQL persistent volumes configured",
    ],
    findings: &[
        (
            "pg-backup-stale",
            "The newest backup file is older than max_age.",
        ),
        (
            "pg-backup-none",
            "The backup directory holds no non-empty file.",
        ),
        ("pg-archive-off", "WAL archiving (archive_mode) is off."),
        (
            "pg-archive-no-command",
            "archive_mode is on but neither archive_command nor archive_library is set.",
        ),
        (
            "pg-archive-never",
            "The archiver has never archived a WAL segment.",
        ),
        (
            "pg-archive-stale",
            "The last WAL segment was archived longer ago than max_age.",
        ),
        (
            "pg-archive-failing",
            "The archiver's last attempt failed after its last success.",
        ),
    ],
};

impl CheckKind for PgBackups {
    fn id(&self) -> &'static str {
        "pg.backups"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            path: params.str("path").map(PathBuf::from),
            max_age: params.value::<Duration>("max_age")?,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    path: Option<PathBuf>,
    max_age: Duration,
}

fn hours(secs: f64) -> String {
    if secs < 3600.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// The newest non-empty regular file in `dir` or one level below, and how many were seen.
fn newest(dir: &Path) -> std::io::Result<(Option<(PathBuf, SystemTime)>, usize)> {
    let mut best: Option<(PathBuf, SystemTime)> = None;
    let mut seen = 0;
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if depth == 0 => return Err(e),
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return Ok((best, seen - 1));
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() && depth == 0 {
                dirs.push((entry.path(), 1));
            } else if meta.is_file() && meta.len() > 0 {
                let Ok(modified) = meta.modified() else {
                    continue;
                };
                if best.as_ref().is_none_or(|(_, t)| modified > *t) {
                    best = Some((entry.path(), modified));
                }
            }
        }
    }
    Ok((best, seen))
}

impl Prepared {
    async fn files(&self, ctx: &CheckContext, path: &Path) -> Outcome {
        let dir = if path.is_absolute() {
            path.to_path_buf()
        } else {
            ctx.repo.join(path)
        };
        let shown = path.display().to_string();
        let scan = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || newest(&dir)).await
        };
        let max = self.max_age.as_secs_f64();
        let expected = format!("newest backup younger than {}", hours(max));
        match scan {
            Err(e) => Outcome::error(format!("scanning {shown} failed: {e}")),
            Ok(Err(e)) => Outcome::error(format!("cannot read backup directory {shown}: {e}")),
            Ok(Ok((None, seen))) => Outcome::from_findings(
                format!("no backup file in {shown}"),
                vec![
                    Finding::fail(
                        "pg-backup-none",
                        format!("{shown} holds no non-empty file ({seen} entries looked at)"),
                    )
                    .at(Location::file(shown.clone()))
                    .fix("Schedule pg_dump or pg_basebackup into this directory"),
                ],
            )
            .expected(expected),
            Ok(Ok((Some((file, modified)), _))) => {
                let age = SystemTime::now()
                    .duration_since(modified)
                    .unwrap_or_default()
                    .as_secs_f64();
                let name = file
                    .strip_prefix(&dir)
                    .map(|p| format!("{shown}/{}", p.display()))
                    .unwrap_or_else(|_| file.display().to_string());
                let observed = format!("newest backup {name} is {} old", hours(age));
                let mut findings = Vec::new();
                if age > max {
                    findings.push(
                        Finding::fail(
                            "pg-backup-stale",
                            format!("{observed}, older than {}", hours(max)),
                        )
                        .at(Location::file(name.clone()))
                        .fix("Check the backup job: it has stopped running or writes elsewhere"),
                    );
                }
                live::judged(observed, expected, findings, Location::file(name))
            }
        }
    }
}

const ARCHIVER: &str = "SELECT current_setting('archive_mode')::text, \
        coalesce(current_setting('archive_command', true), '')::text, \
        coalesce(current_setting('archive_library', true), '')::text, \
        archived_count, extract(epoch FROM now() - last_archived_time)::float8, failed_count, \
        coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false), \
        coalesce(last_failed_wal, '')::text \
   FROM pg_stat_archiver";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        if let Some(path) = &self.path {
            return Ok(self.files(ctx, path).await);
        }
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        type Row = (String, String, String, i64, Option<f64>, i64, bool, String);
        let row: Row = pg
            .meta
            .bounded(
                "pg_stat_archiver",
                sqlx::query_as(ARCHIVER).fetch_one(&mut pg.conn),
            )
            .await?;
        let location = pg.finish().await;
        let (mode, command, library, archived, age, failed, failing, failed_wal) = row;
        let max = self.max_age.as_secs_f64();
        let mut findings = Vec::new();
        let fix_on =
            "Set archive_mode=on and an archive_command (or use pgBackRest/WAL-G), then restart";
        if mode == "off" {
            findings.push(
                Finding::fail("pg-archive-off", "WAL archiving is off (archive_mode=off)")
                    .fix(fix_on),
            );
        } else {
            if command.trim().is_empty() && library.trim().is_empty() {
                findings.push(
                    Finding::fail(
                        "pg-archive-no-command",
                        format!("archive_mode={mode} but no archive_command or archive_library"),
                    )
                    .fix(fix_on),
                );
            }
            match age {
                _ if archived == 0 => findings.push(Finding::fail(
                    "pg-archive-never",
                    "the archiver has not archived any WAL segment since the statistics were reset",
                )),
                Some(a) if a > max => findings.push(Finding::fail(
                    "pg-archive-stale",
                    format!("last WAL archived {} ago, longer than {}", hours(a), hours(max)),
                ).fix("Check archive_command's target; set archive_timeout so idle databases still archive")),
                _ => {}
            }
            if failing {
                findings.push(Finding::fail(
                    "pg-archive-failing",
                    format!("archiving {failed_wal} failed after the last success ({failed} failures in total)"),
                ).fix("Read the server log for the archive_command error"));
            }
        }
        let observed = match age {
            Some(a) => format!(
                "archive_mode={mode}, {archived} archived, last {} ago, {failed} failed",
                hours(a)
            ),
            None => format!("archive_mode={mode}, {archived} archived, {failed} failed"),
        };
        Ok(
            Outcome::from_findings(format!("WAL archiving: {observed}"), findings)
                .observed(observed)
                .expected(format!(
                    "archive_mode on, last WAL archived within {}",
                    hours(max)
                ))
                .at(location),
        )
    }
}
