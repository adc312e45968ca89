//! Who is calling: a bearer JWT or the NextAuth session cookie, checked against this
//! deployment's tenant. Handlers call [`Authenticator::authenticate`] first thing.

mod claims;
mod jwt;
mod nextauth;

use http::HeaderMap;

use crate::config::{ConfigError, JwtConfig};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::ids::{TenantId, UserId};

pub use claims::Claims;
pub use nextauth::{NEXTAUTH_COOKIE, derive_nextauth_key};

/// The header that names the tenant a client means to reach.
pub const TENANT_HEADER: &str = "x-tenant-id";

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub is_admin: bool,
}

impl Caller {
    /// A `user_id` named in a body must be the caller's own, unless the caller is an admin.
    pub fn may_act_for(&self, user: &UserId) -> bool {
        self.is_admin || &self.user_id == user
    }
}

/// Verifies credentials; built once per cold start (keys are parsed here, not per request).
pub struct Authenticator {
    tenant: TenantId,
    jwt: jwt::JwtVerifier,
    nextauth: Option<nextauth::NextAuthDecoder>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    pub fn new(tenant: &TenantId, jwt: &JwtConfig, nextauth_secret: Option<&str>) -> Result<Self, ConfigError> {
        Ok(Self {
            tenant: tenant.clone(),
            jwt: jwt::JwtVerifier::new(jwt)?,
            nextauth: nextauth_secret.map(nextauth::NextAuthDecoder::new),
        })
    }

    /// The caller, or 401 (no or bad credentials) / 403 (another tenant).
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let claims = if let Some(token) = bearer_token(headers) {
            self.jwt.verify(token)
        } else if let (Some(decoder), Some(cookie)) = (&self.nextauth, nextauth::session_cookie(headers)) {
            decoder.decode(&cookie)
        } else {
            None
        };
        let claims = claims.ok_or(ApiError::Unauthenticated)?;
        let user_id = UserId::parse(&claims.sub).map_err(|_| ApiError::Unauthenticated)?;

        let claimed_tenant = claims.tenant_id.as_deref();
        if claimed_tenant.is_some_and(|t| t != self.tenant.as_str()) {
            return Err(ApiError::Forbidden(Text::TenantMismatch));
        }
        check_tenant_header(&self.tenant, headers)?;
        Ok(Caller {
            is_admin: claims.is_admin(),
            user_id,
        })
    }
}

/// `X-Tenant-ID`, when sent, must name this deployment's tenant. Public endpoints
/// check it too, so a client pointed at the wrong stack learns so.
pub fn check_tenant_header(tenant: &TenantId, headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(TENANT_HEADER) {
        None => Ok(()),
        Some(value) if value.as_bytes() == tenant.as_str().as_bytes() => Ok(()),
        Some(_) => Err(ApiError::Forbidden(Text::TenantMismatch)),
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
