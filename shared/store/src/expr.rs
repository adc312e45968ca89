//! DynamoDB expressions with named placeholders: every attribute name is written as
//! `#name` and every value as `:name`, so no expression text ever holds a value or a
//! reserved word, and each expression's maps are built beside its text.
//!
//! ```text
//! let mut e = Expr::default();
//! let update = format!("SET {}", e.assign("title", title));
//! let condition = owned_and_live(&mut e, owner);
//! ```

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attrs::Attr;

/// The placeholders of one request's expressions (key condition, update, condition and
/// projection share them).
#[derive(Debug, Default)]
pub(crate) struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// `#attr`, standing for the attribute `attr`.
    pub fn name(&mut self, attr: Attr) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_string());
        placeholder
    }

    /// A fresh `:attr` (`:attr_2`, ... when taken) standing for `value`.
    pub fn value(&mut self, attr: &str, value: impl Into<Value>) -> String {
        let mut placeholder = format!(":{attr}");
        let mut n = 1;
        while self.values.contains_key(&placeholder) {
            n += 1;
            placeholder = format!(":{attr}_{n}");
        }
        self.values.insert(placeholder.clone(), value.into().0);
        placeholder
    }

    /// `#attr = :attr`: a comparison, or an assignment in a `SET` clause.
    pub fn eq(&mut self, attr: Attr, value: impl Into<Value>) -> String {
        format!("{} = {}", self.name(attr), self.value(attr.as_str(), value))
    }

    pub fn less_than(&mut self, attr: Attr, value: impl Into<Value>) -> String {
        format!("{} < {}", self.name(attr), self.value(attr.as_str(), value))
    }

    pub fn at_most(&mut self, attr: Attr, value: impl Into<Value>) -> String {
        format!("{} <= {}", self.name(attr), self.value(attr.as_str(), value))
    }

    pub fn begins_with(&mut self, attr: Attr, prefix: impl Into<Value>) -> String {
        format!(
            "begins_with({}, {})",
            self.name(attr),
            self.value(attr.as_str(), prefix)
        )
    }

    pub fn between(&mut self, attr: Attr, low: impl Into<Value>, high: impl Into<Value>) -> String {
        format!(
            "{} BETWEEN {} AND {}",
            self.name(attr),
            self.value(attr.as_str(), low),
            self.value(attr.as_str(), high)
        )
    }

    pub fn exists(&mut self, attr: Attr) -> String {
        format!("attribute_exists({})", self.name(attr))
    }

    pub fn not_exists(&mut self, attr: Attr) -> String {
        format!("attribute_not_exists({})", self.name(attr))
    }

    /// Absent, or stored as NULL (how an `Option::None` field is written).
    pub fn is_none(&mut self, attr: Attr) -> String {
        let name = self.name(attr);
        let null = self.value(&format!("{attr}_type"), "NULL");
        any(&[
            format!("attribute_not_exists({name})"),
            format!("attribute_type({name}, {null})"),
        ])
    }

    /// `#attr, #other`: a projection.
    pub fn projection(&mut self, attrs: &[Attr]) -> String {
        self.name_list(attrs)
    }

    /// `#a, #b`: attribute names for a projection or a `REMOVE` clause.
    pub fn name_list(&mut self, attrs: &[Attr]) -> String {
        attrs.iter().map(|&a| self.name(a)).collect::<Vec<_>>().join(", ")
    }

    /// The names map for the request (`None` when empty: DynamoDB refuses empty maps).
    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// The values map for the request (`None` when empty).
    pub fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// `a AND b AND ...`, each part parenthesized.
pub(crate) fn all(parts: &[String]) -> String {
    join(parts, " AND ")
}

/// `a OR b OR ...`, each part parenthesized.
pub(crate) fn any(parts: &[String]) -> String {
    join(parts, " OR ")
}

fn join(parts: &[String], with: &str) -> String {
    parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(with)
}

/// A value for a placeholder: strings, numbers and booleans convert.
pub(crate) struct Value(AttributeValue);

impl From<AttributeValue> for Value {
    fn from(value: AttributeValue) -> Self {
        Self(value)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self(AttributeValue::S(s))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self(AttributeValue::S(s.to_owned()))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Self(AttributeValue::S(s.clone()))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self(AttributeValue::N(n.to_string()))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self(AttributeValue::Bool(b))
    }
}

/// Sets an `Expr`'s two maps on any request builder that takes them.
macro_rules! with_placeholders {
    ($builder:expr, $expr:expr) => {
        $builder
            .set_expression_attribute_names($expr.names())
            .set_expression_attribute_values($expr.values())
    };
}
pub(crate) use with_placeholders;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs;

    #[test]
    fn every_name_and_value_goes_through_a_placeholder() {
        let mut e = Expr::default();
        let set = format!("SET {}, {}", e.eq(attrs::GSI1SK, "a"), e.eq(attrs::GSI2SK, "a"));
        let condition = all(&[
            e.exists(attrs::PK),
            any(&[e.eq(attrs::USER_ID, "u"), e.eq(attrs::USER_ID, "v")]),
        ]);
        assert_eq!(set, "SET #GSI1SK = :GSI1SK, #GSI2SK = :GSI2SK");
        assert_eq!(
            condition,
            "(attribute_exists(#PK)) AND ((#user_id = :user_id) OR (#user_id = :user_id_2))"
        );
        let values = e.values().unwrap();
        assert_eq!(values[":user_id_2"], AttributeValue::S("v".into()));
        assert_eq!(e.names().unwrap()["#PK"], "PK");
        assert!(Expr::default().names().is_none() && Expr::default().values().is_none());
    }
}
