//! Conversation titles: from an LLM behind any OpenAI-compatible chat-completions
//! endpoint when one is configured, else (or when it fails or is slow) a deterministic
//! title made from the message itself.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// Longest title we store (as for renames).
const MAX_TITLE_CHARS: usize = 255;
/// Fallback titles keep at most this many words and characters.
const FALLBACK_WORDS: usize = 8;
const FALLBACK_CHARS: usize = 60;
/// Characters of the message sent to the LLM: plenty to title it.
const PROMPT_CHARS: usize = 4_000;
/// Bytes of LLM response we read at most.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The HTTP(S) client the LLM is called with.
type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

const INSTRUCTIONS: &str = "You write titles for chat conversations. Reply with a title of at most six words \
     for a conversation that starts with the user's message, in the language of that message. \
     Reply with the title only: no quotes, no trailing punctuation.";

#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// E.g. `https://api.openai.com/v1` or `https://openrouter.ai/api/v1`; `/chat/completions` is appended.
    pub base_url: String,
    /// Sent as a bearer token; `Debug` does not show it.
    pub api_key: Option<secrecy::SecretString>,
    pub timeout: Duration,
    /// The tenant's model: sent unless the conversation names one of `allowed_models`.
    pub model: String,
    /// Models a conversation's `model_name` may choose; any other is not sent (a client
    /// could name the most expensive model and have the tenant pay for it).
    pub allowed_models: Vec<String>,
}

impl LlmConfig {
    /// The model a title of a conversation with `model_name` is asked of.
    pub fn model_for<'a>(&'a self, model_name: &'a str) -> &'a str {
        match self.allowed_models.iter().any(|m| m == model_name) {
            true => model_name,
            false => &self.model,
        }
    }
}

pub struct TitleGenerator {
    llm: Option<(LlmConfig, HttpsClient)>,
}

impl std::fmt::Debug for TitleGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TitleGenerator")
            .field("llm", &self.llm.as_ref().map(|(c, _)| &c.base_url))
            .finish()
    }
}

impl TitleGenerator {
    pub fn new(llm: Option<LlmConfig>) -> anyhow::Result<Self> {
        let llm = match llm {
            None => None,
            Some(config) => {
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .context("loading the system's root certificates")?
                    .https_or_http()
                    .enable_http1()
                    .build();
                Some((config, Client::builder(TokioExecutor::new()).build(https)))
            }
        };
        Ok(Self { llm })
    }

    /// A title for a conversation whose first message is `message`. Never fails: an
    /// LLM error or timeout is logged and the deterministic title is used.
    pub async fn generate(&self, model_name: &str, message: &str) -> String {
        let Some((config, client)) = &self.llm else {
            return fallback_title(message);
        };
        let model = config.model_for(model_name);
        match tokio::time::timeout(config.timeout, ask(config, client, model, message)).await {
            Ok(Ok(title)) => title,
            Ok(Err(err)) => {
                tracing::warn!(error = ?err, model, "LLM title failed; using the fallback title");
                fallback_title(message)
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = config.timeout.as_millis() as u64,
                    model,
                    "LLM title timed out; using the fallback title"
                );
                fallback_title(message)
            }
        }
    }
}

async fn ask(config: &LlmConfig, client: &HttpsClient, model: &str, message: &str) -> anyhow::Result<String> {
    let prompt: String = message.chars().take(PROMPT_CHARS).collect();
    let body = json!({
        "model": model,
        "messages": [
            { "role": "system", "content": INSTRUCTIONS },
            { "role": "user", "content": prompt },
        ],
        "max_tokens": 24,
        "temperature": 0.2,
    });
    let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
    let mut request = http::Request::post(&url).header(http::header::CONTENT_TYPE, "application/json");
    if let Some(key) = &config.api_key {
        use secrecy::ExposeSecret;
        request = request.header(http::header::AUTHORIZATION, format!("Bearer {}", key.expose_secret()));
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .context("building the LLM request")?;
    let response = client
        .request(request)
        .await
        .with_context(|| format!("calling {url}"))?;
    let status = response.status();
    let bytes = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|e| anyhow!("reading the LLM response: {e}"))?
        .to_bytes();
    if !status.is_success() {
        bail!(
            "LLM answered {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
        );
    }
    let parsed: Value = serde_json::from_slice(&bytes).context("the LLM response is not JSON")?;
    let content = parsed["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| anyhow!("no choices[0].message.content in the LLM response"))?;
    let title = clean_title(content);
    if title.is_empty() {
        bail!("the LLM returned an empty title");
    }
    Ok(title)
}

/// One line, no surrounding quotes or markdown, no trailing punctuation, bounded length.
fn clean_title(raw: &str) -> String {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let line = line.trim_start_matches(['#', '*', '>', '-']).trim();
    let line = line
        .strip_prefix("Title:")
        .or_else(|| line.strip_prefix("title:"))
        .unwrap_or(line)
        .trim();
    let unquoted = line.trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '*' | '`' | '_'));
    let bounded: String = unquoted
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect();
    trim_trailing_punctuation(&bounded).to_owned()
}

fn trim_trailing_punctuation(text: &str) -> &str {
    text.trim_end_matches(|c: char| {
        c.is_whitespace()
            || (c.is_ascii_punctuation() && !matches!(c, ')' | ']' | '"'))
            || matches!(c, '…' | '。' | '、' | '！' | '？')
    })
}

/// A short, clean title from the text itself: its first words, without markdown or
/// trailing punctuation, first letter upper-cased. "New conversation" for empty text.
pub fn fallback_title(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| l.chars().any(char::is_alphanumeric))
        .unwrap_or("");
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| matches!(c, '#' | '*' | '_' | '`' | '>' | '~' | '[' | ']'))
                .to_owned()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut title = String::new();
    for word in words.iter().take(FALLBACK_WORDS) {
        let next = if title.is_empty() {
            word.clone()
        } else {
            format!("{title} {word}")
        };
        if next.chars().count() > FALLBACK_CHARS {
            if title.is_empty() {
                title = word.chars().take(FALLBACK_CHARS).collect();
            }
            break;
        }
        title = next;
    }
    let title = trim_trailing_punctuation(&title);
    let mut chars = title.chars();
    match chars.next() {
        None => "New conversation".to_owned(),
        Some(first) => first.to_uppercase().chain(chars).collect(),
    }
}

/// `http://` to 127.0.0.1, ::1 or localhost (a local model, or a test's).
pub fn is_loopback_http(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    uri.scheme_str() == Some("http")
        && uri.host().is_some_and(|host| {
            host == "localhost"
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_titles_are_short_clean_and_deterministic() {
        assert_eq!(
            fallback_title("how do I renew my passport?"),
            "How do I renew my passport"
        );
        assert_eq!(
            fallback_title("Please write a detailed itinerary for seven days in Bali with kids, budget friendly!"),
            "Please write a detailed itinerary for seven days"
        );
        assert_eq!(
            fallback_title("\n\n## **Ringkas** laporan ini...\nbaris kedua"),
            "Ringkas laporan ini"
        );
        assert_eq!(fallback_title("   ...   "), "New conversation");
        assert_eq!(fallback_title(""), "New conversation");
        assert_eq!(fallback_title(&"x".repeat(100)).chars().count(), 60);
        assert_eq!(fallback_title("élan vital?!"), "Élan vital");
        assert_eq!(fallback_title("Hello"), fallback_title("Hello"));
    }

    #[test]
    fn llm_titles_are_cleaned() {
        assert_eq!(clean_title("\"Trip to Bali.\""), "Trip to Bali");
        assert_eq!(clean_title("Title: Budget   planning!\nExtra line"), "Budget planning");
        assert_eq!(clean_title("**Rencana Liburan**"), "Rencana Liburan");
        assert_eq!(clean_title("   \n"), "");
    }
}
