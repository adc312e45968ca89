//! The AWS SDK configuration every client of a function shares.
//!
//! In Lambda it is built directly from what Lambda puts in every function's
//! environment (region, the execution role's credentials, endpoint overrides), with
//! one HTTPS client for every SDK client, which trusts the few roots AWS endpoints
//! chain to (`aws_roots.pem`) rather than parsing the system's 140-odd (3 to 5 ms).
//! `aws_config::defaults(..).load()` would reach the same values through its provider
//! chains (profile files, SSO, web identity, container and instance metadata, each
//! probed in turn), which is most of a cold start's own time: see `docs/PERFORMANCE.md`. Outside Lambda (a developer's shell,
//! the tests' own clients) the chain stays, so profiles and SSO keep working.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How often the SDK tries one AWS operation before giving up.
pub const SDK_ATTEMPTS: u32 = 3;

/// The variable prefix of endpoint overrides (`AWS_ENDPOINT_URL_DYNAMODB`, or
/// `AWS_ENDPOINT_URL` for every service), as the SDK reads them.
const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// The shared SDK configuration: bounded timeouts (each attempt gets a third of
/// `operation_timeout`), the standard retry mode (which backs off on throttling), and
/// region, credentials and endpoints from `lookup` when it holds Lambda's variables,
/// else from the SDK's provider chains.
pub async fn sdk_config(
    operation_timeout: Duration,
    lookup: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<SdkConfig> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(operation_timeout / SDK_ATTEMPTS)
        .operation_timeout(operation_timeout)
        .build();
    let retries = RetryConfig::standard().with_max_attempts(SDK_ATTEMPTS);
    if let Some(lambda) = LambdaEnvironment::read(lookup) {
        return lambda.sdk_config(timeouts, retries);
    }
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(retries)
        .load()
        .await)
}

/// What Lambda gives every function in its environment: `AWS_REGION` and the execution
/// role's temporary credentials. They are valid for the sandbox's whole life (a new
/// sandbox gets new ones), and the SDK's chain would take exactly these first, so
/// nothing is refreshed less than before.
#[derive(Debug)]
struct LambdaEnvironment {
    region: String,
    credentials: Credentials,
    /// `AWS_ENDPOINT_URL[_<SERVICE>]` as set (the local stack sets them).
    endpoints: EndpointOverrides,
    /// `AWS_CA_BUNDLE`: a file of PEM certificates to trust instead of AWS's roots.
    ca_bundle: Option<String>,
}

impl LambdaEnvironment {
    fn read(lookup: &impl Fn(&str) -> Option<String>) -> Option<Self> {
        let set = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let region = set("AWS_REGION")?;
        let credentials = Credentials::new(
            set("AWS_ACCESS_KEY_ID")?,
            set("AWS_SECRET_ACCESS_KEY")?,
            set("AWS_SESSION_TOKEN"),
            None,
            "LambdaEnvironment",
        );
        let endpoints = ENDPOINT_SERVICES
            .iter()
            .map(|service| endpoint_variable(service))
            .chain([ENDPOINT_URL.to_owned()])
            .filter_map(|name| set(&name).map(|value| (name, value)))
            .collect();
        Some(Self {
            region,
            credentials,
            endpoints: EndpointOverrides(endpoints),
            ca_bundle: set("AWS_CA_BUNDLE"),
        })
    }

    fn sdk_config(self, timeouts: TimeoutConfig, retries: RetryConfig) -> anyhow::Result<SdkConfig> {
        let roots = match &self.ca_bundle {
            Some(path) => {
                let pem = std::fs::read(path).with_context(|| format!("reading AWS_CA_BUNDLE ({path})"))?;
                usable_roots(&pem).with_context(|| format!("AWS_CA_BUNDLE ({path})"))?;
                pem
            }
            None => AWS_ROOTS.as_bytes().to_vec(),
        };
        let mut builder = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region))
            .credentials_provider(SharedCredentialsProvider::new(self.credentials))
            .http_client(https_client(roots)?)
            .sleep_impl(TokioSleep::new())
            .time_source(SystemTimeSource::new())
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(url) = self.endpoints.0.get(ENDPOINT_URL) {
            builder.set_endpoint_url(Some(url.clone()));
        }
        Ok(builder.service_config(self.endpoints).build())
    }
}

/// The roots AWS service endpoints chain to: Amazon Trust Services and DigiCert's.
const AWS_ROOTS: &str = include_str!("aws_roots.pem");

/// Refuses a bundle that holds no certificate or one TLS cannot use: the SDK's client
/// would panic on it at its first connection rather than fail the start.
fn usable_roots(pem: &[u8]) -> anyhow::Result<usize> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.context("not a PEM certificate")?;
        roots.add(cert).context("not a usable root certificate")?;
    }
    anyhow::ensure!(!roots.is_empty(), "holds no certificate");
    Ok(roots.len())
}

/// The HTTPS client the SDK would build for each of its clients (hyper with rustls and
/// aws-lc), trusting exactly the PEM certificates `roots`; built once so every client
/// of the function shares its connection pool.
fn https_client(roots: Vec<u8>) -> anyhow::Result<SharedHttpClient> {
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(roots);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .context("the TLS trust store")?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https())
}

/// The services whose endpoint a variable may override here.
const ENDPOINT_SERVICES: [&str; 4] = ["DynamoDB", "S3", "Secrets Manager", "EventBridge"];

/// `AWS_ENDPOINT_URL_<SERVICE>` as the SDK spells it: the service id upper-cased, spaces
/// as underscores (`Secrets Manager` -> `AWS_ENDPOINT_URL_SECRETS_MANAGER`).
fn endpoint_variable(service_id: &str) -> String {
    format!("{ENDPOINT_URL}_{}", service_id.to_uppercase().replace(' ', "_"))
}

/// Endpoint overrides read once from the environment; the SDK asks per service.
#[derive(Debug)]
struct EndpointOverrides(HashMap<String, String>);

impl LoadServiceConfig for EndpointOverrides {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.env() != ENDPOINT_URL {
            return None;
        }
        let service = endpoint_variable(key.service_id());
        self.0.get(&service).or_else(|| self.0.get(ENDPOINT_URL)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::ProvideCredentials;

    use super::*;

    fn lookup(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    const LAMBDA: &[(&str, &str)] = &[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9000"),
    ];

    #[tokio::test]
    async fn lambdas_variables_make_the_whole_configuration() {
        let sdk = sdk_config(Duration::from_secs(9), &lookup(LAMBDA)).await.unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(sdk.http_client().is_some(), "one client for every service");
        let timeouts = sdk.timeout_config().unwrap();
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(9)));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(sdk.retry_config().unwrap().max_attempts(), SDK_ATTEMPTS);
        let credentials = sdk.credentials_provider().unwrap();
        let credentials = credentials.provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some("token"));

        let service = sdk.service_config().unwrap();
        let key = |id| {
            ServiceConfigKey::builder()
                .service_id(id)
                .env(ENDPOINT_URL)
                .profile("x")
                .build()
                .unwrap()
        };
        assert_eq!(
            service.load_config(key("DynamoDB")).as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            service.load_config(key("Secrets Manager")).as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(service.load_config(key("S3")), None, "no override: the AWS endpoint");
    }

    #[test]
    fn without_credentials_in_the_environment_the_chain_decides() {
        let partial: &'static [(&str, &str)] = &[("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKID")];
        assert!(LambdaEnvironment::read(&lookup(partial)).is_none());
        assert!(LambdaEnvironment::read(&lookup(LAMBDA)).is_some());
    }

    #[tokio::test]
    async fn an_unreadable_ca_bundle_fails_the_start() {
        let vars: &'static [(&str, &str)] = &[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_CA_BUNDLE", "/nonexistent/bundle.pem"),
        ];
        let err = sdk_config(Duration::from_secs(9), &lookup(vars)).await.unwrap_err();
        assert!(format!("{err:#}").contains("AWS_CA_BUNDLE"), "{err:#}");
    }

    #[test]
    fn a_bundle_must_hold_usable_certificates() {
        assert_eq!(
            usable_roots(AWS_ROOTS.as_bytes()).unwrap(),
            7,
            "every bundled root loads"
        );
        assert!(usable_roots(b"").is_err());
        assert!(usable_roots(b"# only a comment").is_err());
        let broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        assert!(usable_roots(broken.as_bytes()).is_err());
    }

    /// The bundled roots are exactly these (SHA-256 of each certificate, as published
    /// by Amazon Trust Services and DigiCert).
    #[test]
    fn the_bundled_roots_are_amazons_and_digicerts() {
        use base64::Engine;
        use sha2::Digest;
        let fingerprints: Vec<String> = AWS_ROOTS
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String = block
                    .split("-----END CERTIFICATE-----")
                    .next()
                    .unwrap()
                    .split_whitespace()
                    .collect();
                let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
                sha2::Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect()
            })
            .collect();
        assert_eq!(
            fingerprints,
            [
                // Amazon Root CA 1, 2, 3, 4
                "8ECDE6884F3D87B1125BA31AC3FCB13D7016DE7F57CC904FE1CB97C6AE98196E",
                "1BA5B2AA8C65401A82960118F80BEC4F62304D83CEC4713A19C39C011EA46DB4",
                "18CE6CFE7BF14E60B2E347B8DFE868CB31D02EBB3ADA271569F50343B46DB3A4",
                "E35D28419ED02025CFA69038CD623962458DA5C695FBDEA3C22B0BFB25897092",
                // Starfield Services Root Certificate Authority - G2
                "568D6905A2C88708A4B3025190EDCFEDB1974A606A13C6E5290FCB2AE63EDAB5",
                // DigiCert Global Root CA, G2
                "4348A0E9444C78CB265E058D5E8944B4D84F9662BD26DB257F8934A443C70161",
                "CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F",
            ]
        );
    }

    #[test]
    fn a_global_endpoint_serves_every_service() {
        let vars: &'static [(&str, &str)] = &[("AWS_ENDPOINT_URL", "http://localhost:4566")];
        let overrides = EndpointOverrides(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        let key = ServiceConfigKey::builder()
            .service_id("S3")
            .env(ENDPOINT_URL)
            .profile("x")
            .build()
            .unwrap();
        assert_eq!(overrides.load_config(key).as_deref(), Some("http://localhost:4566"));
    }
}
