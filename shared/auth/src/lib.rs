//! Who is calling: a bearer JWT or the NextAuth session cookie, checked against this
//! deployment's tenant. Handlers call [`Authenticator::authenticate`] first thing.

mod claims;
mod error;
mod jwt;
pub mod keys;
mod nextauth;

use glchat_domain::ids::{TenantId, UserId};
use glchat_domain::secret::Rotating;
use http::HeaderMap;
use serde_json::Value;

pub use error::{AuthError, KeyError};
pub use glchat_domain::caller::Caller;
use keys::JwtConfig;

pub use claims::Claims;
pub use nextauth::{NEXTAUTH_COOKIE, derive_nextauth_key};

/// The header that names the tenant a client means to reach.
pub const TENANT_HEADER: &str = "x-tenant-id";

/// Verifies credentials; built once per cold start (keys are parsed here, not per request).
pub struct Authenticator {
    tenant: TenantId,
    jwt: jwt::JwtVerifier,
    /// The current secret's decoder, then the previous one's during a rotation; none
    /// when cookies are off.
    nextauth: Vec<nextauth::NextAuthDecoder>,
    tenant_claim: String,
    tenant_claim_optional: bool,
    allowed_origins: Vec<String>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Bearer,
    /// The browser sends it on its own, to any request from any page: a write needs
    /// proof the page was ours.
    SessionCookie,
}

impl Authenticator {
    pub fn new(tenant: &TenantId, jwt: &JwtConfig, nextauth_secret: Option<&Rotating>) -> Result<Self, KeyError> {
        Ok(Self {
            tenant: tenant.clone(),
            jwt: jwt::JwtVerifier::new(jwt)?,
            nextauth: nextauth_secret
                .into_iter()
                .flat_map(Rotating::keys)
                .map(nextauth::NextAuthDecoder::new)
                .collect(),
            tenant_claim: jwt.tenant_claim.clone(),
            tenant_claim_optional: jwt.tenant_claim_optional,
            allowed_origins: jwt.allowed_origins.clone(),
        })
    }

    /// The caller, or 401 (no or bad credentials) / 403 (a credential not bound to this
    /// tenant, or a cookie-authenticated write from a page not among the allowed origins).
    pub fn authenticate(&self, method: &http::Method, headers: &HeaderMap) -> Result<Caller, AuthError> {
        let (claims, credential) = if let Some(token) = bearer_token(headers) {
            (self.jwt.verify(token), Credential::Bearer)
        } else if let (false, Some(cookie)) = (self.nextauth.is_empty(), nextauth::session_cookie(headers)) {
            let claims = self.nextauth.iter().find_map(|decoder| decoder.decode(&cookie));
            (claims, Credential::SessionCookie)
        } else {
            (None, Credential::Bearer)
        };
        let claims = claims.ok_or(AuthError::Unauthenticated)?;
        let user_id = UserId::parse(&claims.sub).map_err(|_| AuthError::Unauthenticated)?;

        match claims.get(&self.tenant_claim) {
            Some(Value::String(tenant)) if tenant == self.tenant.as_str() => {}
            None if self.tenant_claim_optional => {}
            None => return Err(AuthError::TenantClaimMissing),
            Some(_) => return Err(AuthError::TenantMismatch),
        }
        check_tenant_header(&self.tenant, headers)?;
        if credential == Credential::SessionCookie && !method.is_safe() && !self.sent_from_allowed_origin(headers) {
            return Err(AuthError::ForeignOrigin);
        }
        Ok(Caller {
            is_admin: claims.is_admin(),
            user_id,
        })
    }

    /// Whether the page that sent the request is one of ours: its `Origin`, or lacking
    /// one (older browsers on same-origin requests) the origin of its `Referer`.
    fn sent_from_allowed_origin(&self, headers: &HeaderMap) -> bool {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let origin = match header(http::header::ORIGIN) {
            Some(origin) => Some(origin.trim_end_matches('/').to_owned()),
            None => header(http::header::REFERER).and_then(origin_of),
        };
        origin.is_some_and(|o| {
            self.allowed_origins
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&o))
        })
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// `X-Tenant-ID`, when sent, must name this deployment's tenant. Public endpoints
/// check it too, so a client pointed at the wrong stack learns so.
pub fn check_tenant_header(tenant: &TenantId, headers: &HeaderMap) -> Result<(), AuthError> {
    match headers.get(TENANT_HEADER) {
        None => Ok(()),
        Some(value) if value.as_bytes() == tenant.as_str().as_bytes() => Ok(()),
        Some(_) => Err(AuthError::TenantMismatch),
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
