//! Each function's role in `template.yaml` allows what its requests do, in DynamoDB
//! and in S3 (each action on the object keys it names, presigned URLs included): the
//! actions are read off the requests of one call to every endpoint
//! (`glchat_tests::iam`), so a new kind of write cannot reach a deployment its role
//! refuses. A role serves several functions (three per tenant: the account's IAM
//! roles are the fleet's scarcest quota), and grants nothing none of them uses; the
//! public read's role is its own, held to the share objects.

use std::collections::BTreeSet;

use glchat_tests::TestApp;
use glchat_tests::iam::ON_INDEX;
use glchat_tests::scenario::every_endpoint;
use yaml_rust2::Yaml;

use glchat_tests::template::{policy_statements, role_of};

use crate::template::{function_of, template};

/// A statement's `Resource`, one or a list.
fn resources(statement: &Yaml) -> Vec<Yaml> {
    match &statement["Resource"] {
        Yaml::Array(list) => list.clone(),
        one => vec![one.clone()],
    }
}

/// The DynamoDB actions a function's policy allows, and whether on the indexes too.
pub(crate) fn granted(template: &Yaml, function: &Yaml) -> (BTreeSet<String>, bool) {
    let mut actions = BTreeSet::new();
    let mut on_indexes = false;
    let statements = policy_statements(template, function);
    for statement in statements {
        let listed: Vec<&str> = statement["Action"]
            .as_vec()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str()?.strip_prefix("dynamodb:"))
            .collect();
        if listed.is_empty() {
            continue;
        }
        actions.extend(listed.iter().map(|a| (*a).to_owned()));
        let resources = resources(statement);
        on_indexes |= resources
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("/index/")));
    }
    (actions, on_indexes)
}

/// The S3 grants of a function: each action with the object-key patterns it is allowed
/// on (`tenants/acme/shares/*`), or `""` for the bucket itself.
pub(crate) fn granted_s3(template: &Yaml, function: &Yaml) -> Vec<(String, String)> {
    let mut grants = Vec::new();
    let statements = policy_statements(template, function);
    for statement in statements {
        let resources = resources(statement);
        let actions = statement["Action"].as_vec().into_iter().flatten();
        for action in actions.filter_map(|a| a.as_str()?.strip_prefix("s3:")) {
            for resource in resources.iter().filter_map(Yaml::as_str) {
                // `${Bucket.Arn}/<key pattern>` or `arn:...:s3:::<bucket>/<key pattern>`;
                // a bucket's ARN holds no `/`.
                let pattern = resource.split_once('/').map_or("", |(_, keys)| keys);
                grants.push((action.to_owned(), pattern.replace("${TenantId}", "acme")));
            }
        }
    }
    grants
}

/// The grant that allows `action` on `key`, if any.
fn grant_for<'a>(grants: &'a [(String, String)], action: &str, key: &str) -> Option<&'a (String, String)> {
    grants.iter().find(|(granted, pattern)| {
        granted == action
            && match (action, pattern.strip_suffix('*')) {
                ("ListBucket", _) => pattern.is_empty(),
                (_, Some(prefix)) => key.starts_with(prefix),
                (_, None) => key == pattern,
            }
    })
}

pub(crate) fn allows(grants: &[(String, String)], action: &str, key: &str) -> bool {
    grant_for(grants, action, key).is_some()
}

/// S3 grants the one-call-per-endpoint scenario does not use, each needed on a path it
/// does not take.
const S3_GRANTS_OFF_THE_SCENARIO: &[(&str, &str, &str, &str)] = &[
    (
        "create_import",
        "PutObject",
        "tenants/acme/imports/*",
        "the import's upload URL: presigned, it makes no request (imports.rs uploads to it)",
    ),
    (
        "get_export",
        "GetObject",
        "tenants/acme/exports/*",
        "a ready export's download URL; the scenario's export is pending (run_jobs makes it, exports.rs)",
    ),
    (
        "share_conversation",
        "DeleteObject",
        "tenants/acme/shares/*",
        "a refresh removes the older snapshot's copies; the scenario shares once",
    ),
    (
        "get_conversation",
        "GetObject",
        "tenants/acme/conversations/*",
        "attachments' download URLs; the scenario reads before its upload",
    ),
    (
        "delete_conversation",
        "DeleteObject",
        "tenants/acme/shares/*",
        "a conversation deleted while shared loses its link's copies",
    ),
    (
        "delete_conversations",
        "DeleteObject",
        "tenants/acme/shares/*",
        "as for delete_conversation",
    ),
    (
        "delete_conversations",
        "DeleteObject",
        "tenants/acme/conversations/*",
        "the scenario's bulk-deleted conversations hold no files (their listing finds none)",
    ),
    (
        "clone_shared_conversation",
        "DeleteObject",
        "tenants/acme/conversations/*",
        "an unfinished clone of a dead or refreshed link is removed",
    ),
    (
        "clone_shared_conversation",
        "ListBucket",
        "",
        "as above: the removal lists the clone's objects",
    ),
];

#[tokio::test]
async fn each_function_may_do_what_its_requests_do() {
    let app = TestApp::spawn().await;
    let template = template();
    let mut checked = 0;
    let mut public_reads = 0;
    let mut used: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut functions = BTreeSet::new();
    for measured in every_endpoint(&app, 2).await {
        let function = measured.scenario.split(" (").next().unwrap_or_default();
        functions.insert(function.to_owned());
        let (actions, on_indexes) = granted(&template, function_of(&template, function));
        let s3 = granted_s3(&template, function_of(&template, function));
        let (role, _) = role_of(&template, function_of(&template, function));
        for action in &measured.actions {
            if let Some((action, key)) = action.strip_prefix("s3:").and_then(|a| a.split_once(' ')) {
                let grant = grant_for(&s3, action, key).unwrap_or_else(|| {
                    panic!(
                        "{}: s3:{action} on {key:?} is not allowed by {function}'s policy {s3:?}",
                        measured.scenario
                    )
                });
                used.insert((role.clone(), grant.0.clone(), grant.1.clone()));
                if function == "get_shared_conversation" {
                    assert!(key.starts_with("tenants/acme/shares/"), "the public read reached {key}");
                    public_reads += 1;
                }
                checked += 1;
                continue;
            }
            match action.strip_suffix(ON_INDEX) {
                Some(action) => assert!(
                    actions.contains(action) && on_indexes,
                    "{}: {action} on an index is not allowed by {function}'s policy",
                    measured.scenario
                ),
                None => assert!(
                    actions.contains(action),
                    "{}: {action} is not allowed by {function}'s policy {actions:?}",
                    measured.scenario
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "the scenario made the requests it should: {checked}");
    assert!(public_reads > 0, "the public read presigned its attachment");

    // And no S3 grant of a role is wider than its functions' requests: each is used by
    // one of them, or listed with its path.
    for function in &functions {
        let (role, _) = role_of(&template, function_of(&template, function));
        for (action, pattern) in granted_s3(&template, function_of(&template, function)) {
            let off = S3_GRANTS_OFF_THE_SCENARIO.iter().any(|(f, a, p, _)| {
                role_of(&template, function_of(&template, f)).0 == role && *a == action && *p == pattern
            });
            let grant = (role.clone(), action, pattern);
            assert!(used.contains(&grant) || off, "{grant:?} is granted but never used");
        }
    }
}

/// Least privilege for the unauthenticated function: its role is its own, its S3
/// grants name share objects only, never a conversation's private attachments, and it
/// may neither write the table nor read a secret.
#[test]
fn the_public_read_may_read_share_objects_only() {
    let template = template();
    let public = function_of(&template, "get_shared_conversation");
    let (role, _) = role_of(&template, public);
    let sharing: Vec<&str> = glchat_functions::routes::routes()
        .into_iter()
        .map(|r| r.name)
        .chain(glchat_functions::triggers::triggers().into_iter().map(|t| t.name))
        .filter(|name| role_of(&template, function_of(&template, name)).0 == role)
        .collect();
    assert_eq!(sharing, ["get_shared_conversation"], "the public read shares its role");
    let (actions, _) = granted(&template, public);
    assert_eq!(
        actions,
        BTreeSet::from(["DescribeTable".to_owned(), "GetItem".to_owned()])
    );
    let secrets = policy_statements(&template, public)
        .into_iter()
        .flat_map(|s| s["Action"].as_vec().into_iter().flatten())
        .filter(|a| a.as_str().is_some_and(|a| a.starts_with("secretsmanager:")))
        .count();
    assert_eq!(secrets, 0, "the public read may read no secret");
    let grants = granted_s3(&template, public);
    assert_eq!(grants, [("GetObject".to_owned(), "tenants/acme/shares/*".to_owned())]);
    assert!(!allows(
        &grants,
        "GetObject",
        "tenants/acme/conversations/c/attachments/a"
    ));
}
