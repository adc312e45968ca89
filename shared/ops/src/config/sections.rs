//! The configuration's sections: each is what one kind of function reads, read only
//! when the function's [`Needs`](super::Needs) ask for it, with its defaults here.

use std::time::Duration;

use glchat_auth::keys::{DEFAULT_TENANT_CLAIM, JwtAlgorithm, JwtConfig};
use glchat_clients::llm::{LlmConfig, is_loopback_http};
use glchat_domain::secret::Rotating;
use secrecy::SecretString;

use super::ConfigError;
use super::reader::Reader;

type Lookup<'a> = Reader<&'a dyn Fn(&str) -> Option<String>>;

/// The tenant's bucket (attachments and snapshots).
#[derive(Debug, Clone)]
pub struct BucketConfig {
    pub name: String,
    /// Path-style addressing, for S3-compatible servers (the local stack).
    pub force_path_style: bool,
}

impl BucketConfig {
    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            name: r.required("BUCKET_NAME")?,
            force_path_style: r.get("S3_FORCE_PATH_STYLE").is_some_and(|v| v == "true"),
        })
    }
}

/// Who may call: token and session keys, the tenant claim, the pages that may write.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub jwt: JwtConfig,
    /// The NextAuth secret; without it session cookies are not accepted.
    pub nextauth_secret: Option<Rotating>,
    /// Key of the users' tags in the logs (`telemetry::UserTagger`); none: no tags.
    pub log_hash_key: Option<SecretString>,
}

impl AuthConfig {
    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt: jwt(r)?,
            nextauth_secret: r.rotating("NEXTAUTH_SECRET", "NEXTAUTH_SECRET_PREVIOUS")?,
            log_hash_key: r.get("LOG_HASH_KEY").map(SecretString::from),
        })
    }
}

fn jwt(r: &Lookup) -> Result<JwtConfig, ConfigError> {
    let algorithm = match r.get("JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
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
        JwtAlgorithm::Hs256 => r
            .rotating("JWT_SECRET", "JWT_SECRET_PREVIOUS")?
            .ok_or(ConfigError::Missing("JWT_SECRET"))?,
        // PEM often arrives with its newlines escaped when passed through env files.
        JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => {
            let pem = |name| r.get(name).map(|k| SecretString::from(k.replace("\\n", "\n")));
            Rotating {
                current: pem("JWT_PUBLIC_KEY").ok_or(ConfigError::Missing("JWT_PUBLIC_KEY"))?,
                previous: pem("JWT_PUBLIC_KEY_PREVIOUS"),
            }
        }
    };
    let (issuer, audience) = (r.get("JWT_ISSUER"), r.get("JWT_AUDIENCE"));
    if algorithm != JwtAlgorithm::Hs256 {
        issuer.as_ref().ok_or(ConfigError::Missing("JWT_ISSUER"))?;
        audience.as_ref().ok_or(ConfigError::Missing("JWT_AUDIENCE"))?;
    }
    Ok(JwtConfig {
        algorithm,
        key,
        issuer,
        audience,
        tenant_claim: r.get("TENANT_CLAIM").unwrap_or_else(|| DEFAULT_TENANT_CLAIM.to_owned()),
        tenant_claim_optional: r.flag("TENANT_CLAIM_OPTIONAL")?,
        allowed_origins: r
            .list("ALLOWED_ORIGINS")
            .into_iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            // As before the split into sections: an entry of slashes alone is none.
            .filter(|o| !o.is_empty())
            .collect(),
    })
}

/// The list: its cursors' key, and what one search may spend.
#[derive(Debug, Clone)]
pub struct ListConfig {
    /// Key for signing list cursors.
    pub cursor_secret: Rotating,
    /// How long one search request examines conversations before it answers with a
    /// cursor.
    pub search_time_budget: Duration,
    /// Searches per user and minute (each reads many conversations).
    pub searches_per_minute: u32,
}

impl ListConfig {
    /// How long one search request examines conversations by default (the list
    /// function's timeout is 15 s; the rest is room for the answer and a slow last query).
    pub const DEFAULT_SEARCH_TIME_BUDGET: Duration = Duration::from_secs(8);
    pub const DEFAULT_SEARCHES_PER_MINUTE: u32 = 60;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            cursor_secret: r
                .rotating("CURSOR_SECRET", "CURSOR_SECRET_PREVIOUS")?
                .ok_or(ConfigError::Missing("CURSOR_SECRET"))?,
            search_time_budget: r.millis("SEARCH_TIME_BUDGET_MS", Self::DEFAULT_SEARCH_TIME_BUDGET)?,
            searches_per_minute: r.per_minute("RATE_LIMIT_SEARCHES_PER_MINUTE", Self::DEFAULT_SEARCHES_PER_MINUTE)?,
        })
    }
}

/// Titles: the OpenAI-compatible endpoint they come from, if any.
#[derive(Debug, Clone)]
pub struct TitleConfig {
    /// `None` uses fallback titles.
    pub llm: Option<LlmConfig>,
    /// Titles per user and minute (an LLM call each).
    pub per_minute: u32,
}

impl TitleConfig {
    pub const DEFAULT_PER_MINUTE: u32 = 10;
    pub const DEFAULT_LLM_TIMEOUT: Duration = Duration::from_secs(8);

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        let llm = r
            .get("LLM_BASE_URL")
            .map(|base_url| -> Result<LlmConfig, ConfigError> {
                // The API key travels with every call: in clear only to this machine.
                if !(base_url.starts_with("https://") || is_loopback_http(&base_url)) {
                    return Err(ConfigError::Invalid {
                        var: "LLM_BASE_URL",
                        reason: format!("{base_url:?} is not an https URL (http only to a loopback address)"),
                    });
                }
                Ok(LlmConfig {
                    base_url,
                    api_key: r.get("LLM_API_KEY").map(SecretString::from),
                    timeout: r.millis("LLM_TIMEOUT_MS", Self::DEFAULT_LLM_TIMEOUT)?,
                    model: r.required("LLM_MODEL")?,
                    allowed_models: r.list("LLM_MODELS"),
                })
            })
            .transpose()?;
        Ok(Self {
            llm,
            per_minute: r.per_minute("RATE_LIMIT_TITLES_PER_MINUTE", Self::DEFAULT_PER_MINUTE)?,
        })
    }
}

/// Uploads: how large one attachment, and one conversation's attachments, may be.
#[derive(Debug, Clone, Copy)]
pub struct UploadConfig {
    /// Largest attachment a presigned upload accepts, in bytes.
    pub max_attachment_bytes: u64,
    /// Attachments one conversation may hold (its reads and snapshots stay bounded).
    pub max_attachments: u64,
    /// Bytes one conversation's attachments may add up to (their declared sizes).
    pub max_bytes_per_conversation: u64,
}

impl UploadConfig {
    pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
    /// At most about 0.8 MB of attachment items, and 2.5 MB of them in a response with
    /// their download URLs (at the longest file names): well inside one response.
    pub const DEFAULT_MAX_ATTACHMENTS: u64 = 1_000;
    /// 1 GiB: forty files at the largest size, or a thousand of a megabyte.
    pub const DEFAULT_MAX_BYTES_PER_CONVERSATION: u64 = 1024 * 1024 * 1024;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            max_attachment_bytes: r.positive("MAX_ATTACHMENT_BYTES", Self::DEFAULT_MAX_ATTACHMENT_BYTES)?,
            max_attachments: r.positive("MAX_ATTACHMENTS_PER_CONVERSATION", Self::DEFAULT_MAX_ATTACHMENTS)?,
            max_bytes_per_conversation: r.positive(
                "MAX_ATTACHMENT_BYTES_PER_CONVERSATION",
                Self::DEFAULT_MAX_BYTES_PER_CONVERSATION,
            )?,
        })
    }
}

/// Bulk deletes: how many conversations one request deletes at most.
#[derive(Debug, Clone, Copy)]
pub struct BulkDeleteConfig {
    pub max: usize,
}

impl BulkDeleteConfig {
    pub const DEFAULT_MAX: usize = 1_000;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        let max = r.positive("BULK_DELETE_MAX", Self::DEFAULT_MAX as u64)?;
        Ok(Self {
            max: usize::try_from(max).unwrap_or(usize::MAX),
        })
    }
}

/// Clones: how long one request writes, and how many a user makes per minute.
#[derive(Debug, Clone, Copy)]
pub struct CloneConfig {
    /// How long one clone request writes before it answers "in progress".
    pub time_budget: Duration,
    /// Clone requests per user and minute (a conversation's worth of writes each).
    pub per_minute: u32,
}

impl CloneConfig {
    /// The clone function's timeout is 28 s (inside API Gateway's 30 s): a chunk begun
    /// just before the budget ends (about 0.5 s of writes in DynamoDB, a few seconds of
    /// copies at worst) and the answer fit in the rest.
    pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(20);
    pub const DEFAULT_PER_MINUTE: u32 = 20;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            time_budget: r.millis("CLONE_TIME_BUDGET_MS", Self::DEFAULT_TIME_BUDGET)?,
            per_minute: r.per_minute("RATE_LIMIT_CLONES_PER_MINUTE", Self::DEFAULT_PER_MINUTE)?,
        })
    }
}

/// Shares: how many a user creates or refreshes per minute.
#[derive(Debug, Clone, Copy)]
pub struct ShareConfig {
    /// Share or refresh requests per user and minute (a snapshot and copies each).
    pub per_minute: u32,
}

impl ShareConfig {
    pub const DEFAULT_PER_MINUTE: u32 = 20;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            per_minute: r.per_minute("RATE_LIMIT_SHARES_PER_MINUTE", Self::DEFAULT_PER_MINUTE)?,
        })
    }
}

/// Deletion events: the EventBridge bus they go to.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// A bus name, or the ARN of a bus of the tenant's own.
    pub bus: String,
}

impl EventsConfig {
    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            bus: r.required("EVENT_BUS_NAME")?,
        })
    }
}

/// Background jobs (exports, erasures): how many exports a user asks for per minute,
/// and how much of a job one background invocation does before it hands the rest to the
/// next (its `Timeout` is 15 minutes).
#[derive(Debug, Clone, Copy)]
pub struct ExportConfig {
    pub per_minute: u32,
    /// Conversations one step writes at most.
    pub step_conversations: u32,
    /// Time one step works at most before it writes where it stopped.
    pub step_time: Duration,
    /// Attempts at one step (a failure, or an invocation cut short) before the export
    /// is given up as failed: under the event source's retries, so the job says so.
    pub step_attempts: u32,
    /// The largest file an import takes.
    pub import_max_bytes: u64,
}

impl ExportConfig {
    pub const DEFAULT_PER_MINUTE: u32 = 2;
    pub const DEFAULT_STEP_CONVERSATIONS: u32 = 1_000;
    pub const DEFAULT_STEP_TIME: Duration = Duration::from_secs(600);
    pub const DEFAULT_STEP_ATTEMPTS: u32 = 3;
    pub const DEFAULT_IMPORT_MAX_BYTES: u64 = 256 * 1024 * 1024;

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            per_minute: r.per_minute("RATE_LIMIT_EXPORTS_PER_MINUTE", Self::DEFAULT_PER_MINUTE)?,
            step_conversations: u32::try_from(
                r.positive("JOB_STEP_CONVERSATIONS", u64::from(Self::DEFAULT_STEP_CONVERSATIONS))?,
            )
            .unwrap_or(u32::MAX),
            step_time: r.millis("JOB_STEP_TIME_MS", Self::DEFAULT_STEP_TIME)?,
            step_attempts: u32::try_from(r.positive("JOB_STEP_ATTEMPTS", u64::from(Self::DEFAULT_STEP_ATTEMPTS))?)
                .unwrap_or(u32::MAX),
            import_max_bytes: r.positive("IMPORT_MAX_BYTES", Self::DEFAULT_IMPORT_MAX_BYTES)?,
        })
    }
}

/// Retention: conversations with no activity for `days` are deleted (0: kept forever),
/// swept from `first_day` on, `time_budget` at a time.
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    pub days: u32,
    /// The first day (`YYYY-MM-DD`) the idle index is swept from: no conversation's last
    /// activity is older.
    pub first_day: String,
    pub time_budget: Duration,
}

impl RetentionConfig {
    pub const DEFAULT_FIRST_DAY: &str = "2020-01-01";
    pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(600);

    pub(super) fn read(r: &Lookup) -> Result<Self, ConfigError> {
        let days = match r.get("RETENTION_DAYS") {
            None => 0,
            Some(raw) => raw.trim().parse::<u32>().map_err(|_| ConfigError::Invalid {
                var: "RETENTION_DAYS",
                reason: format!("{raw:?} is not a number of days (0 keeps forever)"),
            })?,
        };
        let first_day = r
            .get("RETENTION_FIRST_DAY")
            .unwrap_or_else(|| Self::DEFAULT_FIRST_DAY.to_owned());
        let valid = first_day.len() == 10
            && first_day.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !valid {
            return Err(ConfigError::Invalid {
                var: "RETENTION_FIRST_DAY",
                reason: format!("{first_day:?} is not a day (YYYY-MM-DD)"),
            });
        }
        Ok(Self {
            days,
            first_day,
            time_budget: r.millis("RETENTION_TIME_BUDGET_MS", Self::DEFAULT_TIME_BUDGET)?,
        })
    }
}
