//! Who an operation runs for: the authenticated caller (`glchat_auth` proves it).

use crate::ids::UserId;

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
