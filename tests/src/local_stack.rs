//! The only AWS the tests may reach: the local stack that `infra/local/stack.sh`
//! started for this run. A shell may hold real credentials and a profile, so nothing in
//! the test support builds an AWS client, spawns an app or a function binary before
//! [`verified`] has checked that every endpoint they would use is that stack's:
//!
//! - `GLCHAT_LOCAL_STACK` names the stack's folder, whose `stack.env` records the
//!   endpoints, credentials and run id the script exported;
//! - every service's `AWS_ENDPOINT_URL_<SERVICE>` equals the recorded one and is a
//!   loopback address, and so is `AWS_ENDPOINT_URL` when set;
//! - the SDK is not told to ignore those variables (`AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`);
//! - the credentials are the stack's own.
//!
//! Every table, bucket, bus and secret a test makes is named by [`LocalStack::name`]
//! (this run's prefix), and every table is recorded in the stack's folder, so that
//! clean-up ([`LocalStack::drop_created_tables`]) deletes what this run created and
//! nothing else.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// The endpoint variables of the services the tests and the app use.
pub const ENDPOINT_VARIABLES: [&str; 5] = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SQS",
];

/// The variable naming the stack's folder.
pub const STACK_VARIABLE: &str = "GLCHAT_LOCAL_STACK";

/// The local stack of this run, checked.
#[derive(Debug)]
pub struct LocalStack {
    dir: PathBuf,
    recorded: HashMap<String, String>,
    run: String,
}

/// The checked stack; panics (before any AWS call) when the environment names anything
/// else.
pub fn verified() -> &'static LocalStack {
    static STACK: OnceLock<LocalStack> = OnceLock::new();
    STACK.get_or_init(|| match check(|name| std::env::var(name).ok()) {
        Ok(stack) => stack,
        Err(why) => panic!("integration tests run only against the local stack that `make test` starts: {why}"),
    })
}

/// Checks the environment `lookup` reads against the stack's record.
pub fn check(lookup: impl Fn(&str) -> Option<String>) -> Result<LocalStack, String> {
    let dir = lookup(STACK_VARIABLE)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("{STACK_VARIABLE} is not set"))?;
    let record = dir.join("stack.env");
    let text = std::fs::read_to_string(&record).map_err(|e| format!("{} unreadable: {e}", record.display()))?;
    let recorded: HashMap<String, String> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for name in ENDPOINT_VARIABLES {
        let set = lookup(name).ok_or_else(|| format!("{name} is not set"))?;
        if recorded.get(name) != Some(&set) {
            return Err(format!("{name}={set} is not the stack's endpoint"));
        }
        if !is_loopback(&set) {
            return Err(format!("{name}={set} is not a loopback address"));
        }
    }
    if let Some(general) = lookup("AWS_ENDPOINT_URL").filter(|v| !is_loopback(v)) {
        return Err(format!("AWS_ENDPOINT_URL={general} is not a loopback address"));
    }
    if lookup("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS would send requests to AWS".into());
    }
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        if lookup(name) != recorded.get(name).cloned() {
            return Err(format!("{name} is not the stack's own"));
        }
    }
    let run = recorded
        .get("GLCHAT_STACK_RUN")
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        .cloned()
        .ok_or("the stack's record has no run id")?;
    Ok(LocalStack { dir, recorded, run })
}

/// `http://127.0.0.1:port`, `http://localhost:port` or `http://[::1]:port`.
fn is_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl LocalStack {
    /// A fresh name in this run's namespace, `gt-<run>-<kind>-<ulid>` (lower case, so it
    /// is also a valid bucket name).
    pub fn name(&self, kind: &str) -> String {
        let unique = ulid::Ulid::new().to_string().to_lowercase();
        format!("{}{kind}-{unique}", self.prefix())
    }

    /// What every name this run chooses begins with.
    pub fn prefix(&self) -> String {
        format!("gt-{}-", self.run)
    }

    /// The endpoint of one service (`AWS_ENDPOINT_URL_DYNAMODB`, ...), as recorded.
    pub fn endpoint(&self, variable: &str) -> &str {
        self.recorded.get(variable).map_or("", String::as_str)
    }

    /// An SDK configuration that reaches the stack alone: its endpoints, its
    /// credentials, no profile or instance metadata.
    pub fn sdk_config(&self) -> SdkConfig {
        let credentials = Credentials::new(
            self.endpoint("AWS_ACCESS_KEY_ID"),
            self.endpoint("AWS_SECRET_ACCESS_KEY"),
            None,
            None,
            "glchat-local-stack",
        );
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(
                self.recorded.get("AWS_REGION").cloned().unwrap_or_default(),
            ))
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                credentials,
            ))
            .build()
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .endpoint_url(self.endpoint("AWS_ENDPOINT_URL_S3"))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Notes a table this run created, for [`Self::drop_created_tables`].
    pub fn record_table(&self, table: &str) {
        assert!(
            table.starts_with(&self.prefix()),
            "{table} is not in this run's namespace"
        );
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tables"))
            .expect("opening the stack's table record");
        writeln!(file, "{table}").expect("recording a table");
    }

    /// Deletes every table this run recorded that still exists (left by earlier test
    /// binaries, or by a test that failed before dropping its own): DynamoDB Local slows
    /// down with every megabyte it holds.
    pub async fn drop_created_tables(&self) {
        let recorded = std::fs::read_to_string(self.dir.join("tables")).unwrap_or_default();
        let client = self.dynamodb();
        for table in recorded.lines().filter(|t| t.starts_with(&self.prefix())) {
            match client.delete_table().table_name(table).send().await {
                Ok(_) => {}
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) => {}
                Err(err) => panic!("deleting the test table {table}: {err:?}"),
            }
        }
    }
}

/// A client of one service of the stack, at its recorded endpoint.
macro_rules! stack_clients {
    ($($name:ident: $sdk:ident at $variable:literal),* $(,)?) => {
        impl LocalStack {$(
            pub fn $name(&self) -> $sdk::Client {
                let config = $sdk::config::Builder::from(&self.sdk_config())
                    .endpoint_url(self.endpoint($variable))
                    .build();
                $sdk::Client::from_conf(config)
            }
        )*}
    };
}
stack_clients!(
    dynamodb: aws_sdk_dynamodb at "AWS_ENDPOINT_URL_DYNAMODB",
    dynamodb_streams: aws_sdk_dynamodbstreams at "AWS_ENDPOINT_URL_DYNAMODB",
    eventbridge: aws_sdk_eventbridge at "AWS_ENDPOINT_URL_EVENTBRIDGE",
    sqs: aws_sdk_sqs at "AWS_ENDPOINT_URL_SQS",
    secrets_manager: aws_sdk_secretsmanager at "AWS_ENDPOINT_URL_SECRETS_MANAGER",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_dir(contents: &str) -> tempdir::Dir {
        tempdir::Dir::with("stack.env", contents)
    }

    /// A throwaway folder with one file, removed on drop.
    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn with(file: &str, contents: &str) -> Self {
                let dir = std::env::temp_dir().join(format!("glchat-stack-check-{}", ulid::Ulid::new()));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(file), contents).unwrap();
                Dir(dir)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    const RECORD: &str = "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8001\n\
        AWS_ENDPOINT_URL_S3=http://127.0.0.1:8002\n\
        AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:8003\n\
        AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:8003\n\
        AWS_ENDPOINT_URL_SQS=http://127.0.0.1:8003\n\
        AWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local-secret\nAWS_REGION=us-east-1\n\
        GLCHAT_STACK_RUN=abc123\n";

    fn env(dir: &tempdir::Dir, overrides: &[(&str, Option<&str>)]) -> impl Fn(&str) -> Option<String> {
        let mut vars: HashMap<String, String> = RECORD
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        vars.insert(STACK_VARIABLE.into(), dir.0.display().to_string());
        for (k, v) in overrides {
            match v {
                Some(v) => vars.insert((*k).into(), (*v).into()),
                None => vars.remove(*k),
            };
        }
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn the_stack_as_recorded_passes_and_names_are_its_own() {
        let dir = stack_dir(RECORD);
        let stack = check(env(&dir, &[])).expect("the recorded stack");
        let name = stack.name("t");
        assert!(name.starts_with("gt-abc123-t-"), "{name}");
        assert!(
            name.len() <= 63
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }

    #[test]
    fn anything_but_the_recorded_loopback_stack_is_refused() {
        let dir = stack_dir(RECORD);
        let refused: [&[(&str, Option<&str>)]; 7] = [
            &[(STACK_VARIABLE, None)],
            &[("AWS_ENDPOINT_URL_DYNAMODB", None)],
            &[("AWS_ENDPOINT_URL_S3", Some("https://s3.us-east-1.amazonaws.com"))],
            &[("AWS_ENDPOINT_URL", Some("https://10.0.0.5:4566"))],
            &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", Some("true"))],
            &[("AWS_ACCESS_KEY_ID", Some("AKIAREALKEY"))],
            &[("AWS_ENDPOINT_URL_SQS", Some("http://127.0.0.1:9999"))],
        ];
        for overrides in refused {
            assert!(check(env(&dir, overrides)).is_err(), "{overrides:?} was accepted");
        }
        let not_loopback = RECORD.replace("127.0.0.1:8002", "192.168.1.4:8002");
        let dir = stack_dir(&not_loopback);
        let lookup = env(&dir, &[("AWS_ENDPOINT_URL_S3", Some("http://192.168.1.4:8002"))]);
        assert!(check(lookup).unwrap_err().contains("loopback"));
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://127.0.0.1:1",
            "http://localhost:2",
            "http://[::1]:3/x",
            "http://127.1.2.3:4",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:1",
            "https://dynamodb.us-east-1.amazonaws.com",
            "127.0.0.1:1",
            "http://localhost.evil:1",
        ] {
            assert!(!is_loopback(bad), "{bad}");
        }
    }
}
