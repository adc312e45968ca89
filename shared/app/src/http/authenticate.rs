//! Who sent a request: the function's `Authenticator` applied to its method and
//! headers, each refusal turned into its status here.

use glchat_auth::check_tenant_header;
use glchat_domain::caller::Caller;
use glchat_ops::Deps;
use http::HeaderMap;

use crate::error::ApiError;

/// Authentication of a request against a function's [`Deps`].
pub trait Authenticate {
    /// The authenticated caller: 401 without valid credentials, 403 for a credential
    /// not bound to this tenant or a cookie-authenticated write from a foreign page.
    fn caller<B>(&self, req: &http::Request<B>) -> Result<Caller, ApiError>;

    /// For public endpoints: `X-Tenant-ID`, when sent, names this tenant.
    fn check_tenant(&self, headers: &HeaderMap) -> Result<(), ApiError>;
}

impl Authenticate for Deps {
    fn caller<B>(&self, req: &http::Request<B>) -> Result<Caller, ApiError> {
        let caller = self.authenticator()?.authenticate(req.method(), req.headers())?;
        self.record_caller(&caller);
        Ok(caller)
    }

    fn check_tenant(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        Ok(check_tenant_header(&self.config.tenant, headers)?)
    }
}
