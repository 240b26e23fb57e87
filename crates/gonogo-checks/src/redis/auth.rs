//! `redis.auth`: Redis refuses commands from a client that has not authenticated.

use super::{Failure, URL_PARAM, without_credentials};
use crate::live::{self, shown};
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamError, Params, PreparedCheck,
};

pub struct RedisAuth;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    // Redis and its password named together: "Authentication enabled" under a Redis heading
    // may still mean the application's users.
    subject: &[
        "redis password",
        "redis auth*",
        "redis requir* auth*",
        "redis requir* a password",
        "redis acl*",
        "requirepass",
        "redis refus* unauthenticated",
        "redis reject* unauthenticated",
        "redis is password protected",
        "redis password protected",
        "password protected redis",
        "auth on redis",
        "authentication on redis",
        "password on redis",
        "valkey password",
        "valkey auth*",
        "valkey requir* auth*",
    ],
    support: &[
        "set",
        "enabled",
        "required",
        "requir*",
        "configured",
        "protected",
    ],
    // Rotation and storage of the password are about the secret, not the server refusing.
    excludes: &[
        "rotat*",
        "vault",
        "stored",
        "secret manager",
        "document*",
        "tls",
    ],
    weight: 85,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Redis),
    targets: super::TARGETS,
    summary: "Redis refuses commands from unauthenticated clients, and the configured credentials work.",
    description: "Takes the Redis URL (`url=` or the `redis_url` target), strips its \
        credentials, connects and sends `DBSIZE` (a read-only command every role may be \
        allowed). Fails with `redis-auth-not-required` when Redis answers it: anyone who \
        reaches the port reads and writes everything. Passes when Redis answers NOAUTH / \
        authentication required. When the configured URL carries credentials, it then \
        connects with them and sends `PING`; if they are rejected the item fails with \
        `redis-auth-credentials-rejected`. Errors when Redis cannot be reached or does not \
        answer within the time bound; an error when no redis_url is configured.",
    params: &[URL_PARAM],
    examples: &["redis.auth", "redis.auth url=redis://127.0.0.1:6379"],
    claims: CLAIMS,
    phrases: &[
        "Redis password set",
        "Redis AUTH enabled",
        "Redis requires authentication",
    ],
    not_phrases: &[
        "Authentication flow working",
        "Redis connection working",
        "Supabase Auth configured with production settings",
    ],
    findings: &[
        (
            "redis-auth-not-required",
            "Redis answered a command from a client that sent no credentials.",
        ),
        (
            "redis-auth-credentials-rejected",
            "Redis rejected the credentials in the configured URL.",
        ),
    ],
};

impl CheckKind for RedisAuth {
    fn id(&self) -> &'static str {
        "redis.auth"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
        }))
    }
}

struct Prepared {
    url: Option<String>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let url = super::url(self.url.as_deref(), ctx)?;
        let bare = without_credentials(&url);
        let location = gonogo_core::Location::file(shown(&bare));
        let anonymous = match super::connect_to(&bare).await {
            Ok(mut r) => {
                r.query::<i64>(&::redis::cmd("DBSIZE"), "DBSIZE without credentials")
                    .await
            }
            Err(f) => Err(f),
        };
        let expected = "unauthenticated commands refused (NOAUTH)";
        match anonymous {
            Ok(keys) => {
                return Ok(Outcome::from_findings(
                    format!("Redis answers unauthenticated clients (DBSIZE {keys})"),
                    vec![Finding::fail(
                        "redis-auth-not-required",
                        format!("{} answered DBSIZE ({keys} keys) without credentials", shown(&bare)),
                    )
                    .fix("Set requirepass or ACL users (`user default off`), and keep Redis off public networks")],
                )
                .observed("unauthenticated DBSIZE answered")
                .expected(expected)
                .at(location));
            }
            Err(f) if f.is_auth() => {}
            Err(f @ Failure::Unreachable(_)) => return Ok(f.into_outcome().at(location)),
            Err(f) => {
                return Ok(Outcome::error(format!(
                    "unexpected refusal, not an authentication error: {}",
                    f.message()
                ))
                .at(location));
            }
        }
        if bare != url {
            let with_credentials = match super::connect_to(&url).await {
                Ok(mut r) => r
                    .query::<String>(&::redis::cmd("PING"), "PING")
                    .await
                    .map(|_| ()),
                Err(f) => Err(f),
            };
            match with_credentials {
                Ok(()) => {}
                Err(f) if f.is_auth() => {
                    return Ok(Outcome::from_findings(
                        "unauthenticated commands refused, but the configured credentials are rejected too",
                        vec![Finding::fail("redis-auth-credentials-rejected", f.message().to_string())
                            .fix("Update the password in the configured URL (or the ACL user) to the current one")],
                    )
                    .observed("NOAUTH without credentials; credentials rejected")
                    .expected(expected)
                    .at(location));
                }
                Err(f) => return Ok(f.into_outcome().at(location)),
            }
        }
        let observed = if bare != url {
            "NOAUTH without credentials; the configured credentials work"
        } else {
            "NOAUTH without credentials"
        };
        Ok(Outcome::pass(format!(
            "Redis refuses unauthenticated clients ({observed})"
        ))
        .observed(observed)
        .expected(expected)
        .at(location))
    }
}
