//! Configuration, read once per cold start from the environment the template sets.

use std::time::Duration;

use crate::ids::TenantId;
use crate::titles::LlmConfig;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// How bearer tokens are signed. Fixed by configuration, never taken from a token's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Rs256,
    Es256,
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub algorithm: JwtAlgorithm,
    /// The HS256 secret, or the RS256/ES256 public key in PEM.
    pub key: String,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub tenant: TenantId,
    pub table_name: String,
    pub bucket_name: String,
    pub jwt: JwtConfig,
    /// The NextAuth secret; without it session cookies are not accepted.
    pub nextauth_secret: Option<String>,
    /// Key for signing list cursors.
    pub cursor_secret: String,
    /// Upper bound of one DynamoDB or S3 operation, retries included; far below
    /// API Gateway's 30 s so a slow dependency answers 503, not a gateway timeout.
    pub aws_operation_timeout: Duration,
    /// Largest attachment a presigned upload accepts, in bytes.
    pub max_attachment_bytes: u64,
    /// Conversations one bulk delete request deletes at most.
    pub bulk_delete_max: usize,
    /// The OpenAI-compatible endpoint titles come from; `None` uses fallback titles.
    pub llm: Option<LlmConfig>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));

        let tenant_raw = required("TENANT_ID")?;
        let tenant = TenantId::parse(&tenant_raw).map_err(|issue| ConfigError::Invalid {
            var: "TENANT_ID",
            reason: format!("{issue:?}"),
        })?;

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
            JwtAlgorithm::Hs256 => required("JWT_SECRET")?,
            // PEM often arrives with its newlines escaped when passed through env files.
            JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => required("JWT_PUBLIC_KEY")?.replace("\\n", "\n"),
        };

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
        let timeout_ms = positive("AWS_OPERATION_TIMEOUT_MS", 8_000)?;
        let max_attachment_bytes = positive("MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)?;
        let bulk_delete_max = usize::try_from(positive("BULK_DELETE_MAX", 1_000)?).unwrap_or(usize::MAX);

        let llm = get("LLM_BASE_URL")
            .map(|base_url| -> Result<LlmConfig, ConfigError> {
                if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                    return Err(ConfigError::Invalid {
                        var: "LLM_BASE_URL",
                        reason: format!("{base_url:?} is not an http(s) URL"),
                    });
                }
                Ok(LlmConfig {
                    base_url,
                    api_key: get("LLM_API_KEY"),
                    timeout: Duration::from_millis(positive("LLM_TIMEOUT_MS", 8_000)?),
                    model: get("LLM_MODEL"),
                })
            })
            .transpose()?;

        Ok(Config {
            tenant,
            table_name: required("TABLE_NAME")?,
            bucket_name: required("BUCKET_NAME")?,
            jwt: JwtConfig {
                algorithm,
                key,
                issuer: get("JWT_ISSUER"),
                audience: get("JWT_AUDIENCE"),
            },
            nextauth_secret: get("NEXTAUTH_SECRET"),
            cursor_secret: required("CURSOR_SECRET")?,
            aws_operation_timeout: Duration::from_millis(timeout_ms),
            max_attachment_bytes,
            bulk_delete_max,
            llm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("TENANT_ID", "acme"),
        ("TABLE_NAME", "t"),
        ("BUCKET_NAME", "b"),
        ("JWT_SECRET", "s"),
        ("CURSOR_SECRET", "c"),
    ];

    #[test]
    fn reads_a_minimal_hs256_configuration() {
        let c = config(BASE).unwrap();
        assert_eq!(c.tenant.as_str(), "acme");
        assert_eq!(c.jwt.algorithm, JwtAlgorithm::Hs256);
        assert!(c.nextauth_secret.is_none());
        assert_eq!(c.aws_operation_timeout, Duration::from_secs(8));
        assert!(c.llm.is_none());
        assert_eq!(c.max_attachment_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn names_the_variable_that_is_missing_or_wrong() {
        let without_tenant: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != "TENANT_ID").collect();
        assert!(matches!(
            config(&without_tenant),
            Err(ConfigError::Missing("TENANT_ID"))
        ));
        let mut rs = BASE.to_vec();
        rs.push(("JWT_ALGORITHM", "RS256"));
        assert!(matches!(config(&rs), Err(ConfigError::Missing("JWT_PUBLIC_KEY"))));
        let mut none = BASE.to_vec();
        none.push(("JWT_ALGORITHM", "none"));
        assert!(matches!(
            config(&none),
            Err(ConfigError::Invalid {
                var: "JWT_ALGORITHM",
                ..
            })
        ));
    }
}
