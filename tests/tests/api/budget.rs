//! Each endpoint's DynamoDB calls, held to the table in `docs/data-model.md`.

use std::collections::BTreeMap;

use glchat_tests::TestApp;
use glchat_tests::scenario::{documented_budget, every_endpoint};

#[tokio::test]
async fn every_endpoint_stays_within_its_documented_calls() {
    let budget = documented_budget();
    let app = TestApp::spawn().await;
    let runs = every_endpoint(&app, 0).await;
    // Every call reports its capacity: reads in read units, writes in write units.
    for run in &runs {
        let reads = run.calls.iter().any(|c| matches!(c.as_str(), "GetItem" | "Query"));
        let writes = run.calls.iter().any(|c| !matches!(c.as_str(), "GetItem" | "Query"));
        assert_eq!(
            run.consumed.read_units > 0.0,
            reads,
            "{}: {:?}",
            run.scenario,
            run.consumed
        );
        assert_eq!(
            run.consumed.write_units > 0.0,
            writes,
            "{}: {:?}",
            run.scenario,
            run.consumed
        );
    }
    let measured: BTreeMap<String, Vec<String>> = runs.into_iter().map(|m| (m.scenario, m.calls)).collect();

    let unmeasured: Vec<&String> = budget.keys().filter(|k| !measured.contains_key(*k)).collect();
    assert!(unmeasured.is_empty(), "documented but not measured: {unmeasured:?}");
    for (scenario, calls) in &measured {
        assert!(!calls.iter().any(|c| c == "Scan"), "{scenario} scanned the table");
        assert_eq!(
            Some(calls),
            budget.get(scenario),
            "{scenario}: measured {calls:?}, documented {:?}",
            budget.get(scenario)
        );
    }
}
