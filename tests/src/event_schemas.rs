//! The deletion events' published schemas (`docs/events/<name>.v1.schema.json`), for
//! holding what the delivery path emits, and the documentation's example, to them.

use std::path::PathBuf;

use serde_json::Value;

/// Every deletion event's detail-type.
pub const NAMES: [&str; 3] = ["ConversationDeleted", "AttachmentDeleted", "ShareRevoked"];

pub fn docs_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs"))
}

/// The schema of `detail_type`'s detail, version 1.
pub fn schema(detail_type: &str) -> Value {
    let path = docs_dir().join(format!("events/{detail_type}.v1.schema.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Validates an event's `detail` against its published schema (formats checked).
pub fn validate(detail_type: &str, detail: &Value) -> Result<(), String> {
    if !NAMES.contains(&detail_type) {
        return Err(format!("{detail_type} is not a documented event"));
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema(detail_type))
        .map_err(|e| format!("invalid schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(detail)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
