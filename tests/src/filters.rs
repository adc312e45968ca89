//! Lambda's event filtering, for the patterns `template.yaml` gives the stream's
//! function (the syntax EventBridge patterns share): exact values and nested fields.
//! Any other operator stops the test instead of being guessed at.

use serde_json::Value;

/// Whether `event` matches `pattern`: every field the pattern names is present, an
/// object matched field by field, a value equal to one of the pattern's list.
pub fn matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        panic!("a filter pattern is an object, not {pattern}")
    };
    fields.iter().all(|(name, expected)| {
        let actual = event.get(name);
        match expected {
            Value::Object(_) => actual.is_some_and(|actual| matches(expected, actual)),
            Value::Array(values) => {
                if let Some(operator) = values.iter().find(|v| v.is_object() || v.is_array()) {
                    panic!("the filter operator {operator} is not read here");
                }
                actual.is_some_and(|actual| values.contains(actual))
            }
            other => panic!("a filter pattern's values are lists, not {other}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::matches;
    use serde_json::json;

    #[test]
    fn fields_match_by_value_and_nest() {
        let pattern = json!({"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": ["a", "b"]}}}});
        let event = |name: &str, entity: &str| json!({"eventName": name, "dynamodb": {"OldImage": {"entity": {"S": entity}, "PK": {"S": "x"}}}});
        assert!(matches(&pattern, &event("REMOVE", "b")));
        assert!(!matches(&pattern, &event("INSERT", "b")));
        assert!(!matches(&pattern, &event("REMOVE", "c")));
        assert!(
            !matches(&pattern, &json!({"eventName": "REMOVE", "dynamodb": {}})),
            "no old image"
        );
    }
}
