//! What one tenant stack costs before its first request, and what it spends of an
//! account-region's quotas, read offline from `template.yaml` at us-east-1 list prices
//! and AWS default quotas (`docs/fleet.md`). `make test` prints the report, so a change
//! that adds cost or quota shows it.
//!
//! The template is read as written, with what the SAM transform adds counted where it
//! adds it: an IAM role for each function that names none.

use std::collections::BTreeSet;
use std::fmt::Write;

use yaml_rust2::Yaml;

/// us-east-1 list prices, USD per month.
pub mod price {
    /// A standard-resolution alarm, per metric it reads (a metric-math alarm pays for
    /// each metric of its expression).
    pub const ALARM_METRIC: f64 = 0.10;
    /// A dashboard (an account's first three are free; a fleet has more than three).
    pub const DASHBOARD: f64 = 3.00;
    /// A custom metric (first 10,000 of the account), which EMF lines and S3 request
    /// metrics are billed as.
    pub const CUSTOM_METRIC: f64 = 0.30;
    /// A Secrets Manager secret.
    pub const SECRET: f64 = 0.40;
    /// A customer managed KMS key.
    pub const KMS_KEY: f64 = 1.00;
}

/// The CloudWatch metrics one S3 request-metrics configuration publishes: the request
/// counts by method, bytes, errors and latencies.
pub const S3_REQUEST_METRICS: usize = 16;

/// One line of the fixed cost.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    pub item: &'static str,
    pub units: usize,
    pub unit_price: f64,
}

impl CostLine {
    pub fn monthly(&self) -> f64 {
        self.units as f64 * self.unit_price
    }
}

/// What a stack costs each month whether or not it serves a request.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedCost {
    pub lines: Vec<CostLine>,
}

impl FixedCost {
    pub fn total(&self) -> f64 {
        self.lines.iter().map(CostLine::monthly).sum()
    }

    pub fn markdown(&self) -> String {
        let mut md = String::from("| item | units | USD per unit-month | USD per month |\n|---|---|---|---|\n");
        for line in &self.lines {
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} | {:.2} |",
                line.item,
                line.units,
                line.unit_price,
                line.monthly()
            );
        }
        let _ = writeln!(md, "| **total** | | | **{:.2}** |", self.total());
        md
    }
}

/// The template's resources of `kind` (`AWS::CloudWatch::Alarm`, ...).
pub fn resources<'a>(template: &'a Yaml, kind: &str) -> Vec<(&'a str, &'a Yaml)> {
    template["Resources"]
        .as_hash()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(name, r)| (name.as_str().unwrap_or(""), r))
        .collect()
}

/// The metrics an alarm reads: one for a plain alarm, each `MetricStat` of a
/// metric-math alarm.
pub fn alarm_metrics(alarm: &Yaml) -> usize {
    match alarm["Properties"]["Metrics"].as_vec() {
        Some(metrics) => metrics.iter().filter(|m| !m["MetricStat"].is_badvalue()).count(),
        None => 1,
    }
}

/// The fixed monthly cost of one stack of `template`. The functions write no metric
/// lines (EMF), which would be custom metrics too: `functions/tests/invoke.rs` checks a
/// real binary's log for them, and fails on one.
pub fn fixed_cost(template: &Yaml) -> FixedCost {
    let alarm_metrics: usize = resources(template, "AWS::CloudWatch::Alarm")
        .iter()
        .map(|(_, alarm)| alarm_metrics(alarm))
        .sum();
    let s3_metrics: usize = resources(template, "AWS::S3::Bucket")
        .iter()
        .map(|(_, bucket)| {
            bucket["Properties"]["MetricsConfigurations"]
                .as_vec()
                .map_or(0, Vec::len)
        })
        .sum::<usize>()
        * S3_REQUEST_METRICS;
    let lines = vec![
        CostLine {
            item: "alarm metrics",
            units: alarm_metrics,
            unit_price: price::ALARM_METRIC,
        },
        CostLine {
            item: "dashboards",
            units: resources(template, "AWS::CloudWatch::Dashboard").len(),
            unit_price: price::DASHBOARD,
        },
        CostLine {
            item: "secrets",
            units: resources(template, "AWS::SecretsManager::Secret").len(),
            unit_price: price::SECRET,
        },
        CostLine {
            item: "S3 request metrics",
            units: s3_metrics,
            unit_price: price::CUSTOM_METRIC,
        },
        CostLine {
            item: "KMS keys",
            units: resources(template, "AWS::KMS::Key").len(),
            unit_price: price::KMS_KEY,
        },
    ];
    FixedCost { lines }
}

/// The custom metrics (namespace, name and dimension values) that log `lines` in the
/// Embedded Metric Format create: one per metric and dimension set of each line, told
/// apart by the values the line gives those dimensions.
pub fn emf_series<'a>(lines: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut series = BTreeSet::new();
    for line in lines {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        for directive in value["_aws"]["CloudWatchMetrics"].as_array().into_iter().flatten() {
            let namespace = directive["Namespace"].as_str().unwrap_or("");
            for dimensions in directive["Dimensions"].as_array().into_iter().flatten() {
                let values: Vec<String> = dimensions
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str())
                    .map(|d| format!("{d}={}", value[d]))
                    .collect();
                for metric in directive["Metrics"].as_array().into_iter().flatten() {
                    let name = metric["Name"].as_str().unwrap_or("");
                    series.insert(format!("{namespace}/{name}[{}]", values.join(",")));
                }
            }
        }
    }
    series
}

/// A per-account or per-region quota and what one stack spends of it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaUse {
    pub quota: &'static str,
    /// Per account (IAM, S3) or per account and region (the rest).
    pub scope: &'static str,
    pub per_stack: usize,
    pub default: usize,
    pub adjustable: &'static str,
}

impl QuotaUse {
    /// How many stacks fit under the default quota.
    pub fn stacks(&self) -> Option<usize> {
        self.default.checked_div(self.per_stack)
    }
}

/// What one stack of `template` spends of each quota it touches, at AWS's defaults.
pub fn quota_use(template: &Yaml) -> Vec<QuotaUse> {
    let count = |kind| resources(template, kind).len();
    let functions = resources(template, "AWS::Serverless::Function");
    // SAM gives each function that names no role a role of its own.
    let roles = count("AWS::IAM::Role")
        + functions
            .iter()
            .filter(|(_, f)| f["Properties"]["Role"].is_badvalue())
            .count();
    vec![
        QuotaUse {
            quota: "IAM roles",
            scope: "account",
            per_stack: roles,
            default: 1_000,
            adjustable: "yes, to a few thousand",
        },
        QuotaUse {
            quota: "Regional APIs (API Gateway, HTTP APIs among them)",
            scope: "account-region",
            per_stack: count("AWS::Serverless::HttpApi") + count("AWS::ApiGatewayV2::Api"),
            default: 600,
            adjustable: "no",
        },
        QuotaUse {
            quota: "EventBridge event buses",
            scope: "account-region",
            per_stack: count("AWS::Events::EventBus"),
            default: 100,
            adjustable: "yes",
        },
        QuotaUse {
            quota: "CloudFormation stacks",
            scope: "account-region",
            per_stack: 1,
            default: 2_000,
            adjustable: "yes",
        },
        QuotaUse {
            quota: "DynamoDB tables",
            scope: "account-region",
            per_stack: count("AWS::DynamoDB::Table"),
            default: 2_500,
            adjustable: "yes",
        },
        QuotaUse {
            quota: "S3 buckets",
            scope: "account",
            per_stack: count("AWS::S3::Bucket"),
            default: 10_000,
            adjustable: "yes",
        },
        QuotaUse {
            quota: "SNS topics",
            scope: "account-region",
            per_stack: count("AWS::SNS::Topic"),
            default: 100_000,
            adjustable: "yes",
        },
        QuotaUse {
            quota: "Secrets Manager secrets",
            scope: "account-region",
            per_stack: count("AWS::SecretsManager::Secret"),
            default: 500_000,
            adjustable: "no",
        },
    ]
}

/// How many stacks fit in one account-region at default quotas, and the quota that
/// binds first.
pub fn stacks_per_account_region(uses: &[QuotaUse]) -> Option<(usize, &'static str)> {
    uses.iter().filter_map(|u| Some((u.stacks()?, u.quota))).min()
}

/// Both tables as Markdown.
pub fn quota_markdown(uses: &[QuotaUse]) -> String {
    let mut md = String::from(
        "| quota | scope | per stack | default | adjustable | stacks that fit |\n|---|---|---|---|---|---|\n",
    );
    for u in uses {
        let fit = u.stacks().map_or("unbounded".to_owned(), |n| n.to_string());
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            u.quota, u.scope, u.per_stack, u.default, u.adjustable, fit
        );
    }
    md
}

/// The report of `template.yaml` as it stands: its fixed cost and its quotas.
pub fn report() -> String {
    let template = crate::template::template();
    let cost = fixed_cost(&template);
    let uses = quota_use(&template);
    let mut out = format!(
        "Fixed cost of one tenant stack per month (us-east-1 list prices):\n\n{}\nQuotas one tenant stack spends (AWS defaults):\n\n{}",
        cost.markdown(),
        quota_markdown(&uses)
    );
    if let Some((stacks, quota)) = stacks_per_account_region(&uses) {
        let _ = writeln!(
            out,
            "\nTenant stacks per account-region at default quotas: {stacks} (bound by {quota})."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_rust2::YamlLoader;

    const TEMPLATE: &str = r#"
Resources:
  Plain:
    Type: AWS::CloudWatch::Alarm
    Properties: { MetricName: Errors }
  Math:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - { Id: e, Expression: "a + b" }
        - { Id: a, MetricStat: { Metric: { MetricName: Errors } } }
        - { Id: b, MetricStat: { Metric: { MetricName: Throttles } } }
  Board: { Type: AWS::CloudWatch::Dashboard }
  One: { Type: AWS::SecretsManager::Secret }
  Two: { Type: AWS::SecretsManager::Secret }
  Bucket:
    Type: AWS::S3::Bucket
    Properties: { MetricsConfigurations: [{ Id: EntireBucket }] }
  WithRole:
    Type: AWS::Serverless::Function
    Properties: { Role: arn }
  WithoutRole: { Type: AWS::Serverless::Function, Properties: {} }
  Role: { Type: AWS::IAM::Role }
  Bus: { Type: AWS::Events::EventBus }
"#;

    fn template() -> Yaml {
        YamlLoader::load_from_str(TEMPLATE).unwrap().remove(0)
    }

    #[test]
    fn the_fixed_cost_counts_each_priced_resource_once() {
        let cost = fixed_cost(&template());
        let units = |item: &str| cost.lines.iter().find(|l| l.item == item).unwrap().units;
        assert_eq!(
            units("alarm metrics"),
            3,
            "a plain alarm and a math alarm of two metrics"
        );
        assert_eq!(units("dashboards"), 1);
        assert_eq!(units("secrets"), 2);
        assert_eq!(units("S3 request metrics"), S3_REQUEST_METRICS);
        let expected = 3.0 * 0.10 + 3.00 + 2.0 * 0.40 + 16.0 * 0.30;
        assert!((cost.total() - expected).abs() < 1e-9, "{}", cost.total());
        assert!(cost.markdown().contains(&format!("**{expected:.2}**")));
    }

    #[test]
    fn quotas_count_the_roles_sam_adds() {
        let uses = quota_use(&template());
        let roles = uses.iter().find(|u| u.quota == "IAM roles").unwrap();
        assert_eq!(roles.per_stack, 2, "the explicit role and the one SAM adds");
        assert_eq!(stacks_per_account_region(&uses), Some((100, "EventBridge event buses")));
    }

    #[test]
    fn emf_series_multiply_by_the_values_of_their_dimensions() {
        let line = |route: &str| {
            format!(
                r#"{{"_aws":{{"CloudWatchMetrics":[{{"Namespace":"N","Dimensions":[["tenant","route"],["tenant"]],"Metrics":[{{"Name":"A"}},{{"Name":"B"}}]}}]}},"tenant":"t","route":"{route}"}}"#
            )
        };
        let lines = [line("r1"), line("r2"), line("r1")];
        let series = emf_series(lines.iter().map(String::as_str));
        // Per route: A and B by (tenant, route); once for the tenant: A and B.
        assert_eq!(series.len(), 2 * 2 + 2, "{series:?}");
    }

    /// `docs/fleet.md` shows the tables the template gives today.
    #[test]
    fn the_documented_tables_are_the_templates() {
        let doc = include_str!("../../docs/fleet.md");
        let report = report();
        for table in report.split("\n\n").filter(|part| part.starts_with('|')) {
            assert!(doc.contains(table.trim()), "docs/fleet.md lacks the table:\n{table}");
        }
    }
}
