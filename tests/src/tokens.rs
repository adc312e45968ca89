//! Credentials for tests: bearer JWTs signed here, and NextAuth session cookies minted
//! by the real `next-auth` npm package.

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `sub` and an `exp` an hour away.
pub fn claims(user: &str) -> Value {
    json!({ "sub": user, "exp": now() + 3600 })
}

pub fn bearer(secret: &str, claims: Value) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signing a test token")
}

/// A `__Secure-next-auth.session-token` value from `next-auth/jwt`'s `encode`.
pub fn nextauth_cookie(secret: &str, token: Value, max_age_seconds: i64) -> String {
    let node_path = std::env::var("NEXT_AUTH_NODE_PATH")
        .expect("NEXT_AUTH_NODE_PATH (set by `make test`) points at next-auth's node_modules");
    let script = r#"
        const { encode } = require("next-auth/jwt");
        const [token, secret, maxAge] = process.argv.slice(1);
        encode({ token: JSON.parse(token), secret, maxAge: Number(maxAge) })
          .then((jwe) => process.stdout.write(jwe))
          .catch((err) => { console.error(err); process.exit(1); });
    "#;
    let output = std::process::Command::new("node")
        .env("NODE_PATH", node_path)
        .args(["-e", script, &token.to_string(), secret, &max_age_seconds.to_string()])
        .output()
        .expect("running node");
    assert!(
        output.status.success(),
        "next-auth encode failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("a JWE is ASCII")
}
