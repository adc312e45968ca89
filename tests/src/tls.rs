//! TLS between the functions and the local stack, as between a Lambda and AWS (used by
//! the benchmark's cold starts and by the test of the functions' trust store): a
//! loopback proxy per endpoint terminates HTTPS with a certificate of a throwaway
//! certificate authority and forwards the bytes to the plain-HTTP server behind it.
//! The functions (and boto3) trust that authority through `AWS_CA_BUNDLE`, which takes
//! the place of the AWS roots they trust on Lambda (one certificate here, seven there:
//! the same work); the handshake their warm-up moves into init is then counted where it
//! is paid.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The variables naming the endpoints the proxies stand in front of.
const ENDPOINT_VARIABLES: [&str; 3] = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
];

/// Where Debian and Amazon Linux keep the system's root certificates.
const SYSTEM_BUNDLES: [&str; 2] = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"];

pub struct TlsFront {
    acceptor: TlsAcceptor,
    /// The proxies' authority, PEM.
    pub bundle: PathBuf,
    /// The system's root certificates plus the proxies' authority, for a client that
    /// trusts the platform's roots (`SSL_CERT_FILE`).
    pub system_bundle: PathBuf,
}

impl TlsFront {
    /// A certificate authority and a `localhost` server certificate it signed, with the
    /// trust bundle written under `dir`.
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        let ca_key = KeyPair::generate().context("a CA key")?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
        ca.distinguished_name.push(DnType::CommonName, "glchat bench CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).context("signing the CA")?;
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().context("a server key")?;
        let server = CertificateParams::new(vec!["localhost".to_owned()]).context("server parameters")?;
        let server_cert = server
            .signed_by(&server_key, &issuer)
            .context("signing the server certificate")?;

        let bundle = dir.join("bench-ca.pem");
        std::fs::write(&bundle, ca_cert.pem()).context("writing the trust bundle")?;
        let system = SYSTEM_BUNDLES
            .iter()
            .find_map(|path| std::fs::read_to_string(path).ok())
            .context("no system certificate bundle (install ca-certificates)")?;
        let system_bundle = dir.join("system-and-bench-ca.pem");
        std::fs::write(&system_bundle, format!("{system}\n{}", ca_cert.pem())).context("writing the system bundle")?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let chain = vec![
            CertificateDer::from(server_cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let config =
            ServerConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .context("TLS versions")?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .context("the server certificate")?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            bundle,
            system_bundle,
        })
    }

    /// `env` with every local endpoint behind a proxy of its own (`https://localhost:<port>`)
    /// and the proxies' authority as the one the SDKs trust (`AWS_CA_BUNDLE`).
    pub async fn wrap(&self, env: &[(String, String)]) -> anyhow::Result<Vec<(String, String)>> {
        let mut wrapped = Vec::with_capacity(env.len() + 2);
        for (name, value) in env {
            if !ENDPOINT_VARIABLES.contains(&name.as_str()) {
                wrapped.push((name.clone(), value.clone()));
                continue;
            }
            let upstream = upstream_of(value).with_context(|| format!("{name}={value}"))?;
            let port = self.proxy(upstream).await?;
            wrapped.push((name.clone(), format!("https://localhost:{port}")));
        }
        wrapped.push(("AWS_CA_BUNDLE".into(), self.bundle.display().to_string()));
        Ok(wrapped)
    }

    /// A proxy to `upstream` on a free loopback port, for the benchmark's life.
    async fn proxy(&self, upstream: SocketAddr) -> anyhow::Result<u16> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding a TLS proxy")?;
        let port = listener.local_addr().context("the proxy's port")?.port();
        let acceptor = self.acceptor.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let _ = client.set_nodelay(true);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let (Ok(mut tls), Ok(mut server)) =
                        (acceptor.accept(client).await, TcpStream::connect(upstream).await)
                    else {
                        return;
                    };
                    let _ = server.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
        Ok(port)
    }
}

/// `http://127.0.0.1:8000` -> 127.0.0.1:8000.
fn upstream_of(url: &str) -> anyhow::Result<SocketAddr> {
    let uri: http::Uri = url.parse().context("not a URL")?;
    anyhow::ensure!(uri.scheme_str() == Some("http"), "the local stack speaks plain HTTP");
    let host = uri.host().context("no host")?;
    let port = uri.port_u16().context("no port")?;
    format!("{host}:{port}").parse().context("not an IP address and port")
}
