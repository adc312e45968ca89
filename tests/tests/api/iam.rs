//! Each function's DynamoDB policy in `template.yaml` allows what its requests do: the
//! actions are read off the requests of one call to every endpoint (`glchat_tests::iam`),
//! so a new kind of write cannot reach a deployment its role refuses.

use std::collections::BTreeSet;

use glchat_tests::TestApp;
use glchat_tests::iam::ON_INDEX;
use glchat_tests::scenario::every_endpoint;
use yaml_rust2::Yaml;

use crate::template::{function_of, template};

/// The DynamoDB actions a function's policy allows, and whether on the indexes too.
pub(crate) fn granted(function: &Yaml) -> (BTreeSet<String>, bool) {
    let mut actions = BTreeSet::new();
    let mut on_indexes = false;
    let statements = function["Properties"]["Policies"]
        .as_vec()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["Statement"].as_vec().into_iter().flatten());
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
        let resources = match &statement["Resource"] {
            Yaml::Array(list) => list.clone(),
            one => vec![one.clone()],
        };
        on_indexes |= resources
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("/index/")));
    }
    (actions, on_indexes)
}

#[tokio::test]
async fn each_function_may_do_what_its_requests_do() {
    let app = TestApp::spawn().await;
    let template = template();
    let mut checked = 0;
    for measured in every_endpoint(&app, 2).await {
        let function = measured.scenario.split(" (").next().unwrap_or_default();
        let (actions, on_indexes) = granted(function_of(&template, function));
        for action in &measured.actions {
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
    assert!(checked > 30, "the scenario made the requests it should: {checked}");
}
