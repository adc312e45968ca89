//! The committed `openapi.json` as a checker: a 200, 202 or 422 body must validate against
//! the operation's schema (formats such as `date-time` included); any other status must
//! be FastAPI's `{"detail": "..."}`, or one of API Gateway's own answers when it
//! refuses a request before or around the function (see `glchat_functions::gateway`).

use serde_json::{Value, json};

pub struct Contract {
    spec: Value,
    router: matchit::Router<String>,
}

impl Contract {
    pub fn load() -> Self {
        let spec: Value = serde_json::from_str(glchat_functions::local::OPENAPI).expect("openapi.json is JSON");
        let mut router = matchit::Router::new();
        for path in spec["paths"].as_object().expect("paths").keys() {
            router
                .insert(path.clone(), path.clone())
                .expect("spec paths form a router");
        }
        Self { spec, router }
    }

    pub fn spec(&self) -> &Value {
        &self.spec
    }

    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        if matches!(path, "/health" | "/openapi.json") {
            return Ok(());
        }
        let gateway = match status {
            413 => Some("Request Entity Too Large"),
            500 => Some("Internal Server Error"),
            _ => None,
        };
        if gateway.is_some_and(|message| body == &json!({ "message": message })) {
            return Ok(());
        }
        let error_shape = || match body.get("detail") {
            Some(Value::String(_)) if body.as_object().is_some_and(|o| o.len() == 1) => Ok(()),
            _ => Err(format!("a {status} must be {{\"detail\": \"...\"}}")),
        };
        let Ok(matched) = self.router.at(path) else {
            return if status == 404 {
                error_shape()
            } else {
                Err("undocumented path".into())
            };
        };
        let operation = &self.spec["paths"][matched.value.as_str()][method.to_ascii_lowercase()];
        if operation.is_null() {
            return if status == 405 {
                error_shape()
            } else {
                Err("undocumented method".into())
            };
        }
        let schema = match status {
            200 | 202 | 422 => &operation["responses"][status.to_string()]["content"]["application/json"]["schema"],
            _ => return error_shape(),
        };
        if schema.is_null() {
            return Err(format!("no schema for status {status}"));
        }
        self.validate(schema, body)
    }

    /// Validates `value` against `schema`, resolving `#/components/...` in the spec.
    pub fn validate(&self, schema: &Value, value: &Value) -> Result<(), String> {
        let mut rooted = schema.clone();
        if let Value::Object(map) = &mut rooted {
            map.insert("components".into(), self.spec["components"].clone());
        } else {
            rooted = json!({ "allOf": [schema], "components": self.spec["components"] });
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&rooted)
            .map_err(|e| format!("invalid schema: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}
