//! Configuration, read once per cold start from the environment the template sets.
//!
//! Each function declares what it uses beyond the table ([`Needs`]), and only those
//! variables are read: the title function alone knows the LLM key, the list function
//! alone the cursor secret. [`VARIABLES`] is the one list of what is read when; the
//! template's environment per function is checked against it (`tests/tests/api/template.rs`).

use std::collections::BTreeSet;
use std::time::Duration;

use secrecy::SecretString;

use glchat_auth::keys::{DEFAULT_TENANT_CLAIM, JwtAlgorithm, JwtConfig};
use glchat_clients::llm::LlmConfig;
use glchat_domain::ids::TenantId;
use glchat_domain::secret::{MIN_SECRET_LEN, Rotating};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// What a function uses besides the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// Calls the table, so init warms its connection: every function but the stream's
    /// publisher, which Lambda hands the table's changes.
    pub table: bool,
    /// Verifies bearer tokens and session cookies (every endpoint but the public read).
    pub auth: bool,
    /// The tenant's S3 bucket.
    pub bucket: bool,
    /// Signs and verifies list cursors.
    pub cursors: bool,
    /// The LLM behind title generation.
    pub llm: bool,
    /// Presigned uploads, bounded by the attachment size limit.
    pub uploads: bool,
    /// Bulk deletes, bounded per request.
    pub bulk_delete: bool,
    /// Clones, written within a time budget per request.
    pub clones: bool,
    /// Share links, created or refreshed (a snapshot and copies each time).
    pub shares: bool,
    /// Publishes deletion events to the tenant's EventBridge bus.
    pub events: bool,
}

impl Needs {
    /// The table only (the public read adds the bucket).
    pub const TABLE: Self = Self {
        table: true,
        auth: false,
        bucket: false,
        cursors: false,
        llm: false,
        uploads: false,
        bulk_delete: false,
        clones: false,
        shares: false,
        events: false,
    };
    /// An authenticated endpoint on the table.
    pub const AUTH: Self = Self {
        auth: true,
        ..Self::TABLE
    };
    /// The stream's publisher: no table call, the bus.
    pub const STREAM: Self = Self {
        table: false,
        events: true,
        ..Self::TABLE
    };
    /// Every route: the local API server mounts them all in one process (the stream's
    /// publisher is no route).
    pub const ALL: Self = Self {
        table: true,
        auth: true,
        bucket: true,
        cursors: true,
        llm: true,
        uploads: true,
        bulk_delete: true,
        clones: true,
        shares: true,
        events: false,
    };

    pub const fn bucket(self) -> Self {
        Self { bucket: true, ..self }
    }

    pub const fn cursors(self) -> Self {
        Self { cursors: true, ..self }
    }

    pub const fn llm(self) -> Self {
        Self { llm: true, ..self }
    }

    pub const fn uploads(self) -> Self {
        Self { uploads: true, ..self }
    }

    pub const fn bulk_delete(self) -> Self {
        Self {
            bulk_delete: true,
            ..self
        }
    }

    pub const fn clones(self) -> Self {
        Self { clones: true, ..self }
    }

    pub const fn shares(self) -> Self {
        Self { shares: true, ..self }
    }
}

/// A setting the configuration reads.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    /// Read by the functions with these needs.
    pub read_by: fn(Needs) -> bool,
    /// Set in the environment by `template.yaml` for those functions; the others are
    /// local or tuning settings with defaults, or secrets.
    pub deployed: bool,
    /// Deployed in this secret of the tenant's (Secrets Manager), never in the
    /// environment; locally the environment may hold it.
    pub secret: Option<SecretStore>,
}

/// The tenant's secrets, one Secrets Manager secret per purpose, so each function can
/// read only the ones it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretStore {
    /// Token and session keys (every authenticated function).
    Auth,
    /// The cursor key (the list).
    Cursors,
    /// The LLM key (titles).
    Llm,
}

impl SecretStore {
    /// The environment variable holding the secret's ARN.
    pub const fn arn_variable(self) -> &'static str {
        match self {
            SecretStore::Auth => "AUTH_SECRETS_ARN",
            SecretStore::Cursors => "CURSOR_SECRETS_ARN",
            SecretStore::Llm => "LLM_SECRETS_ARN",
        }
    }

    /// The variables it holds.
    pub fn variables(self) -> impl Iterator<Item = &'static str> {
        VARIABLES.iter().filter(move |v| v.secret == Some(self)).map(|v| v.name)
    }
}

const fn var(name: &'static str, read_by: fn(Needs) -> bool, deployed: bool) -> Variable {
    Variable {
        name,
        read_by,
        deployed,
        secret: None,
    }
}

const fn secret(name: &'static str, read_by: fn(Needs) -> bool, store: SecretStore) -> Variable {
    Variable {
        name,
        read_by,
        deployed: false,
        secret: Some(store),
    }
}

/// The secret stores a function with `needs` reads.
pub fn secret_stores(needs: Needs) -> BTreeSet<SecretStore> {
    VARIABLES
        .iter()
        .filter(|v| (v.read_by)(needs))
        .filter_map(|v| v.secret)
        .collect()
}

/// The secrets `needs` reads from the stores whose ARN `lookup` names; a store without
/// an ARN is left to the environment.
pub fn secrets_wanted(needs: Needs, lookup: &impl Fn(&str) -> Option<String>) -> Vec<glchat_clients::secrets::Wanted> {
    secret_stores(needs)
        .into_iter()
        .filter_map(|store| {
            Some(glchat_clients::secrets::Wanted {
                arn: lookup(store.arn_variable())?,
                variables: store.variables().collect(),
            })
        })
        .collect()
}

/// Every variable the configuration reads, and by which functions.
pub const VARIABLES: &[Variable] = &[
    var("TENANT_ID", |_| true, true),
    var("TABLE_NAME", |_| true, true),
    var("AWS_OPERATION_TIMEOUT_MS", |_| true, false),
    var("BUCKET_NAME", |n| n.bucket, true),
    // Path-style S3 addressing, for the local S3 server.
    var("S3_FORCE_PATH_STYLE", |n| n.bucket, false),
    var("JWT_ALGORITHM", |n| n.auth, true),
    secret("JWT_SECRET", |n| n.auth, SecretStore::Auth),
    secret("JWT_SECRET_PREVIOUS", |n| n.auth, SecretStore::Auth),
    var("JWT_PUBLIC_KEY", |n| n.auth, true),
    var("JWT_PUBLIC_KEY_PREVIOUS", |n| n.auth, true),
    var("JWT_ISSUER", |n| n.auth, true),
    var("JWT_AUDIENCE", |n| n.auth, true),
    secret("NEXTAUTH_SECRET", |n| n.auth, SecretStore::Auth),
    secret("NEXTAUTH_SECRET_PREVIOUS", |n| n.auth, SecretStore::Auth),
    secret("LOG_HASH_KEY", |n| n.auth, SecretStore::Auth),
    var("AUTH_SECRETS_ARN", |n| n.auth, true),
    var("TENANT_CLAIM", |n| n.auth, true),
    var("TENANT_CLAIM_OPTIONAL", |n| n.auth, true),
    var("ALLOWED_ORIGINS", |n| n.auth, true),
    secret("CURSOR_SECRET", |n| n.cursors, SecretStore::Cursors),
    secret("CURSOR_SECRET_PREVIOUS", |n| n.cursors, SecretStore::Cursors),
    var("CURSOR_SECRETS_ARN", |n| n.cursors, true),
    var("SEARCH_TIME_BUDGET_MS", |n| n.cursors, false),
    var("LLM_BASE_URL", |n| n.llm, true),
    secret("LLM_API_KEY", |n| n.llm, SecretStore::Llm),
    var("LLM_SECRETS_ARN", |n| n.llm, true),
    var("LLM_MODEL", |n| n.llm, true),
    var("LLM_MODELS", |n| n.llm, true),
    var("LLM_TIMEOUT_MS", |n| n.llm, false),
    var("MAX_ATTACHMENT_BYTES", |n| n.uploads, true),
    var("MAX_ATTACHMENTS_PER_CONVERSATION", |n| n.uploads, false),
    var("MAX_ATTACHMENT_BYTES_PER_CONVERSATION", |n| n.uploads, true),
    var("BULK_DELETE_MAX", |n| n.bulk_delete, false),
    var("CLONE_TIME_BUDGET_MS", |n| n.clones, false),
    var("RATE_LIMIT_TITLES_PER_MINUTE", |n| n.llm, true),
    var("RATE_LIMIT_SEARCHES_PER_MINUTE", |n| n.cursors, true),
    var("RATE_LIMIT_SHARES_PER_MINUTE", |n| n.shares, true),
    var("RATE_LIMIT_CLONES_PER_MINUTE", |n| n.clones, true),
    // A bus name, or the ARN of a bus of the tenant's own (another account's too).
    var("EVENT_BUS_NAME", |n| n.events, true),
];

/// The variables the template must set for a function with `needs`.
pub fn deployed_variables(needs: Needs) -> BTreeSet<&'static str> {
    VARIABLES
        .iter()
        .filter(|v| v.deployed && (v.read_by)(needs))
        .map(|v| v.name)
        .collect()
}

#[derive(Debug, Clone)]
pub struct BucketConfig {
    pub name: String,
    pub force_path_style: bool,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// What this configuration was read for.
    pub needs: Needs,
    pub tenant: TenantId,
    pub table_name: String,
    /// Upper bound of one DynamoDB or S3 operation, retries included; far below
    /// API Gateway's 30 s so a slow dependency answers 503, not a gateway timeout.
    pub aws_operation_timeout: Duration,
    pub bucket: Option<BucketConfig>,
    pub jwt: Option<JwtConfig>,
    /// The NextAuth secret; without it session cookies are not accepted.
    pub nextauth_secret: Option<Rotating>,
    /// Key for signing list cursors.
    pub cursor_secret: Option<Rotating>,
    /// Key of the users' tags in the logs (`telemetry::UserTagger`); none: no tags.
    pub log_hash_key: Option<SecretString>,
    /// How long one search request examines conversations before it answers with a
    /// cursor (`ops::search::TIME_BUDGET` unless set).
    pub search_time_budget: Duration,
    /// The OpenAI-compatible endpoint titles come from; `None` uses fallback titles.
    pub llm: Option<LlmConfig>,
    /// Largest attachment a presigned upload accepts, in bytes.
    pub max_attachment_bytes: u64,
    /// Attachments one conversation may hold (its reads and snapshots stay bounded).
    pub max_attachments: u64,
    /// Bytes one conversation's attachments may add up to (their declared sizes).
    pub max_attachment_bytes_per_conversation: u64,
    /// Conversations one bulk delete request deletes at most.
    pub bulk_delete_max: usize,
    /// How long one clone request writes before it answers "in progress"
    /// ([`DEFAULT_CLONE_TIME_BUDGET`] unless set).
    pub clone_time_budget: Duration,
    /// Requests per user and minute on the endpoints that cost the tenant most.
    pub rate_limits: RateLimits,
    /// The EventBridge bus deletion events go to (a name or an ARN).
    pub event_bus: Option<String>,
}

/// Per user and minute: each endpoint's function reads its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `generate-title` (an LLM call each).
    pub titles: u32,
    /// `GET /conversations?query=` (reads many conversations each).
    pub searches: u32,
    /// Share or refresh (a snapshot and attachment copies each).
    pub shares: u32,
    /// Clone requests (a conversation's worth of writes each).
    pub clones: u32,
}

impl RateLimits {
    pub const DEFAULT: Self = Self {
        titles: 10,
        searches: 60,
        shares: 20,
        clones: 20,
    };
}

impl Config {
    pub fn from_env(needs: Needs) -> Result<Self, ConfigError> {
        Self::from_lookup(needs, |name| std::env::var(name).ok())
    }

    /// Reads the configuration for `needs` from any source of variables (tests pass a map).
    pub fn from_lookup(needs: Needs, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let reader = Reader { needs, lookup };
        let get = |name: &'static str| reader.get(name);
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        let positive = |var: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(raw) => raw
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError::Invalid {
                        var,
                        reason: format!("{raw:?} is not a positive integer"),
                    }),
            }
        };

        let tenant_raw = required("TENANT_ID")?;
        let tenant = TenantId::parse(&tenant_raw).map_err(|issue| ConfigError::Invalid {
            var: "TENANT_ID",
            reason: format!("{issue:?}"),
        })?;
        let bucket = needs
            .bucket
            .then(|| -> Result<BucketConfig, ConfigError> {
                Ok(BucketConfig {
                    name: required("BUCKET_NAME")?,
                    force_path_style: get("S3_FORCE_PATH_STYLE").is_some_and(|v| v == "true"),
                })
            })
            .transpose()?;
        let jwt = needs.auth.then(|| jwt_config(&get)).transpose()?;
        let llm = match needs.llm {
            false => None,
            true => get("LLM_BASE_URL")
                .map(|base_url| -> Result<LlmConfig, ConfigError> {
                    // The API key travels with every call: in clear only to this machine.
                    if !(base_url.starts_with("https://") || glchat_clients::llm::is_loopback_http(&base_url)) {
                        return Err(ConfigError::Invalid {
                            var: "LLM_BASE_URL",
                            reason: format!("{base_url:?} is not an https URL (http only to a loopback address)"),
                        });
                    }
                    Ok(LlmConfig {
                        base_url,
                        api_key: get("LLM_API_KEY").map(SecretString::from),
                        timeout: Duration::from_millis(positive("LLM_TIMEOUT_MS", 8_000)?),
                        model: required("LLM_MODEL")?,
                        allowed_models: get("LLM_MODELS")
                            .unwrap_or_default()
                            .split(',')
                            .map(|m| m.trim().to_owned())
                            .filter(|m| !m.is_empty())
                            .collect(),
                    })
                })
                .transpose()?,
        };

        Ok(Config {
            needs,
            table_name: required("TABLE_NAME")?,
            aws_operation_timeout: Duration::from_millis(positive("AWS_OPERATION_TIMEOUT_MS", 8_000)?),
            bucket,
            jwt,
            nextauth_secret: match needs.auth {
                true => rotating(&get, "NEXTAUTH_SECRET", "NEXTAUTH_SECRET_PREVIOUS")?,
                false => None,
            },
            log_hash_key: needs
                .auth
                .then(|| get("LOG_HASH_KEY"))
                .flatten()
                .map(SecretString::from),
            cursor_secret: match needs.cursors {
                true => Some(
                    rotating(&get, "CURSOR_SECRET", "CURSOR_SECRET_PREVIOUS")?
                        .ok_or(ConfigError::Missing("CURSOR_SECRET"))?,
                ),
                false => None,
            },
            search_time_budget: match needs.cursors {
                true => Duration::from_millis(positive(
                    "SEARCH_TIME_BUDGET_MS",
                    crate::search::TIME_BUDGET.as_millis() as u64,
                )?),
                false => crate::search::TIME_BUDGET,
            },
            llm,
            max_attachment_bytes: match needs.uploads {
                true => positive("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES)?,
                false => DEFAULT_MAX_ATTACHMENT_BYTES,
            },
            max_attachments: match needs.uploads {
                true => positive("MAX_ATTACHMENTS_PER_CONVERSATION", DEFAULT_MAX_ATTACHMENTS)?,
                false => DEFAULT_MAX_ATTACHMENTS,
            },
            max_attachment_bytes_per_conversation: match needs.uploads {
                true => positive(
                    "MAX_ATTACHMENT_BYTES_PER_CONVERSATION",
                    DEFAULT_MAX_ATTACHMENT_BYTES_PER_CONVERSATION,
                )?,
                false => DEFAULT_MAX_ATTACHMENT_BYTES_PER_CONVERSATION,
            },
            bulk_delete_max: match needs.bulk_delete {
                true => usize::try_from(positive("BULK_DELETE_MAX", 1_000)?).unwrap_or(usize::MAX),
                false => 1_000,
            },
            clone_time_budget: match needs.clones {
                true => Duration::from_millis(positive(
                    "CLONE_TIME_BUDGET_MS",
                    DEFAULT_CLONE_TIME_BUDGET.as_millis() as u64,
                )?),
                false => DEFAULT_CLONE_TIME_BUDGET,
            },
            rate_limits: {
                let per_minute = |read: bool, var: &'static str, default: u32| -> Result<u32, ConfigError> {
                    match read {
                        true => Ok(u32::try_from(positive(var, u64::from(default))?).unwrap_or(u32::MAX)),
                        false => Ok(default),
                    }
                };
                let d = RateLimits::DEFAULT;
                RateLimits {
                    titles: per_minute(needs.llm, "RATE_LIMIT_TITLES_PER_MINUTE", d.titles)?,
                    searches: per_minute(needs.cursors, "RATE_LIMIT_SEARCHES_PER_MINUTE", d.searches)?,
                    shares: per_minute(needs.shares, "RATE_LIMIT_SHARES_PER_MINUTE", d.shares)?,
                    clones: per_minute(needs.clones, "RATE_LIMIT_CLONES_PER_MINUTE", d.clones)?,
                }
            },
            event_bus: needs.events.then(|| required("EVENT_BUS_NAME")).transpose()?,
            tenant,
        })
    }
}

/// The clone function's timeout is 28 s (inside API Gateway's 30 s): a chunk begun
/// just before the budget ends (about 0.5 s of writes in DynamoDB, a few seconds of
/// copies at worst) and the answer fit in the rest.
pub const DEFAULT_CLONE_TIME_BUDGET: Duration = Duration::from_secs(20);

const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// At most about 0.8 MB of attachment items, and 2.5 MB of them in a response with
/// their download URLs (at the longest file names): well inside one response.
const DEFAULT_MAX_ATTACHMENTS: u64 = 1_000;
/// 1 GiB: forty files at the largest size, or a thousand of a megabyte.
const DEFAULT_MAX_ATTACHMENT_BYTES_PER_CONVERSATION: u64 = 1024 * 1024 * 1024;

/// A secret `name` and its `previous` one (rotation), each at least
/// [`MIN_SECRET_LEN`] long; `None` when `name` is unset.
fn rotating(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    previous: &'static str,
) -> Result<Option<Rotating>, ConfigError> {
    let secret = |var: &'static str| -> Result<Option<SecretString>, ConfigError> {
        match get(var) {
            Some(value) if value.len() < MIN_SECRET_LEN => Err(ConfigError::Invalid {
                var,
                reason: format!("shorter than {MIN_SECRET_LEN} characters"),
            }),
            value => Ok(value.map(SecretString::from)),
        }
    };
    let Some(current) = secret(name)? else {
        return Ok(None);
    };
    Ok(Some(Rotating {
        current,
        previous: secret(previous)?,
    }))
}

fn jwt_config(get: &impl Fn(&'static str) -> Option<String>) -> Result<JwtConfig, ConfigError> {
    let algorithm = match get("JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
        "HS256" => JwtAlgorithm::Hs256,
        "RS256" => JwtAlgorithm::Rs256,
        "ES256" => JwtAlgorithm::Es256,
        other => {
            return Err(ConfigError::Invalid {
                var: "JWT_ALGORITHM",
                reason: format!("{other:?} is not one of HS256, RS256, ES256"),
            });
        }
    };
    let key = match algorithm {
        JwtAlgorithm::Hs256 => {
            rotating(get, "JWT_SECRET", "JWT_SECRET_PREVIOUS")?.ok_or(ConfigError::Missing("JWT_SECRET"))?
        }
        // PEM often arrives with its newlines escaped when passed through env files.
        JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => {
            let pem = |name| get(name).map(|k| SecretString::from(k.replace("\\n", "\n")));
            Rotating {
                current: pem("JWT_PUBLIC_KEY").ok_or(ConfigError::Missing("JWT_PUBLIC_KEY"))?,
                previous: pem("JWT_PUBLIC_KEY_PREVIOUS"),
            }
        }
    };
    let (issuer, audience) = (get("JWT_ISSUER"), get("JWT_AUDIENCE"));
    if algorithm != JwtAlgorithm::Hs256 {
        issuer.as_ref().ok_or(ConfigError::Missing("JWT_ISSUER"))?;
        audience.as_ref().ok_or(ConfigError::Missing("JWT_AUDIENCE"))?;
    }
    let tenant_claim_optional = match get("TENANT_CLAIM_OPTIONAL").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: "TENANT_CLAIM_OPTIONAL",
                reason: format!("{other:?} is neither true nor false"),
            });
        }
    };
    Ok(JwtConfig {
        algorithm,
        key,
        issuer,
        audience,
        tenant_claim: get("TENANT_CLAIM").unwrap_or_else(|| DEFAULT_TENANT_CLAIM.to_owned()),
        tenant_claim_optional,
        allowed_origins: get("ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
    })
}

/// Reads variables, only those [`VARIABLES`] lists for the needs (so the list, and the
/// template checked against it, cannot fall behind the code). Blank counts as unset.
struct Reader<F> {
    needs: Needs,
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn get(&self, name: &'static str) -> Option<String> {
        assert!(
            VARIABLES.iter().any(|v| v.name == name && (v.read_by)(self.needs)),
            "{name} is read but not listed in config::VARIABLES for {:?}",
            self.needs
        );
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(needs: Needs, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(needs, |k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("TENANT_ID", "acme"),
        ("TABLE_NAME", "t"),
        ("BUCKET_NAME", "b"),
        ("JWT_SECRET", "a-jwt-secret-of-32-characters-ok"),
        ("CURSOR_SECRET", "a-cursor-secret-of-32-characters"),
        ("LLM_BASE_URL", "https://llm.example"),
        ("LLM_MODEL", "tenant-model"),
    ];

    #[test]
    fn reads_a_minimal_hs256_configuration() {
        let c = config(Needs::ALL, BASE).unwrap();
        assert_eq!(c.tenant.as_str(), "acme");
        assert_eq!(c.jwt.unwrap().algorithm, JwtAlgorithm::Hs256);
        assert!(c.nextauth_secret.is_none());
        assert_eq!(c.aws_operation_timeout, Duration::from_secs(8));
        let llm = c.llm.unwrap();
        assert_eq!(llm.base_url, "https://llm.example");
        assert_eq!(
            llm.model_for("anything"),
            "tenant-model",
            "no model is allowed but the tenant's"
        );
        assert_eq!(c.max_attachment_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn reads_only_what_the_function_needs() {
        let c = config(Needs::AUTH, BASE).unwrap();
        assert!(c.bucket.is_none() && c.cursor_secret.is_none() && c.llm.is_none());
        assert!(c.jwt.is_some());
        // The public read verifies no token: no JWT variable is needed, or read.
        let public = config(
            Needs::TABLE.bucket(),
            &[("TENANT_ID", "acme"), ("TABLE_NAME", "t"), ("BUCKET_NAME", "b")],
        );
        assert!(public.unwrap().jwt.is_none());
        assert_eq!(
            deployed_variables(Needs::TABLE.bucket()),
            BTreeSet::from(["TENANT_ID", "TABLE_NAME", "BUCKET_NAME"])
        );
        // Secrets are never deployed in the environment: their store's ARN is.
        let title = deployed_variables(Needs::AUTH.llm());
        assert!(title.contains("LLM_SECRETS_ARN") && !title.contains("LLM_API_KEY"));
        assert!(!deployed_variables(Needs::AUTH.cursors()).contains("LLM_SECRETS_ARN"));
        assert_eq!(
            secret_stores(Needs::AUTH.cursors()),
            BTreeSet::from([SecretStore::Auth, SecretStore::Cursors])
        );
        assert!(
            secret_stores(Needs::TABLE.bucket()).is_empty(),
            "the public read holds no secret"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut vars = BASE.to_vec();
        vars.push(("NEXTAUTH_SECRET", "nextauth-secret-that-must-not-leak"));
        vars.push(("LLM_BASE_URL", "https://llm.example/v1"));
        vars.push(("LLM_API_KEY", "sk-key-that-must-not-leak"));
        let shown = format!("{:?}", config(Needs::ALL, &vars).unwrap());
        for secret in ["a-jwt-secret-of-32", "a-cursor-secret", "must-not-leak"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn names_the_variable_that_is_missing_or_wrong() {
        let without_tenant: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != "TENANT_ID").collect();
        assert!(matches!(
            config(Needs::ALL, &without_tenant),
            Err(ConfigError::Missing("TENANT_ID"))
        ));
        let without_cursor: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != "CURSOR_SECRET").collect();
        assert!(matches!(
            config(Needs::AUTH.cursors(), &without_cursor),
            Err(ConfigError::Missing("CURSOR_SECRET"))
        ));
        assert!(
            config(Needs::AUTH, &without_cursor).is_ok(),
            "only list functions need it"
        );
        let mut rs = BASE.to_vec();
        rs.push(("JWT_ALGORITHM", "RS256"));
        assert!(matches!(
            config(Needs::ALL, &rs),
            Err(ConfigError::Missing("JWT_PUBLIC_KEY"))
        ));
        // A public key is an identity provider's: its tokens for other clients must not pass.
        rs.push(("JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----"));
        assert!(matches!(
            config(Needs::ALL, &rs),
            Err(ConfigError::Missing("JWT_ISSUER"))
        ));
        rs.push(("JWT_ISSUER", "https://id.example"));
        assert!(matches!(
            config(Needs::ALL, &rs),
            Err(ConfigError::Missing("JWT_AUDIENCE"))
        ));
        rs.push(("JWT_AUDIENCE", "glchat"));
        assert!(config(Needs::ALL, &rs).is_ok());
        let mut short = BASE.to_vec();
        short.push(("NEXTAUTH_SECRET", "too-short"));
        assert!(matches!(
            config(Needs::ALL, &short),
            Err(ConfigError::Invalid {
                var: "NEXTAUTH_SECRET",
                ..
            })
        ));
        let mut short_previous = BASE.to_vec();
        short_previous.push(("JWT_SECRET_PREVIOUS", "old"));
        assert!(matches!(
            config(Needs::ALL, &short_previous),
            Err(ConfigError::Invalid {
                var: "JWT_SECRET_PREVIOUS",
                ..
            })
        ));
        for (url, accepted) in [
            ("https://api.openai.com/v1", true),
            ("http://127.0.0.1:8080/v1", true),
            ("http://localhost:11434/v1", true),
            ("http://[::1]:8080/v1", true),
            ("http://api.openai.com/v1", false),
            ("http://127.0.0.1.evil.example/v1", false),
            ("ftp://127.0.0.1/v1", false),
        ] {
            let mut llm = BASE.to_vec();
            llm.push(("LLM_BASE_URL", url));
            assert_eq!(config(Needs::ALL, &llm).is_ok(), accepted, "{url}");
        }
        let mut optional = BASE.to_vec();
        optional.push(("TENANT_CLAIM_OPTIONAL", "yes"));
        assert!(matches!(
            config(Needs::ALL, &optional),
            Err(ConfigError::Invalid {
                var: "TENANT_CLAIM_OPTIONAL",
                ..
            })
        ));
        let mut none = BASE.to_vec();
        none.push(("JWT_ALGORITHM", "none"));
        assert!(matches!(
            config(Needs::ALL, &none),
            Err(ConfigError::Invalid {
                var: "JWT_ALGORITHM",
                ..
            })
        ));
    }
}
