//! Where the store is: a SQLite file or a PostgreSQL URL.

use crate::Error;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// A SQLite database file (created with its directory if missing).
    Sqlite(PathBuf),
    /// `postgres://user@host:port/db` (the full URL; shown only redacted). gonogo's tables
    /// live in the schema `?schema=NAME` names, else [`DEFAULT_SCHEMA`].
    Postgres(String),
}

/// The PostgreSQL schema gonogo's tables live in unless the URL names another (`?schema=`).
pub const DEFAULT_SCHEMA: &str = "gonogo";

/// A PostgreSQL store URL split into the connection URL (without gonogo's own `schema`
/// parameter) and the schema. A schema name is a plain lower-case identifier, so it never
/// needs quoting.
pub(crate) fn postgres_parts(url: &str) -> Result<(String, String), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", name)) => schema = Some(name.to_string()),
            _ => rest.push(pair),
        }
    }
    let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
    let valid = schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with("pg_");
    if !valid {
        return Err(format!(
            "schema `{schema}` is not a plain lower-case name (letters, digits, `_`; not `pg_…`)"
        ));
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, schema))
}

impl StoreUrl {
    /// `postgres://…`, `postgresql://…`, `sqlite:PATH`, `sqlite://PATH`, or a plain file path.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::BadUrl {
            url: gonogo_core::redact::redact_url(s),
            why: why.to_string(),
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(bad("it is empty"));
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            let (connection, _) = postgres_parts(t).map_err(|why| bad(&why))?;
            let opts: Result<sqlx::postgres::PgConnectOptions, _> = connection.parse();
            return match opts {
                Ok(_) => {
                    let rest = t.split_once("://").map_or("", |(_, r)| r);
                    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                    if host.is_empty() || host.starts_with('/') && !host.contains("host=") {
                        Err(bad("no host (expected postgres://USER@HOST:PORT/DATABASE)"))
                    } else {
                        Ok(StoreUrl::Postgres(t.to_string()))
                    }
                }
                Err(e) => Err(bad(&format!("{e}"))),
            };
        }
        if let Some(path) = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(bad("no file path after `sqlite:`"));
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            return Err(bad(&format!(
                "unsupported scheme `{scheme}` (use postgres://… or sqlite:PATH)"
            )));
        }
        Ok(StoreUrl::Sqlite(PathBuf::from(t)))
    }

    /// For messages: a PostgreSQL password is hidden.
    pub fn shown(&self) -> String {
        match self {
            StoreUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreUrl::Postgres(u) => gonogo_core::redact::redact_url(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            StoreUrl::parse("sqlite:.gonogo/g.db").unwrap(),
            StoreUrl::Sqlite(".gonogo/g.db".into())
        );
        assert_eq!(
            StoreUrl::parse("/tmp/x.db").unwrap(),
            StoreUrl::Sqlite("/tmp/x.db".into())
        );
        assert!(matches!(
            StoreUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap(),
            StoreUrl::Postgres(_)
        ));
        let e = StoreUrl::parse("mysql://root:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "malformed store URL `mysql://root:…@h/db`: unsupported scheme `mysql` (use postgres://… or sqlite:PATH)"
        );
        let e = StoreUrl::parse("postgres://u:pw@h:notaport/db")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("malformed store URL `postgres://u:…@h:notaport/db`"),
            "{e}"
        );
        assert!(!e.contains("pw@"), "{e}");
        assert!(StoreUrl::parse("sqlite:").is_err());
        assert_eq!(
            StoreUrl::parse("postgres://a:secret@h/db").unwrap().shown(),
            "postgres://a:…@h/db"
        );
    }

    #[test]
    fn the_postgres_schema_is_gonogo_unless_the_url_names_one() {
        assert_eq!(
            postgres_parts("postgres://u@h/db").unwrap(),
            ("postgres://u@h/db".to_string(), "gonogo".to_string())
        );
        assert_eq!(
            postgres_parts("postgres://u@h/db?sslmode=disable&schema=release_gate").unwrap(),
            (
                "postgres://u@h/db?sslmode=disable".to_string(),
                "release_gate".to_string()
            )
        );
        for bad in ["Gonogo", "x;drop", "pg_catalog", "", "9lives"] {
            let url = format!("postgres://u@h/db?schema={bad}");
            let e = StoreUrl::parse(&url).unwrap_err().to_string();
            assert!(e.contains("is not a plain lower-case name"), "{bad}: {e}");
        }
    }
}
