//! Request fields from the query string, a form (urlencoded or multipart) or a JSON
//! body, read into typed values with every problem collected into one FastAPI 422.
//!
//! A handler describes its input once, reading every field before it gives up so that
//! the 422 lists all that is wrong (as FastAPI does):
//!
//! ```text
//! let input = Fields::body(&req, BodyKind::Form).await?.parse(|f| {
//!     let (user_id, chatbot_id) = (f.required("user_id"), f.required("chatbot_id"));
//!     Some(Create { user_id: user_id?, chatbot_id: chatbot_id?, title: f.optional("title") })
//! })?;
//! ```
//!
//! `required` and `optional` record what is missing or malformed and give `None` for
//! it; `parse` answers the 422 if anything was recorded.

use bytes::Bytes;
use lambda_http::Request;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError, Loc};
use crate::i18n::{Issue, Text};
use glchat_domain::ids::{ChatbotId, ConversationId, ErasureId, ExportId, ImportId, MessageId, ShareId, UserId};
use glchat_domain::models::{BoundedText, ContentType, MessageRole, Metadata, Title};

/// Largest body we read, a little under API Gateway's and Lambda's 6 MB payload limit.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// A value that can be read from one field.
pub trait FromField: Sized {
    /// From form or query text.
    fn from_text(raw: &str) -> Result<Self, Issue>;

    /// From a JSON value; strings go through `from_text`.
    fn from_json(value: &Value) -> Result<Self, Issue> {
        match value {
            Value::String(s) => Self::from_text(s),
            _ => Err(Issue::StringType),
        }
    }

    /// From a JSON value, saying which item of a list was wrong (`Some(index)`).
    fn from_json_item(value: &Value) -> Result<Self, (Option<usize>, Issue)> {
        Self::from_json(value).map_err(|issue| (None, issue))
    }
}

impl FromField for String {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Ok(raw.to_owned())
    }
}

impl FromField for i64 {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        raw.trim().parse().map_err(|_| Issue::IntParsing)
    }

    fn from_json(value: &Value) -> Result<Self, Issue> {
        match value {
            Value::Number(n) => n.as_i64().ok_or(Issue::IntType),
            Value::String(s) => Self::from_text(s),
            _ => Err(Issue::IntType),
        }
    }
}

/// A JSON object: an object in a JSON body, JSON text in a form field
/// (`metadata_` arrives that way from the web client).
impl FromField for Map<String, Value> {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Issue::DictType),
            Err(_) => Err(Issue::JsonInvalid),
        }
    }

    fn from_json(value: &Value) -> Result<Self, Issue> {
        match value {
            Value::Object(map) => Ok(map.clone()),
            Value::String(s) => Self::from_text(s),
            _ => Err(Issue::DictType),
        }
    }
}

impl<T: FromField> FromField for Vec<T> {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Ok(vec![T::from_text(raw)?])
    }

    fn from_json(value: &Value) -> Result<Self, Issue> {
        Self::from_json_item(value).map_err(|(_, issue)| issue)
    }

    fn from_json_item(value: &Value) -> Result<Self, (Option<usize>, Issue)> {
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| T::from_json(item).map_err(|issue| (Some(i), issue)))
                .collect(),
            _ => Err((None, Issue::ListType)),
        }
    }
}

/// The domain's values, each read from text by its own `parse`.
macro_rules! parsed_fields {
    ($($value:ty),*) => {$(
        impl FromField for $value {
            fn from_text(raw: &str) -> Result<Self, Issue> {
                <$value>::parse(raw)
            }
        }
    )*};
}
parsed_fields!(
    ConversationId,
    MessageId,
    UserId,
    ChatbotId,
    ShareId,
    ExportId,
    ErasureId,
    ImportId,
    MessageRole,
    Title,
    ContentType
);

impl<const MAX: usize> FromField for BoundedText<MAX> {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Self::parse(raw)
    }
}

/// An object in a JSON body, JSON text in a form field.
impl FromField for Metadata {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Self::from_object(Map::from_text(raw)?)
    }

    fn from_json(value: &Value) -> Result<Self, Issue> {
        Self::from_object(Map::from_json(value)?)
    }
}

/// Which bodies an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// FastAPI `Form(...)`: urlencoded or multipart. Empty values count as missing.
    Form,
    /// A JSON object.
    Json,
    /// A JSON object, or no body at all, which reads as `{}` (FastAPI's optional body
    /// model): for a request whose every field is optional.
    OptionalJson,
    /// JSON when the content type says so, a form otherwise.
    JsonOrForm,
}

enum Values {
    /// Form or query pairs; the last of repeated keys wins, as in Starlette.
    Pairs(Vec<(String, String)>),
    Json(Map<String, Value>),
}

pub struct Fields {
    loc: Loc,
    values: Values,
    /// Forms and queries drop empty values (FastAPI does for forms); JSON keeps them.
    empty_is_missing: bool,
    errors: Vec<FieldError>,
}

impl Fields {
    /// The query string. Empty values (`?chatbot_id=`) count as absent.
    pub fn query(req: &Request) -> Self {
        let pairs = serde_urlencoded::from_str(req.uri().query().unwrap_or("")).unwrap_or_default();
        Self::new(Loc::Query, Values::Pairs(pairs), true)
    }

    /// The body, read as `kind` says.
    pub async fn body(req: &Request, kind: BodyKind) -> Result<Self, ApiError> {
        let bytes: &[u8] = req.body().as_ref();
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        let raw_content_type = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Lower-cased for matching only: the multipart boundary is case-sensitive.
        let content_type = raw_content_type.to_ascii_lowercase();
        let is_json = content_type.starts_with("application/json") || content_type.contains("+json");
        let is_multipart = content_type.starts_with("multipart/form-data");
        let is_form = is_multipart || content_type.starts_with("application/x-www-form-urlencoded");
        match kind {
            BodyKind::OptionalJson if bytes.is_empty() && (is_json || raw_content_type.is_empty()) => {
                Ok(Self::new(Loc::Body, Values::Json(Map::new()), false))
            }
            BodyKind::Json | BodyKind::JsonOrForm | BodyKind::OptionalJson if is_json => Self::json(bytes),
            // A JSON body under another type is how a page on another site sends JSON
            // without a CORS preflight (`text/plain`): refused, whatever it holds.
            BodyKind::Json | BodyKind::OptionalJson => Err(ApiError::UnsupportedMediaType),
            BodyKind::JsonOrForm if !is_form => Err(ApiError::UnsupportedMediaType),
            BodyKind::Form | BodyKind::JsonOrForm => {
                let pairs = if is_multipart {
                    multipart_pairs(raw_content_type, Bytes::copy_from_slice(bytes)).await?
                } else {
                    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
                };
                Ok(Self::new(Loc::Body, Values::Pairs(pairs), true))
            }
        }
    }

    fn json(bytes: &[u8]) -> Result<Self, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(whole_body_error(Issue::Missing, Value::Null));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self::new(Loc::Body, Values::Json(map), false)),
            Ok(other) => Err(whole_body_error(Issue::ModelType, other)),
            Err(_) => Err(whole_body_error(Issue::JsonInvalid, Value::Null)),
        }
    }

    fn new(loc: Loc, values: Values, empty_is_missing: bool) -> Self {
        Self {
            loc,
            values,
            empty_is_missing,
            errors: Vec::new(),
        }
    }

    /// Reads the fields with `read` and returns its result, or the 422 listing
    /// every missing or malformed field.
    pub fn parse<T>(mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Result<T, ApiError> {
        match (read(&mut self), self.errors.is_empty()) {
            (Some(value), true) => Ok(value),
            (_, false) => Err(ApiError::Validation(self.errors)),
            (None, true) => Err(ApiError::Internal(anyhow::anyhow!(
                "an input reader gave up without naming a field"
            ))),
        }
    }

    /// A field that must be present and valid; `None` (and the error recorded) when not.
    pub fn required<T: FromField>(&mut self, name: &str) -> Option<T> {
        let value = self.optional(name);
        if value.is_none() && !self.errors.iter().any(|e| e.field.as_deref() == Some(name)) {
            self.errors
                .push(FieldError::new(self.loc, name, Issue::Missing, self.raw(name)));
        }
        value
    }

    /// A field that may be absent (or JSON `null`); present ones must be valid.
    pub fn optional<T: FromField>(&mut self, name: &str) -> Option<T> {
        let parsed = match &self.values {
            Values::Pairs(pairs) => {
                let raw = pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
                match raw {
                    None => return None,
                    Some("") if self.empty_is_missing => return None,
                    Some(raw) => T::from_text(raw).map_err(|issue| (None, issue)),
                }
            }
            Values::Json(map) => match map.get(name) {
                None | Some(Value::Null) => return None,
                Some(value) => T::from_json_item(value),
            },
        };
        match parsed {
            Ok(value) => Some(value),
            Err((index, issue)) => {
                let raw = self.raw(name);
                let input = index.map_or(raw.clone(), |i| raw[i].clone());
                self.errors
                    .push(FieldError::new(self.loc, name, issue, input).at(index));
                None
            }
        }
    }

    /// Checks a value already read, recording `issue` against `name` when `check` fails.
    pub fn check(&mut self, name: &str, ok: bool, issue: Issue) {
        if !ok {
            self.errors.push(FieldError::new(self.loc, name, issue, self.raw(name)));
        }
    }

    /// The input as the client sent it, echoed in the 422 like pydantic's `input`.
    fn raw(&self, name: &str) -> Value {
        match &self.values {
            Values::Pairs(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::from(v.as_str()))
                .unwrap_or(Value::Null),
            Values::Json(map) => map.get(name).cloned().unwrap_or(Value::Null),
        }
    }
}

fn whole_body_error(issue: Issue, input: Value) -> ApiError {
    ApiError::Validation(vec![FieldError {
        loc: Loc::Body,
        field: None,
        index: None,
        issue,
        input,
    }])
}

/// The text fields of a multipart body. File parts are not fields of any endpoint here
/// and are skipped; a malformed body answers 422 for the body as a whole.
async fn multipart_pairs(content_type: &str, bytes: Bytes) -> Result<Vec<(String, String)>, ApiError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| whole_body_error(Issue::ModelType, Value::Null))?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(whole_body_error(Issue::ModelType, Value::Null)),
        };
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if field.file_name().is_some() {
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|_| whole_body_error(Issue::StringType, Value::Null))?;
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// An id in the path: its parameter name and what a bad or unknown one answers.
pub trait PathId: FromField {
    const PARAM: &'static str;
    const NOT_FOUND: Text;
}

impl PathId for ConversationId {
    const PARAM: &'static str = "conversation_id";
    const NOT_FOUND: Text = Text::ConversationNotFound;
}

impl PathId for ShareId {
    const PARAM: &'static str = "shared_conversation_id";
    const NOT_FOUND: Text = Text::ShareNotFound;
}

impl PathId for ImportId {
    const PARAM: &'static str = "import_id";
    const NOT_FOUND: Text = Text::ImportNotFound;
}

impl PathId for ErasureId {
    const PARAM: &'static str = "erasure_id";
    const NOT_FOUND: Text = Text::ErasureNotFound;
}

impl PathId for ExportId {
    const PARAM: &'static str = "export_id";
    const NOT_FOUND: Text = Text::ExportNotFound;
}

/// The id in the path. One that cannot be an id names nothing, so it is a 404, the
/// same 404 as an id that exists but is not the caller's.
pub fn path_id<T: PathId>(req: &Request) -> Result<T, ApiError> {
    use lambda_http::RequestExt;
    req.path_parameters()
        .first(T::PARAM)
        .and_then(|raw| T::from_text(raw).ok())
        .ok_or(ApiError::NotFound(T::NOT_FOUND))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;

    fn request(content_type: &str, body: &str) -> Request {
        http::Request::builder()
            .uri("/x?limit=5&limit=7&q=")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    }

    #[derive(Debug, PartialEq)]
    struct Input {
        user_id: UserId,
        title: Option<String>,
        chatbot_id: ChatbotId,
    }

    fn read(f: &mut Fields) -> Option<Input> {
        let (user_id, title, chatbot_id) = (f.required("user_id"), f.optional("title"), f.required("chatbot_id"));
        Some(Input {
            user_id: user_id?,
            title,
            chatbot_id: chatbot_id?,
        })
    }

    #[tokio::test]
    async fn form_collects_every_missing_field_and_drops_empty_values() {
        let req = request("application/x-www-form-urlencoded", "user_id=&title=Hi");
        let err = Fields::body(&req, BodyKind::Form)
            .await
            .unwrap()
            .parse(read)
            .unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("expected 422")
        };
        let names: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(names, ["user_id", "chatbot_id"]);
        assert!(errors.iter().all(|e| e.issue == Issue::Missing));
    }

    #[tokio::test]
    async fn multipart_and_json_read_the_same_fields() {
        let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\nu1\r\n\
                         --XyZ\r\nContent-Disposition: form-data; name=\"chatbot_id\"\r\n\r\nbot\r\n--XyZ--\r\n";
        let req = request("multipart/form-data; boundary=XyZ", multipart);
        let from_multipart = Fields::body(&req, BodyKind::Form).await.unwrap().parse(read).unwrap();
        let req = request(
            "application/json",
            r#"{"user_id":"u1","chatbot_id":"bot","title":null}"#,
        );
        let from_json = Fields::body(&req, BodyKind::JsonOrForm)
            .await
            .unwrap()
            .parse(read)
            .unwrap();
        assert_eq!(from_multipart, from_json);
        assert_eq!(from_json.user_id.as_str(), "u1");
    }

    #[tokio::test]
    async fn json_type_errors_name_the_field() {
        let req = request("application/json", r#"{"user_id":5,"chatbot_id":"b"}"#);
        let err = Fields::body(&req, BodyKind::Json)
            .await
            .unwrap()
            .parse(read)
            .unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("expected 422")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].issue, Issue::StringType);
        assert_eq!(errors[0].input, Value::from(5));
        let req = request("application/json", "[1]");
        assert!(matches!(
            Fields::body(&req, BodyKind::Json).await,
            Err(ApiError::Validation(_))
        ));
        let req = request("application/json", "{oops");
        assert!(matches!(
            Fields::body(&req, BodyKind::Json).await,
            Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn query_keeps_the_last_repeated_value_and_drops_empty_ones() {
        let req = request("text/plain", "");
        let limit: Option<i64> = Fields::query(&req).parse(|f| Some(f.optional("limit"))).unwrap();
        assert_eq!(limit, Some(7));
        let q: Option<String> = Fields::query(&req).parse(|f| Some(f.optional("q"))).unwrap();
        assert_eq!(q, None, "an empty value is absent");
    }

    #[test]
    fn domain_values_read_from_text_and_json() {
        assert_eq!(Metadata::from_text("[1]"), Err(Issue::DictType));
        assert_eq!(Metadata::from_text("{"), Err(Issue::JsonInvalid));
        assert_eq!(Metadata::from_json(&Value::from(3)), Err(Issue::DictType));
        let text = Metadata::from_text(r#"{"k": 1}"#).unwrap();
        assert_eq!(text, Metadata::from_json(&serde_json::json!({"k": 1})).unwrap());
        let big = format!(r#"{{"k":"{}"}}"#, "v".repeat(17_000));
        assert_eq!(Metadata::from_text(&big), Err(Issue::TooLong(Metadata::MAX_BYTES)));
        assert_eq!(Title::from_text("  Trip ").unwrap().as_str(), "Trip");
        assert_eq!(Title::from_json(&Value::from(1)), Err(Issue::StringType));
        assert_eq!(
            MessageRole::from_text("system"),
            Err(Issue::Enum(&["user", "assistant"]))
        );
    }
}
