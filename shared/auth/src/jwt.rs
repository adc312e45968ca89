//! Bearer JWTs, verified by jsonwebtoken with the configured algorithm and key.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

use super::Claims;
use crate::KeyError;
use crate::keys::{JwtAlgorithm, JwtConfig};

pub(super) struct JwtVerifier {
    /// The current key, then the previous one during a rotation.
    keys: Vec<DecodingKey>,
    validation: Validation,
}

impl JwtVerifier {
    pub(super) fn new(config: &JwtConfig) -> Result<Self, KeyError> {
        let invalid = |e: jsonwebtoken::errors::Error| KeyError {
            variable: "JWT_PUBLIC_KEY",
            reason: e.to_string(),
        };
        let algorithm = match config.algorithm {
            JwtAlgorithm::Hs256 => Algorithm::HS256,
            JwtAlgorithm::Rs256 => Algorithm::RS256,
            JwtAlgorithm::Es256 => Algorithm::ES256,
        };
        let keys = config
            .key
            .keys()
            .map(|key| match config.algorithm {
                JwtAlgorithm::Hs256 => Ok(DecodingKey::from_secret(key.as_bytes())),
                JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(key.as_bytes()).map_err(invalid),
                JwtAlgorithm::Es256 => DecodingKey::from_ec_pem(key.as_bytes()).map_err(invalid),
            })
            .collect::<Result<Vec<_>, _>>()?;
        // One algorithm only: a token cannot pick its own (no "none", no HS/RS confusion).
        let mut validation = Validation::new(algorithm);
        // A configured issuer or audience must also be present, not only match when present.
        let mut required = vec!["exp", "sub"];
        required.extend(config.issuer.as_ref().map(|_| "iss"));
        required.extend(config.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        match &config.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &config.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(Self { keys, validation })
    }

    /// The claims of a valid token; `None` for anything else (the caller answers 401
    /// without saying why, and the reason goes to the debug log).
    pub(super) fn verify(&self, token: &str) -> Option<Claims> {
        let mut refusal = None;
        for key in &self.keys {
            match decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return Some(data.claims),
                Err(err) => refusal = Some(err),
            }
        }
        if let Some(err) = refusal {
            tracing::debug!(error = %err, "bearer token refused");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn config(issuer: Option<&str>, audience: Option<&str>) -> JwtConfig {
        JwtConfig {
            algorithm: JwtAlgorithm::Hs256,
            key: glchat_domain::secret::Rotating {
                current: "secret".into(),
                previous: None,
            },
            issuer: issuer.map(Into::into),
            audience: audience.map(Into::into),
            tenant_claim: crate::keys::DEFAULT_TENANT_CLAIM.into(),
            tenant_claim_optional: false,
            allowed_origins: Vec::new(),
        }
    }

    fn token(claims: serde_json::Value, secret: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn in_an_hour() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp() + 3600
    }

    #[test]
    fn accepts_a_valid_token_and_refuses_tampering() {
        let v = JwtVerifier::new(&config(None, None)).unwrap();
        let good = token(json!({"sub": "u1", "exp": in_an_hour(), "aud": "whatever"}), "secret");
        assert_eq!(v.verify(&good).unwrap().sub, "u1");
        assert!(
            v.verify(&token(json!({"sub": "u1", "exp": in_an_hour()}), "other"))
                .is_none()
        );
        assert!(
            v.verify(&token(json!({"sub": "u1"}), "secret")).is_none(),
            "exp is required"
        );
        assert!(
            v.verify(&token(json!({"sub": "u1", "exp": 1_000}), "secret")).is_none(),
            "expired"
        );
        assert!(
            v.verify(&token(json!({"exp": in_an_hour()}), "secret")).is_none(),
            "sub is required"
        );
        let mut tampered = good.clone();
        tampered.insert(good.find('.').unwrap() + 2, 'x');
        assert!(v.verify(&tampered).is_none());
    }

    #[test]
    fn checks_issuer_and_audience_when_configured() {
        let v = JwtVerifier::new(&config(Some("https://id.example"), Some("glchat"))).unwrap();
        let claims = |iss: &str, aud: &str| json!({"sub": "u", "exp": in_an_hour(), "iss": iss, "aud": aud});
        assert!(
            v.verify(&token(claims("https://id.example", "glchat"), "secret"))
                .is_some()
        );
        assert!(
            v.verify(&token(claims("https://evil.example", "glchat"), "secret"))
                .is_none()
        );
        assert!(
            v.verify(&token(claims("https://id.example", "other"), "secret"))
                .is_none()
        );
        let bare = json!({"sub": "u", "exp": in_an_hour()});
        assert!(
            v.verify(&token(bare, "secret")).is_none(),
            "iss and aud must be present"
        );
    }

    #[test]
    fn refuses_the_none_algorithm() {
        let v = JwtVerifier::new(&config(None, None)).unwrap();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64.encode(json!({"sub": "u", "exp": in_an_hour()}).to_string());
        assert!(v.verify(&format!("{header}.{payload}.")).is_none());
    }
}
