//! Why credentials or keys were refused.

/// Why a request's credentials were refused: 401 for the first, 403 for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credential, or one that does not verify.
    #[error("not authenticated")]
    Unauthenticated,
    /// The credential names no tenant, and this tenant requires one.
    #[error("the credential names no tenant")]
    TenantClaimMissing,
    /// The credential or `X-Tenant-ID` names another tenant.
    #[error("another tenant")]
    TenantMismatch,
    /// A cookie-authenticated write from a page that is not ours.
    #[error("foreign origin")]
    ForeignOrigin,
}

/// A key that cannot verify anything (a public key that is no PEM of its algorithm).
#[derive(Debug, thiserror::Error)]
#[error("{variable} is invalid: {reason}")]
pub struct KeyError {
    pub variable: &'static str,
    pub reason: String,
}
