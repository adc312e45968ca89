//! How the tenant's credentials are verified: the configuration `Authenticator::new` takes.

use glchat_domain::secret::Rotating;

/// The claim naming the tenant unless `TENANT_CLAIM` names another.
pub const DEFAULT_TENANT_CLAIM: &str = "tenant_id";

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
    /// The HS256 secret, or the RS256/ES256 public key in PEM (and the previous one).
    pub key: Rotating,
    /// Required for RS256/ES256: a public key is usually an identity provider's, which
    /// signs tokens for other clients and tenants too.
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The claim naming the tenant, in bearer tokens and session cookies alike.
    pub tenant_claim: String,
    /// Credentials without the tenant claim are accepted: only for a tenant whose keys
    /// are its own (no other tenant's credentials can carry its signature).
    pub tenant_claim_optional: bool,
    /// Origins a cookie-authenticated write may come from (`Origin`, else `Referer`).
    pub allowed_origins: Vec<String>,
}
