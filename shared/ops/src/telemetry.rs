//! Logging: JSON lines in Lambda (CloudWatch parses them), readable text locally. Every
//! line of an invocation carries the invocation's span: the Lambda and API Gateway
//! request ids, the route, the tenant, the X-Ray trace id and, once authenticated, a
//! keyed hash of the user id (never the id itself), so one request is followed from
//! the access log through every line it wrote.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use glchat_domain::ids::UserId;

/// Installs the global subscriber once; later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let installed = if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time()
            .try_init()
    } else {
        builder.try_init()
    };
    // Already installed (tests start several apps in one process): keep the first.
    drop(installed);
}

/// What identifies one invocation in the logs.
#[derive(Debug, Default, Clone, Copy)]
pub struct InvocationIds<'a> {
    pub lambda_request_id: Option<&'a str>,
    pub api_request_id: Option<&'a str>,
    pub route: Option<&'a str>,
    pub trace_id: Option<&'a str>,
}

/// The span every line of one invocation is written in; `user` is filled in by
/// [`UserTagger::record`] once the caller is known.
pub fn invocation_span(ids: InvocationIds<'_>, tenant: &str) -> Span {
    tracing::info_span!(
        "invocation",
        lambda_request_id = ids.lambda_request_id,
        api_request_id = ids.api_request_id,
        route = ids.route,
        tenant,
        trace_id = ids.trace_id,
        user = tracing::field::Empty,
    )
}

/// The namespace of the one metric the functions write.
pub const METRICS_NAMESPACE: &str = "GLChat";

/// The `Service` dimension's value: the same for every tenant, so the account-region's
/// alarm reads one metric however many tenants it holds (docs/fleet.md).
pub const SERVICE: &str = "glchat";

/// A 5xx answer as a CloudWatch Embedded Metric Format line: `ServerErrors` for the
/// account-region (`Service`) and for the tenant (`Service`, `Tenant`). Written only
/// when the function answers 5xx, so a healthy hour publishes nothing and costs nothing
/// (custom metrics are billed by the hour they receive data); a request API Gateway or
/// Lambda refuses before the function (a body over Lambda's 6 MB) writes none, so no
/// client can raise the alarm that reads it at will.
pub fn server_error_line(tenant: &str, status: u16, now_ms: u64) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [["Service"], ["Service", "Tenant"]],
                "Metrics": [{ "Name": "ServerErrors", "Unit": "Count" }],
            }],
        },
        "Service": SERVICE,
        "Tenant": tenant,
        "ServerErrors": 1,
        "status": status,
    })
    .to_string()
}

/// Keyed hashes of user ids for the logs: the same user gets the same tag across
/// requests (follow one user), and without the key no one can tell whose it is. The
/// key is the tenant's `LOG_HASH_KEY` (generated in its auth secret); without one
/// (locally) no tag is written.
#[derive(Clone)]
pub struct UserTagger {
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for UserTagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserTagger")
    }
}

impl UserTagger {
    pub fn new(key: Option<&str>) -> Self {
        Self {
            key: key.map(|k| k.as_bytes().to_vec()),
        }
    }

    /// 16 hex digits of HMAC-SHA256(key, user id).
    pub fn tag(&self, user: &UserId) -> Option<String> {
        let key = self.key.as_ref()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(user.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        Some(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Writes the user's tag into the current invocation's span.
    pub fn record(&self, user: &UserId) {
        if let Some(tag) = self.tag(user) {
            Span::current().record("user", tag.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines as Lambda writes them (the JSON layer of `init`).
    fn capture<T>(run: impl FnOnce() -> T) -> (T, Vec<serde_json::Value>) {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_target(false)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        let out = tracing::subscriber::with_default(subscriber, run);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        (out, text.lines().map(|l| serde_json::from_str(l).unwrap()).collect())
    }

    #[test]
    fn every_line_of_an_invocation_carries_its_ids_and_a_tag_not_the_user() {
        let user = UserId::parse("alice@acme.example").unwrap();
        let tagger = UserTagger::new(Some("a-log-hash-key-of-the-tenant-0123456789"));
        let ids = InvocationIds {
            lambda_request_id: Some("0b5f1c9e-lambda"),
            api_request_id: Some("Ab1CdEfGhIjKlMn="),
            route: Some("GET /conversations/{conversation_id}"),
            trace_id: Some("Root=1-67890abc-0123456789abcdef01234567"),
        };
        let ((), lines) = capture(|| {
            let span = invocation_span(ids, "acme");
            let _entered = span.enter();
            tracing::info!("before the caller is known");
            tagger.record(&user);
            tracing::warn!(error = "a cause", "something failed");
            tracing::info!(status = 200, "invocation");
        });
        assert_eq!(lines.len(), 3);
        let tag = tagger.tag(&user).unwrap();
        for (i, line) in lines.iter().enumerate() {
            let span = &line["span"];
            assert_eq!(span["lambda_request_id"], "0b5f1c9e-lambda", "{line}");
            assert_eq!(span["api_request_id"], "Ab1CdEfGhIjKlMn=");
            assert_eq!(span["route"], "GET /conversations/{conversation_id}");
            assert_eq!(span["tenant"], "acme");
            assert_eq!(span["trace_id"], "Root=1-67890abc-0123456789abcdef01234567");
            if i > 0 {
                assert_eq!(span["user"], tag.as_str());
            }
            assert!(!line.to_string().contains("alice"), "the raw user id leaked: {line}");
        }
        // The same user, the same tag; another key, another tag.
        assert_eq!(tagger.tag(&user), Some(tag.clone()));
        let other = UserTagger::new(Some("another-tenants-key-0123456789abcdef"));
        assert_ne!(other.tag(&user), Some(tag));
        assert_eq!(UserTagger::new(None).tag(&user), None);
    }
}
