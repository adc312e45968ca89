//! The background jobs as Lambda runs them: the records of the table's stream that
//! `run_jobs`'s event source keeps (its filters in `template.yaml`), handed to the real
//! handler one batch at a time until no new one comes; and an export's zip, downloaded
//! from its presigned URL and read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use glchat_app::exports::ExportStatus;
use glchat_app::ids::{ExportId, UserId};
use glchat_app::store::exports::ExportJob;
use glchat_functions::handlers::run_jobs;
use serde_json::Value;

use crate::TestApp;
use crate::stream::{EventSource, lambda_event, records};

/// Hands `run_jobs` every stream record its event source keeps that it was not handed
/// yet, in order, until its own writes bring no new one; each handed once unless
/// `again` (a record Lambda hands over twice). Returns the records handed. A batch the
/// handler reports failed is handed over again, as Lambda does, up to `retries` times.
pub async fn run_jobs(app: &TestApp, retries: usize) -> usize {
    let source = EventSource::of("run_jobs");
    let deps = app.deps_for(run_jobs::NEEDS).await;
    let mut handed: BTreeSet<String> = BTreeSet::new();
    loop {
        let new: Vec<Value> = records(app)
            .await
            .into_iter()
            .filter(|r| source.keeps(r) && !handed.contains(&sequence_number(r)))
            .collect();
        if new.is_empty() {
            return handed.len();
        }
        for batch in source.batches(&new) {
            let mut tries = 0;
            loop {
                let response = run_jobs::handle(Arc::clone(&deps), lambda_event(&batch))
                    .await
                    .expect("run_jobs answers");
                if response.batch_item_failures.is_empty() || tries == retries {
                    break;
                }
                tries += 1;
            }
            handed.extend(batch.iter().map(sequence_number));
        }
    }
}

fn sequence_number(record: &Value) -> String {
    record["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Runs a job's steps straight through until it has none to run: for data at real
/// size, whose stream is too long to read again after every step. `job` reads the job's
/// step and whether it is still to run; `step` does one. Returns the steps run.
pub async fn run_to_end<J, JFut, S, SFut>(mut job: J, mut step: S) -> usize
where
    J: FnMut() -> JFut,
    JFut: Future<Output = (u64, bool)>,
    S: FnMut(u64) -> SFut,
    SFut: Future<Output = Result<glchat_app::ops::jobs::Stepped, glchat_app::ops::OpError>>,
{
    let mut steps = 0;
    loop {
        let (at, running) = job().await;
        if !running {
            return steps;
        }
        step(at).await.expect("a job step");
        steps += 1;
    }
}

/// Runs an export's steps straight through `ops::exports::run_step` until it is
/// finished ([`run_to_end`]). Returns the finished job.
pub async fn finish_export(app: &TestApp, user: &str, id: &str) -> ExportJob {
    let deps = app.deps_for(run_jobs::NEEDS).await;
    let (user, id) = (UserId::parse(user).unwrap(), ExportId::parse(id).unwrap());
    let export = || async { deps.store.job(&user, &id).await.unwrap().expect("the export") };
    run_to_end(
        || async {
            let job = export().await;
            (job.step, job.status == ExportStatus::Pending)
        },
        |step| glchat_app::ops::exports::run_step(&deps, &user, &id, step),
    )
    .await;
    export().await
}

/// A downloaded export: `conversations.json` parsed, and every other file's bytes by
/// its path.
pub struct ExportZip {
    pub conversations: Value,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Downloads the zip at `url` (a presigned GET) and reads it.
pub async fn download(url: &str) -> ExportZip {
    let (status, bytes) = crate::client::raw_request("GET", url, &[], Vec::new()).await;
    assert_eq!(
        status,
        200,
        "downloading the export: {}",
        String::from_utf8_lossy(&bytes)
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut conversations = None;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("a zip entry");
        let name: String = file.name().expect("a UTF-8 entry name").into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("an entry's bytes");
        match name.as_str() {
            "conversations.json" => conversations = Some(serde_json::from_slice(&content).expect("conversations.json")),
            _ => {
                files.insert(name, content);
            }
        }
    }
    ExportZip {
        conversations: conversations.expect("the zip holds conversations.json"),
        files,
    }
}

/// Runs one step of a job, cutting it after its first AWS call, its second, ... (its
/// future dropped while `hold` holds the next call, as a timeout or a dying sandbox
/// leaves it) until it runs uncut; returns how many times it was cut and how the uncut
/// run ended. `hold` must be one of the app's refusals, stalling every call.
pub async fn cut_at_every_call<F, Fut>(
    hold: &crate::faults::Refusal,
    mut step: F,
) -> (usize, glchat_app::ops::jobs::Stepped)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<glchat_app::ops::jobs::Stepped, glchat_app::ops::OpError>>,
{
    for k in 1.. {
        hold.arm_after(k - 1, 1);
        let held = async {
            while hold.remaining() > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        };
        let outcome = tokio::select! {
            stepped = step() => Some(stepped.expect("a step")),
            () = held => None,
        };
        hold.arm(0);
        if let Some(stepped) = outcome {
            return (k - 1, stepped);
        }
        assert!(k < 200, "the step never ran uncut");
    }
    unreachable!("the loop returns")
}

/// Runs a job to its end one step at a time, each step cut at every call
/// ([`cut_at_every_call`]) and then handed over again, which must do nothing. `job`
/// reads the job's step and whether it is still to run. Returns the steps run and the
/// cuts made.
pub async fn cut_every_step<J, JFut, S, SFut>(hold: &crate::faults::Refusal, mut job: J, mut step: S) -> (usize, usize)
where
    J: FnMut() -> JFut,
    JFut: Future<Output = (u64, bool)>,
    S: FnMut(u64) -> SFut,
    SFut: Future<Output = Result<glchat_app::ops::jobs::Stepped, glchat_app::ops::OpError>>,
{
    use glchat_app::ops::jobs::Stepped;
    let (mut steps, mut cuts) = (0, 0);
    loop {
        let (at, running) = job().await;
        if !running {
            return (steps, cuts);
        }
        let (cut, stepped) = cut_at_every_call(hold, || step(at)).await;
        cuts += cut;
        if stepped == Stepped::Stale {
            // The cut came after the step's write of the job (in the clean-up of a
            // finished job): the step was done.
            assert_eq!(job().await.0, at + 1, "step {at} was done by a cut run");
        }
        let again = step(at).await.expect("a step handed over again");
        assert_eq!(again, Stepped::Stale, "step {at} handed over again");
        steps += 1;
    }
}

/// Uploads `bytes` as the import `accepted` (a `POST /conversations/imports` answer)
/// asked, then hands `start_import` the S3 event of the upload, as S3 does deployed
/// (and `make run` locally), and `run_jobs` what follows.
pub async fn import(app: &TestApp, user: &str, accepted: &Value, bytes: &[u8]) {
    upload_import(app, user, accepted, bytes).await;
    run_jobs(app, 0).await;
}

/// Uploads `bytes` as the import `accepted` asked and hands `start_import` the upload's
/// S3 event: the import is running, none of its steps done.
pub async fn upload_import(app: &TestApp, user: &str, accepted: &Value, bytes: &[u8]) {
    let headers: Vec<(String, String)> = accepted["upload_headers"]
        .as_object()
        .expect("upload_headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let url = accepted["upload_url"].as_str().expect("upload_url");
    let (status, body) = crate::client::raw_request("PUT", url, &headers, bytes.to_vec()).await;
    assert_eq!(status, 200, "the upload: {}", String::from_utf8_lossy(&body));
    let deps = app.deps_for(glchat_functions::handlers::start_import::NEEDS).await;
    let blobs = deps.blobs().unwrap();
    let id = glchat_app::ids::ImportId::parse(accepted["import_id"].as_str().unwrap()).unwrap();
    let key = format!("{}upload", blobs.import_prefix(&UserId::parse(user).unwrap(), &id));
    // As `tests/events/s3/settle_upload.json` is (event version 2.1).
    let event = serde_json::from_value(serde_json::json!({ "Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-05T12:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": { "principalId": "AWS:AROAEXAMPLE:import" },
        "requestParameters": { "sourceIPAddress": "203.0.113.7" },
        "responseElements": { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S" },
        "s3": { "s3SchemaVersion": "1.0", "configurationId": "start-import",
                "bucket": { "name": blobs.bucket(), "ownerIdentity": { "principalId": "A3NL1KOZZKExample" },
                            "arn": format!("arn:aws:s3:::{}", blobs.bucket()) },
                "object": { "key": key, "size": bytes.len(), "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5" } }
    }]}))
    .expect("an S3 event");
    let started = glchat_functions::handlers::start_import::handle(Arc::clone(&deps), event)
        .await
        .expect("start_import answers");
    assert_eq!(started.started, 1, "the upload started its import");
}
