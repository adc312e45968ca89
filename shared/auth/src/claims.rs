//! The claims we read from either kind of credential.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    /// `["admin", ...]`, or one space- or comma-separated string.
    #[serde(default, deserialize_with = "roles")]
    pub roles: Vec<String>,
    /// The rest, among them the tenant claim, whose name each tenant configures.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Claims {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == "admin")
    }

    /// A claim by name, as the credential carries it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.other.get(name)
    }
}

fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Roles {
        List(Vec<String>),
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Roles::deserialize(d)? {
        Roles::List(list) => list,
        Roles::Text(text) => text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        Roles::Other(_) => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_as_a_list_or_a_string() {
        let list: Claims = serde_json::from_str(r#"{"sub":"u","exp":1,"roles":["user","admin"]}"#).unwrap();
        assert!(list.is_admin());
        let text: Claims = serde_json::from_str(r#"{"sub":"u","exp":1,"roles":"user admin"}"#).unwrap();
        assert!(text.is_admin());
        let none: Claims = serde_json::from_str(r#"{"sub":"u","exp":1,"roles":{"admin":true}}"#).unwrap();
        assert!(!none.is_admin());
        let absent: Claims = serde_json::from_str(r#"{"sub":"u","exp":1}"#).unwrap();
        assert!(!absent.is_admin() && absent.get("tenant_id").is_none());
        let tenant: Claims = serde_json::from_str(r#"{"sub":"u","exp":1,"org":"acme"}"#).unwrap();
        assert_eq!(tenant.get("org"), Some(&Value::from("acme")));
    }
}
