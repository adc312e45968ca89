//! A release as the deployment engine runs it (`infra/release.yaml`, a Step Functions
//! state machine): the canary tenant alone and watched longest, then waves growing
//! `growth` times, tenants in parallel within a wave. Each tenant's update is a
//! CloudFormation change set with rollback triggers (its alarms and its
//! account-region's), then a smoke request; a failure rolls that tenant back and stops
//! the release before the next wave. Tenants already at the release's version are
//! skipped, so running the same plan again resumes it.
//!
//! The plan is computed here offline: `glchat-fleet plan` prints it (`--dry-run` of
//! `infra/fleet.sh release`) and writes the engine's input.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::tenants::{AccountRegion, Fleet, Tenant};

/// How a release proceeds, and the times its estimate assumes.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Each wave after the canary is this many times the one before.
    pub growth: usize,
    /// Stack updates at once in one account-region (CloudFormation and Lambda's control
    /// plane are rate-limited per account-region).
    pub per_account_region: usize,
    /// A tenant's change set: created, executed, the functions' code replaced.
    pub update_minutes: f64,
    /// CloudFormation watches the rollback triggers this long after each update.
    pub monitoring_minutes: f64,
    /// The smoke requests after the update.
    pub smoke_minutes: f64,
    /// The canary's extra watch before the first wave.
    pub canary_bake_minutes: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            growth: 4,
            per_account_region: 10,
            update_minutes: 5.0,
            monitoring_minutes: 5.0,
            smoke_minutes: 1.0,
            canary_bake_minutes: 15.0,
        }
    }
}

impl Options {
    /// One tenant, start to finish.
    pub fn tenant_minutes(&self) -> f64 {
        self.update_minutes + self.monitoring_minutes + self.smoke_minutes
    }
}

/// One wave: its tenants, how many run at once, how long it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave<'a> {
    pub number: usize,
    pub tenants: Vec<&'a Tenant>,
    pub parallelism: usize,
    pub minutes: f64,
}

/// A release's waves.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'a> {
    pub waves: Vec<Wave<'a>>,
    pub options: Options,
}

/// The tenants in release order: the canary, then one account-region after another in
/// turn, so that every wave reaches as many account-regions as it can.
fn release_order(fleet: &Fleet) -> Vec<&Tenant> {
    let canary = fleet
        .canary
        .as_deref()
        .or_else(|| fleet.tenants.first().map(|t| t.id.as_str()));
    let mut queues: Vec<std::collections::VecDeque<&Tenant>> = fleet
        .by_account_region()
        .into_values()
        .map(|tenants| tenants.into_iter().filter(|t| Some(t.id.as_str()) != canary).collect())
        .collect();
    let mut order: Vec<&Tenant> = fleet.tenants.iter().filter(|t| Some(t.id.as_str()) == canary).collect();
    while queues.iter().any(|q| !q.is_empty()) {
        for queue in &mut queues {
            order.extend(queue.pop_front());
        }
    }
    order
}

/// Plans a release of `fleet` with `options`.
pub fn plan(fleet: &Fleet, options: Options) -> Plan<'_> {
    let order = release_order(fleet);
    let mut waves = Vec::new();
    let mut start = 0;
    let mut size = 1;
    while start < order.len() {
        let end = (start + size).min(order.len());
        let tenants: Vec<&Tenant> = order[start..end].to_vec();
        let mut per_place: BTreeMap<AccountRegion, usize> = BTreeMap::new();
        for tenant in &tenants {
            *per_place.entry(tenant.account_region()).or_default() += 1;
        }
        let parallelism = per_place
            .values()
            .map(|n| (*n).min(options.per_account_region))
            .sum::<usize>()
            .max(1);
        // The busiest account-region sets the pace.
        let rounds = per_place
            .values()
            .map(|n| n.div_ceil(options.per_account_region))
            .max()
            .unwrap_or(0);
        let mut minutes = rounds as f64 * options.tenant_minutes();
        if waves.is_empty() {
            minutes += options.canary_bake_minutes;
        }
        waves.push(Wave {
            number: waves.len() + 1,
            tenants,
            parallelism,
            minutes,
        });
        start = end;
        size = if waves.len() == 1 {
            options.growth
        } else {
            size * options.growth
        };
    }
    Plan { waves, options }
}

impl Plan<'_> {
    pub fn minutes(&self) -> f64 {
        self.waves.iter().map(|w| w.minutes).sum()
    }

    pub fn tenants(&self) -> usize {
        self.waves.iter().map(|w| w.tenants.len()).sum()
    }

    /// The plan as `--dry-run` prints it.
    pub fn text(&self, version: &str) -> String {
        let o = &self.options;
        let mut out = format!(
            "release {version}: {} tenants in {} waves (canary, then x{} each wave), at most {} stack updates at once per account-region\n",
            self.tenants(),
            self.waves.len(),
            o.growth,
            o.per_account_region
        );
        let _ = writeln!(
            out,
            "a tenant takes {:.0} min: update {:.0}, rollback-trigger watch {:.0}, smoke {:.0}; the canary is watched {:.0} min more",
            o.tenant_minutes(),
            o.update_minutes,
            o.monitoring_minutes,
            o.smoke_minutes,
            o.canary_bake_minutes
        );
        let mut elapsed = 0.0;
        for wave in &self.waves {
            elapsed += wave.minutes;
            let places: std::collections::BTreeSet<AccountRegion> =
                wave.tenants.iter().map(|t| t.account_region()).collect();
            let names: Vec<&str> = wave.tenants.iter().take(3).map(|t| t.id.as_str()).collect();
            let more = wave.tenants.len().saturating_sub(names.len());
            let _ = writeln!(
                out,
                "wave {:>2}: {:>4} tenants over {:>2} account-regions, {:>3} at once, {:>5.0} min (done at {:>5.0} min): {}{}",
                wave.number,
                wave.tenants.len(),
                places.len(),
                wave.parallelism,
                wave.minutes,
                elapsed,
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(
            out,
            "estimated duration: {:.0} min ({:.1} h); sequentially, one tenant after another: {:.0} min ({:.1} h)",
            self.minutes(),
            self.minutes() / 60.0,
            self.tenants() as f64 * o.update_minutes,
            self.tenants() as f64 * o.update_minutes / 60.0
        );
        out
    }
}

/// One tenant as the engine's per-tenant workflow reads it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Item {
    pub tenant: String,
    pub account: String,
    pub region: String,
    pub role: String,
    pub stack: String,
    pub template_url: String,
    /// The template's parameters: the tenant file's values and the release's
    /// `Version`; secrets keep their deployed values.
    pub parameters: Vec<Parameter>,
    /// The alarms that roll the update back: the account-region's.
    pub rollback_triggers: Vec<Trigger>,
    /// What a failed smoke request puts back with the previous template: every
    /// parameter as deployed, and a `Version` that says what was rolled back.
    pub rollback_parameters: Vec<Parameter>,
}

/// A CloudFormation rollback trigger.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Trigger {
    pub arn: String,
    #[serde(rename = "Type")]
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    pub parameter_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_value: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub use_previous_value: bool,
}

/// The account-region stack's alarms that stop a release there (`infra/region.yaml`).
pub const ROLLBACK_ALARMS: &[&str] = &["glchat-function-errors", "glchat-server-errors"];

/// The engine's input for each wave (one JSON array per wave, read by its Map state
/// from S3), with `templates` the packaged template's URL in each region.
pub fn items(plan: &Plan<'_>, version: &str, secrets: &[String], templates: &dyn Fn(&str) -> String) -> Vec<Vec<Item>> {
    plan.waves
        .iter()
        .map(|wave| {
            wave.tenants
                .iter()
                .map(|t| {
                    let mut parameters: Vec<Parameter> = vec![
                        Parameter {
                            parameter_key: "TenantId".into(),
                            parameter_value: Some(t.id.clone()),
                            use_previous_value: false,
                        },
                        Parameter {
                            parameter_key: "Version".into(),
                            parameter_value: Some(version.to_owned()),
                            use_previous_value: false,
                        },
                    ];
                    parameters.extend(t.parameters.iter().map(|(k, v)| Parameter {
                        parameter_key: k.clone(),
                        parameter_value: Some(v.clone()),
                        use_previous_value: false,
                    }));
                    let previous = |k: &String| Parameter {
                        parameter_key: k.clone(),
                        parameter_value: None,
                        use_previous_value: true,
                    };
                    parameters.extend(secrets.iter().map(previous));
                    let rollback_parameters = parameters
                        .iter()
                        .map(|p| match p.parameter_key.as_str() {
                            "Version" => Parameter {
                                parameter_key: "Version".into(),
                                parameter_value: Some(format!("rollback-of-{version}")),
                                use_previous_value: false,
                            },
                            _ => previous(&p.parameter_key),
                        })
                        .collect();
                    Item {
                        tenant: t.id.clone(),
                        account: t.account.clone(),
                        region: t.region.clone(),
                        role: t.role.clone(),
                        stack: t.stack.clone(),
                        template_url: templates(&t.region),
                        parameters,
                        rollback_triggers: ROLLBACK_ALARMS
                            .iter()
                            .map(|name| Trigger {
                                arn: format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", t.region, t.account),
                                kind: "AWS::CloudWatch::Alarm",
                            })
                            .collect(),
                        rollback_parameters,
                    }
                })
                .collect()
        })
        .collect()
}
