//! The tenant's secrets, read once per cold start from AWS Secrets Manager: each store
//! (the configuration's `SecretStore`) is one secret holding a JSON object of the
//! variables it carries, named by its ARN in the function's environment. Deployed functions have no
//! secret in their environment, so `lambda:GetFunctionConfiguration` shows none; locally
//! (no ARN set) the environment holds them.

use std::collections::HashMap;

use anyhow::Context;
use aws_config::SdkConfig;
use futures::future::try_join_all;

/// One secret to read: its ARN and the variables it may carry.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub arn: String,
    pub variables: Vec<&'static str>,
}

/// The variables of each wanted secret (one GetSecretValue per secret, at once: stores
/// that share a secret, as a deployed tenant's do, read it once).
pub async fn fetch(wanted: Vec<Wanted>, sdk: &SdkConfig) -> anyhow::Result<HashMap<String, String>> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut by_arn: Vec<Wanted> = Vec::new();
    for Wanted { arn, variables } in wanted {
        match by_arn.iter_mut().find(|w| w.arn == arn) {
            Some(same) => same.variables.extend(variables),
            None => by_arn.push(Wanted { arn, variables }),
        }
    }
    let wanted = by_arn;
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let stores = try_join_all(wanted.into_iter().map(|Wanted { arn, variables }| {
        let client = &client;
        async move {
            let output = client
                .get_secret_value()
                .secret_id(&arn)
                .send()
                .await
                .with_context(|| format!("reading the secret {arn}"))?;
            let text = output
                .secret_string()
                .with_context(|| format!("the secret {arn} holds no text"))?;
            parse(&variables, text).with_context(|| format!("reading the secret {arn}"))
        }
    }))
    .await?;
    Ok(stores.into_iter().flatten().collect())
}

/// A store's JSON object, keeping the variables it may carry; blank ones count as unset.
fn parse(variables: &[&str], text: &str) -> anyhow::Result<HashMap<String, String>> {
    let object: HashMap<String, serde_json::Value> = serde_json::from_str(text).context("not a JSON object")?;
    let mut values = HashMap::new();
    for &name in variables {
        match object.get(name) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(value)) if value.trim().is_empty() => {}
            Some(serde_json::Value::String(value)) => {
                values.insert(name.to_owned(), value.clone());
            }
            Some(_) => anyhow::bail!("{name} is not a string"),
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_yields_only_its_own_variables() {
        let text = r#"{"JWT_SECRET": "j", "NEXTAUTH_SECRET": "", "CURSOR_SECRET": "c", "OTHER": 1}"#;
        let auth = ["JWT_SECRET", "NEXTAUTH_SECRET"];
        let values = parse(&auth, text).unwrap();
        assert_eq!(values, HashMap::from([("JWT_SECRET".to_owned(), "j".to_owned())]));
        assert!(parse(&auth, r#"{"JWT_SECRET": 7}"#).is_err());
        assert!(parse(&auth, "not json").is_err());
    }
}
