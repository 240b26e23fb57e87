//! Where the store is: a SQLite file or a PostgreSQL URL.

use crate::Error;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// A SQLite database file (created with its directory if missing).
    Sqlite(PathBuf),
    /// `postgres://user@host:port/db` (the full URL; shown only redacted).
    Postgres(String),
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
            let opts: Result<sqlx::postgres::PgConnectOptions, _> = t.parse();
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
}
