//! Configuration, read once per cold start from the environment the template sets.
//!
//! Each function declares what it uses beyond the table ([`Needs`]), and only the
//! sections those needs name are read: the title function alone knows the LLM key,
//! the list function alone the cursor secret. [`VARIABLES`] is the one list of what is
//! read when; the template's environment per function is checked against it
//! (`tests/tests/api/template.rs`), and every function's configuration is built from
//! the template's environment alone by a test of its own.

mod error;
mod needs;
mod reader;
mod sections;
mod variables;

use std::time::Duration;

use glchat_domain::ids::TenantId;

pub use error::ConfigError;
pub use needs::Needs;
use reader::Reader;
pub use sections::{
    AuthConfig, BucketConfig, BulkDeleteConfig, CloneConfig, EventsConfig, ExportConfig, ListConfig, RetentionConfig,
    ShareConfig, TitleConfig, UploadConfig,
};
pub use variables::{SecretStore, VARIABLES, Variable, deployed_variables, secret_stores, secrets_wanted};

/// A function's configuration: what every function reads, and a section for each of
/// its needs (`None` for the others, which the function never reads).
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
    pub auth: Option<AuthConfig>,
    pub lists: Option<ListConfig>,
    pub titles: Option<TitleConfig>,
    pub uploads: Option<UploadConfig>,
    pub bulk_delete: Option<BulkDeleteConfig>,
    pub clones: Option<CloneConfig>,
    pub shares: Option<ShareConfig>,
    pub events: Option<EventsConfig>,
    pub exports: Option<ExportConfig>,
    pub retention: Option<RetentionConfig>,
}

impl Config {
    pub const DEFAULT_AWS_OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

    pub fn from_env(needs: Needs) -> Result<Self, ConfigError> {
        Self::from_lookup(needs, |name| std::env::var(name).ok())
    }

    /// Reads the configuration for `needs` from any source of variables (tests pass a map).
    pub fn from_lookup(needs: Needs, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let lookup: &dyn Fn(&str) -> Option<String> = &lookup;
        let r = Reader { needs, lookup };
        let tenant_raw = r.required("TENANT_ID")?;
        let tenant = TenantId::parse(&tenant_raw).map_err(|issue| ConfigError::Invalid {
            var: "TENANT_ID",
            reason: format!("{issue:?}"),
        })?;
        Ok(Config {
            needs,
            tenant,
            table_name: r.required("TABLE_NAME")?,
            aws_operation_timeout: r.millis("AWS_OPERATION_TIMEOUT_MS", Self::DEFAULT_AWS_OPERATION_TIMEOUT)?,
            bucket: needs.bucket.then(|| BucketConfig::read(&r)).transpose()?,
            auth: needs.auth.then(|| AuthConfig::read(&r)).transpose()?,
            lists: needs.cursors.then(|| ListConfig::read(&r)).transpose()?,
            titles: needs.llm.then(|| TitleConfig::read(&r)).transpose()?,
            uploads: needs.uploads.then(|| UploadConfig::read(&r)).transpose()?,
            bulk_delete: needs.bulk_delete.then(|| BulkDeleteConfig::read(&r)).transpose()?,
            clones: needs.clones.then(|| CloneConfig::read(&r)).transpose()?,
            shares: needs.shares.then(|| ShareConfig::read(&r)).transpose()?,
            events: needs.events.then(|| EventsConfig::read(&r)).transpose()?,
            exports: needs.exports.then(|| ExportConfig::read(&r)).transpose()?,
            retention: needs.retention.then(|| RetentionConfig::read(&r)).transpose()?,
        })
    }
}

/// A function reached for something its `Needs` left out (a section, a client, a key):
/// a bug, caught by the tests that run every handler with exactly its own needs.
pub(crate) fn built_without(what: &str) -> anyhow::Error {
    anyhow::anyhow!("this function was built without {what}")
}

/// The section a function reads, or the bug of reaching for one its `Needs` left out
/// (caught by the tests that run every handler with exactly its own needs).
macro_rules! section {
    ($($name:ident: $section:ty),* $(,)?) => {
        impl Config {$(
            pub fn $name(&self) -> anyhow::Result<&$section> {
                self.$name
                    .as_ref()
                    .ok_or_else(|| built_without(concat!("the ", stringify!($name), " settings")))
            }
        )*}
    };
}
section!(
    bucket: BucketConfig,
    auth: AuthConfig,
    lists: ListConfig,
    titles: TitleConfig,
    uploads: UploadConfig,
    bulk_delete: BulkDeleteConfig,
    clones: CloneConfig,
    shares: ShareConfig,
    events: EventsConfig,
    exports: ExportConfig,
    retention: RetentionConfig,
);

#[cfg(test)]
mod tests {
    use super::*;
    use glchat_auth::keys::JwtAlgorithm;
    use std::collections::{BTreeSet, HashMap};

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
        let auth = c.auth.as_ref().unwrap();
        assert_eq!(auth.jwt.algorithm, JwtAlgorithm::Hs256);
        assert!(auth.nextauth_secret.is_none());
        assert_eq!(c.aws_operation_timeout, Duration::from_secs(8));
        let llm = c.titles.as_ref().unwrap().llm.clone().unwrap();
        assert_eq!(llm.base_url, "https://llm.example");
        assert_eq!(
            llm.model_for("anything"),
            "tenant-model",
            "no model is allowed but the tenant's"
        );
        assert_eq!(c.uploads.unwrap().max_attachment_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn reads_only_what_the_function_needs() {
        let c = config(Needs::AUTH, BASE).unwrap();
        assert!(c.bucket.is_none() && c.lists.is_none() && c.titles.is_none() && c.uploads.is_none());
        assert!(c.auth.is_some());
        assert!(
            c.clones().is_err(),
            "a section the needs left out is a bug, not a default"
        );
        // The public read verifies no token: no JWT variable is needed, or read.
        let public = config(
            Needs::TABLE.bucket(),
            &[("TENANT_ID", "acme"), ("TABLE_NAME", "t"), ("BUCKET_NAME", "b")],
        );
        assert!(public.unwrap().auth.is_none());
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

    #[test]
    fn allowed_origins_drop_trailing_slashes_and_empty_entries() {
        let mut vars = BASE.to_vec();
        vars.push(("ALLOWED_ORIGINS", " https://a.example/ ,/, ,https://b.example"));
        let c = config(Needs::AUTH, &vars).unwrap();
        assert_eq!(
            c.auth.unwrap().jwt.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
    }
}
