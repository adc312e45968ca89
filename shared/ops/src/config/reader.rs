//! Reading variables: only those [`VARIABLES`] lists for the function's needs, each
//! parsed with the one rule for its kind (positive integer, flag, list, secret).

use std::time::Duration;

use glchat_domain::secret::{MIN_SECRET_LEN, Rotating};
use secrecy::SecretString;

use super::ConfigError;
use super::needs::Needs;
use super::variables::VARIABLES;

/// Reads variables, only those [`VARIABLES`] lists for the needs (so the list, and the
/// template checked against it, cannot fall behind the code). Blank counts as unset.
pub(super) struct Reader<F> {
    pub(super) needs: Needs,
    pub(super) lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    pub(super) fn get(&self, name: &'static str) -> Option<String> {
        assert!(
            VARIABLES.iter().any(|v| v.name == name && (v.read_by)(self.needs)),
            "{name} is read but not listed in config::VARIABLES for {:?}",
            self.needs
        );
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    pub(super) fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    /// A positive integer, `default` when unset.
    pub(super) fn positive(&self, var: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.get(var) {
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
    }

    /// Milliseconds, `default` when unset.
    pub(super) fn millis(&self, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.positive(var, default.as_millis() as u64)?))
    }

    /// Requests per user and minute, `default` when unset.
    pub(super) fn per_minute(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        Ok(u32::try_from(self.positive(var, u64::from(default))?).unwrap_or(u32::MAX))
    }

    /// `true` or `false`, `false` when unset.
    pub(super) fn flag(&self, var: &'static str) -> Result<bool, ConfigError> {
        match self.get(var).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ConfigError::Invalid {
                var,
                reason: format!("{other:?} is neither true nor false"),
            }),
        }
    }

    /// A comma-separated list, blanks dropped.
    pub(super) fn list(&self, var: &'static str) -> Vec<String> {
        self.get(var)
            .unwrap_or_default()
            .split(',')
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect()
    }

    /// A secret `name` and its `previous` one (rotation), each at least
    /// [`MIN_SECRET_LEN`] long; `None` when `name` is unset.
    pub(super) fn rotating(&self, name: &'static str, previous: &'static str) -> Result<Option<Rotating>, ConfigError> {
        let secret = |var: &'static str| -> Result<Option<SecretString>, ConfigError> {
            match self.get(var) {
                Some(value) if value.len() < MIN_SECRET_LEN => Err(ConfigError::Invalid {
                    var,
                    reason: format!("shorter than {MIN_SECRET_LEN} characters"),
                }),
                value => Ok(value.map(SecretString::from)),
            }
        };
        let Some(current) = secret(name)? else {
            return Ok(None);
        };
        Ok(Some(Rotating {
            current,
            previous: secret(previous)?,
        }))
    }
}
