//! DynamoDB calls and consumed capacity per endpoint: the budget test's scenario (one
//! request to every endpoint) on a conversation with a realistic history, against the
//! budget in `docs/data-model.md`.

use glchat_tests::scenario::{documented_budget, every_endpoint};
use serde::Serialize;

use crate::stats::round;
use crate::world::{MESSAGES, World};

#[derive(Debug, Serialize)]
pub struct EndpointCost {
    pub scenario: String,
    pub calls: Vec<String>,
    pub documented: Option<Vec<String>>,
    pub matches_budget: bool,
    pub read_units: f64,
    pub write_units: f64,
}

pub async fn run(world: &World) -> Vec<EndpointCost> {
    let budget = documented_budget();
    every_endpoint(&world.app, MESSAGES)
        .await
        .into_iter()
        .map(|m| {
            let documented = budget.get(&m.scenario).cloned();
            EndpointCost {
                matches_budget: documented.as_ref() == Some(&m.calls),
                scenario: m.scenario,
                calls: m.calls,
                documented,
                read_units: round(m.consumed.read_units),
                write_units: round(m.consumed.write_units),
            }
        })
        .collect()
}
