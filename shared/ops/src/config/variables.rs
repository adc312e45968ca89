//! Every variable the configuration reads, by which functions, and where it is kept
//! when deployed (the environment, or one of the tenant's secrets).

use std::collections::BTreeSet;

use super::needs::Needs;

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
    var("RATE_LIMIT_EXPORTS_PER_MINUTE", |n| n.exports, true),
    var("JOB_STEP_CONVERSATIONS", |n| n.exports, false),
    var("JOB_STEP_TIME_MS", |n| n.exports, false),
    var("JOB_STEP_ATTEMPTS", |n| n.exports, false),
    var("IMPORT_MAX_BYTES", |n| n.exports, false),
    var("RETENTION_DAYS", |n| n.retention, true),
    var("RETENTION_FIRST_DAY", |n| n.retention, false),
    var("RETENTION_TIME_BUDGET_MS", |n| n.retention, false),
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
