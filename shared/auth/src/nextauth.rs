//! The NextAuth v4 session cookie: a compact JWE (`alg: dir`, `enc: A256GCM`) whose key is
//! HKDF-SHA256(NEXTAUTH_SECRET, salt "", info "NextAuth.js Generated Encryption Key").
//!
//! No maintained Rust JOSE crate decrypts this without pulling OpenSSL; the format is
//! five base64url parts and one AES-GCM call, done here with RustCrypto's `aes-gcm` and
//! `hkdf`, and tested against cookies minted by the real `next-auth` package.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use http::HeaderMap;
use serde::Deserialize;
use sha2::Sha256;

use super::Claims;

/// The cookie NextAuth v4 sets over HTTPS. Values over 4 KB are split into
/// `NAME.0`, `NAME.1`, ... which are joined back here.
pub const NEXTAUTH_COOKIE: &str = "__Secure-next-auth.session-token";

const HKDF_INFO: &[u8] = b"NextAuth.js Generated Encryption Key";

/// Seconds of clock skew tolerated on `exp`, as for bearer tokens.
const LEEWAY_SECONDS: i64 = 60;

/// The content-encryption key NextAuth derives from its secret.
pub fn derive_nextauth_key(secret: &str) -> [u8; 32] {
    let hkdf = Hkdf::<Sha256>::new(Some(b""), secret.as_bytes());
    let mut key = [0u8; 32];
    hkdf.expand(HKDF_INFO, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    key
}

pub(super) struct NextAuthDecoder {
    cipher: Aes256Gcm,
}

#[derive(Deserialize)]
struct ProtectedHeader {
    alg: String,
    enc: String,
    #[serde(default)]
    zip: Option<String>,
}

impl NextAuthDecoder {
    pub(super) fn new(secret: &str) -> Self {
        let key = derive_nextauth_key(secret);
        Self {
            cipher: Aes256Gcm::new_from_slice(&key).expect("the key is 32 bytes"),
        }
    }

    /// The claims of a session cookie that decrypts and has not expired.
    pub(super) fn decode(&self, token: &str) -> Option<Claims> {
        let claims = self.decrypt(token)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if claims.exp + LEEWAY_SECONDS <= now {
            tracing::debug!("session cookie expired");
            return None;
        }
        Some(claims)
    }

    fn decrypt(&self, token: &str) -> Option<Claims> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [header_b64, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
            return None;
        };
        let header: ProtectedHeader = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
        if header.alg != "dir" || header.enc != "A256GCM" || header.zip.is_some() || !encrypted_key.is_empty() {
            tracing::debug!("session cookie with an unexpected JWE header");
            return None;
        }
        let iv = URL_SAFE_NO_PAD.decode(iv).ok()?;
        let mut sealed = URL_SAFE_NO_PAD.decode(ciphertext).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if iv.len() != 12 || tag.len() != 16 {
            return None;
        }
        sealed.extend_from_slice(&tag);
        // The additional authenticated data of a compact JWE is the encoded protected header.
        let plaintext = self
            .cipher
            .decrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: &sealed,
                    aad: header_b64.as_bytes(),
                },
            )
            .ok()?;
        serde_json::from_slice(&plaintext).ok()
    }
}

/// The session token from the `Cookie` headers, joining NextAuth's chunks when split.
pub(super) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let mut whole = None;
    let mut chunks: Vec<(usize, String)> = Vec::new();
    for header in headers.get_all(http::header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for cookie in cookie::Cookie::split_parse(text).flatten() {
            if cookie.name() == NEXTAUTH_COOKIE {
                whole = Some(cookie.value().to_owned());
            } else if let Some(index) = cookie
                .name()
                .strip_prefix(NEXTAUTH_COOKIE)
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|index| index.parse::<usize>().ok())
            {
                chunks.push((index, cookie.value().to_owned()));
            }
        }
    }
    if whole.is_some() {
        return whole;
    }
    chunks.sort_by_key(|(i, _)| *i);
    let contiguous = chunks.iter().enumerate().all(|(expected, (i, _))| expected == *i);
    (!chunks.is_empty() && contiguous).then(|| chunks.into_iter().map(|(_, v)| v).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::AeadCore;

    /// Seals claims the way `jose`'s `EncryptJWT` does for NextAuth, for unit tests;
    /// the integration tests use cookies from the real `next-auth` package.
    fn seal(secret: &str, claims: &serde_json::Value, header: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&derive_nextauth_key(secret)).unwrap();
        let header_b64 = URL_SAFE_NO_PAD.encode(header);
        let nonce = Aes256Gcm::generate_nonce(&mut aes_gcm::aead::OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: claims.to_string().as_bytes(),
                    aad: header_b64.as_bytes(),
                },
            )
            .unwrap();
        let (ct, tag) = sealed.split_at(sealed.len() - 16);
        format!(
            "{header_b64}..{}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ct),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    const HEADER: &str = r#"{"alg":"dir","enc":"A256GCM"}"#;

    fn claims(exp: i64) -> serde_json::Value {
        serde_json::json!({"sub": "u1", "name": "U", "exp": exp, "iat": 1, "jti": "x"})
    }

    fn later() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp() + 3600
    }

    #[test]
    fn decrypts_with_the_right_secret_only() {
        let token = seal("s3cret", &claims(later()), HEADER);
        assert_eq!(NextAuthDecoder::new("s3cret").decode(&token).unwrap().sub, "u1");
        assert!(NextAuthDecoder::new("other").decode(&token).is_none());
    }

    #[test]
    fn refuses_expired_tampered_and_foreign_headers() {
        let decoder = NextAuthDecoder::new("s3cret");
        assert!(decoder.decode(&seal("s3cret", &claims(1_000), HEADER)).is_none());
        let token = seal("s3cret", &claims(later()), HEADER);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
        parts[3].replace_range(0..1, flipped);
        assert!(decoder.decode(&parts.join(".")).is_none());
        assert!(
            decoder
                .decode(&seal("s3cret", &claims(later()), r#"{"alg":"dir","enc":"A128GCM"}"#))
                .is_none()
        );
        assert!(decoder.decode("not.a.jwe").is_none());
    }

    #[test]
    fn joins_chunked_cookies_in_order() {
        let mut headers = HeaderMap::new();
        let name = NEXTAUTH_COOKIE;
        headers.insert(
            http::header::COOKIE,
            format!("{name}.1=def; other=1; {name}.0=abc").parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abcdef"));
        headers.insert(http::header::COOKIE, format!("{name}.1=def").parse().unwrap());
        assert_eq!(session_cookie(&headers), None, "a chunk is missing");
        headers.insert(
            http::header::COOKIE,
            format!("{name}=whole; {name}.0=abc").parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("whole"));
    }
}
