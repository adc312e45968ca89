//! What the stacks of a fleet cost before their first request, and what they spend of
//! each AWS quota, read offline from the templates at us-east-1 list prices and AWS
//! default quotas (`docs/fleet.md`). `make test` prints the report, so a change that
//! adds cost or spends a quota shows it.
//!
//! A tenant's fixed cost is its own stack's plus its share of its account-region's
//! stack (`infra/region.yaml`), which every tenant there shares. The templates are read
//! as written, with what the SAM transform adds counted where it adds it: an IAM role
//! for each function that names none.

use std::fmt::Write;

use yaml_rust2::Yaml;

use crate::template::{self, resources};

/// us-east-1 list prices, USD per month.
pub mod price {
    /// A standard-resolution alarm, per metric it reads (a metric-math alarm pays for
    /// each metric of its expression).
    pub const ALARM_METRIC: f64 = 0.10;
    /// A dashboard (an account's first three are free; a fleet has more than three).
    pub const DASHBOARD: f64 = 3.00;
    /// A custom metric (first 10,000 of the account), which EMF lines and S3 request
    /// metrics are billed as, by the hour they receive data.
    pub const CUSTOM_METRIC: f64 = 0.30;
    /// A Secrets Manager secret.
    pub const SECRET: f64 = 0.40;
    /// A customer managed KMS key.
    pub const KMS_KEY: f64 = 1.00;
}

/// The CloudWatch metrics one S3 request-metrics configuration publishes: the request
/// counts by method, bytes, errors and latencies.
pub const S3_REQUEST_METRICS: usize = 16;

/// The custom metrics the functions' log lines create that exist whenever the fleet
/// runs, counted as if every hour had one: `ServerErrors` by `Service`, one per
/// account-region whatever the number of tenants. (The same metric by `Service` and
/// `Tenant` exists only in the hours a tenant answers 5xx: usage, not fixed cost.)
/// `functions/tests/invoke.rs` captures these from a real binary.
pub const FUNCTION_METRICS_PER_ACCOUNT_REGION: &[(&str, &str, &[&str])] = &[("GLChat", "ServerErrors", &["Service"])];

/// IAM roles an account keeps for itself (its deployment role, the organization's
/// access role, service-linked roles), set aside before tenants are counted.
pub const ROLES_KEPT_BY_THE_ACCOUNT: usize = 20;

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

/// The metrics an alarm reads: one for a plain alarm, each `MetricStat` of a
/// metric-math alarm.
pub fn alarm_metrics(alarm: &Yaml) -> usize {
    match alarm["Properties"]["Metrics"].as_vec() {
        Some(metrics) => metrics.iter().filter(|m| !m["MetricStat"].is_badvalue()).count(),
        None => 1,
    }
}

/// The fixed monthly cost of one stack of `template`, with `custom_metrics` the metrics
/// the functions' log lines keep alive on its account.
pub fn fixed_cost(template: &Yaml, custom_metrics: usize) -> FixedCost {
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
            item: "custom metrics from the functions' logs",
            units: custom_metrics,
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

/// A tenant's fixed cost: its stack's, and its share of its account-region's.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetCost {
    pub tenant: FixedCost,
    pub region: FixedCost,
}

impl FleetCost {
    pub fn of(tenant: &Yaml, region: &Yaml) -> Self {
        Self {
            tenant: fixed_cost(tenant, 0),
            region: fixed_cost(region, FUNCTION_METRICS_PER_ACCOUNT_REGION.len()),
        }
    }

    /// Per tenant-month with `tenants` tenants sharing the account-region's stack.
    pub fn per_tenant(&self, tenants: usize) -> f64 {
        self.tenant.total() + self.region.total() / tenants.max(1) as f64
    }
}

/// Whether a quota counts per account (every region of it) or per account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    AccountRegion,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::AccountRegion => "account-region",
        }
    }
}

/// A quota and what a tenant stack and an account-region stack spend of it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaUse {
    pub quota: &'static str,
    pub scope: Scope,
    pub per_tenant: usize,
    /// Spent once per account-region (the region stack).
    pub fixed: usize,
    /// Kept by the account for itself, whatever the fleet.
    pub kept: usize,
    pub default: usize,
    pub adjustable: &'static str,
}

impl QuotaUse {
    /// How many tenant stacks fit under the default quota, in one account-region (or,
    /// for an account quota, in an account using `regions` regions).
    pub fn tenants(&self, regions: usize) -> Option<usize> {
        let fixed = self.kept
            + match self.scope {
                Scope::Account => self.fixed * regions,
                Scope::AccountRegion => self.fixed,
            };
        self.default.saturating_sub(fixed).checked_div(self.per_tenant)
    }
}

/// The roles a template's stack adds: its own, and one for each function naming none.
fn roles(template: &Yaml) -> usize {
    resources(template, "AWS::IAM::Role").len()
        + resources(template, "AWS::Serverless::Function")
            .iter()
            .filter(|(_, f)| f["Properties"]["Role"].is_badvalue())
            .count()
}

/// What a tenant stack and its account-region's stack spend of each quota they touch,
/// at AWS's defaults.
pub fn quota_use(tenant: &Yaml, region: &Yaml) -> Vec<QuotaUse> {
    let count = |t: &Yaml, kinds: &[&str]| kinds.iter().map(|k| resources(t, k).len()).sum::<usize>();
    let quota = |quota, scope, kinds: &[&str], default, adjustable| QuotaUse {
        quota,
        scope,
        per_tenant: count(tenant, kinds),
        fixed: count(region, kinds),
        kept: 0,
        default,
        adjustable,
    };
    vec![
        QuotaUse {
            per_tenant: roles(tenant),
            fixed: roles(region),
            kept: ROLES_KEPT_BY_THE_ACCOUNT,
            ..quota("IAM roles", Scope::Account, &[], 1_000, "yes, to a few thousand")
        },
        quota(
            "Regional APIs (API Gateway, HTTP APIs among them)",
            Scope::AccountRegion,
            &["AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"],
            600,
            "no",
        ),
        quota(
            "EventBridge event buses",
            Scope::AccountRegion,
            &["AWS::Events::EventBus"],
            100,
            "yes",
        ),
        QuotaUse {
            per_tenant: 1,
            fixed: 1,
            ..quota("CloudFormation stacks", Scope::AccountRegion, &[], 2_000, "yes")
        },
        quota("CloudFormation exports", Scope::AccountRegion, &[], 5_000, "no"),
        quota(
            "DynamoDB tables",
            Scope::AccountRegion,
            &["AWS::DynamoDB::Table"],
            2_500,
            "yes",
        ),
        quota("S3 buckets", Scope::Account, &["AWS::S3::Bucket"], 10_000, "yes"),
        quota("SNS topics", Scope::AccountRegion, &["AWS::SNS::Topic"], 100_000, "yes"),
        quota(
            "Secrets Manager secrets",
            Scope::AccountRegion,
            &["AWS::SecretsManager::Secret"],
            500_000,
            "no",
        ),
        quota(
            "CloudWatch Logs log groups",
            Scope::AccountRegion,
            &["AWS::Logs::LogGroup"],
            1_000_000,
            "yes",
        ),
    ]
    .into_iter()
    .map(|mut u| {
        if u.quota == "CloudFormation exports" {
            u.fixed = region["Outputs"]
                .as_hash()
                .into_iter()
                .flatten()
                .filter(|(_, o)| !o["Export"].is_badvalue())
                .count();
        }
        u
    })
    .collect()
}

/// How many tenant stacks fit in one account-region at default quotas (an account in
/// one region), and the quota that binds first.
pub fn tenants_per_account_region(uses: &[QuotaUse]) -> Option<(usize, &'static str)> {
    uses.iter().filter_map(|u| Some((u.tenants(1)?, u.quota))).min()
}

/// The quota table as Markdown.
pub fn quota_markdown(uses: &[QuotaUse]) -> String {
    let mut md = String::from(
        "| quota | scope | per tenant stack | per account-region | default | adjustable | tenants that fit |\n|---|---|---|---|---|---|---|\n",
    );
    for u in uses {
        let fit = u.tenants(1).map_or("unbounded".to_owned(), |n| n.to_string());
        let fixed = match u.kept {
            0 => u.fixed.to_string(),
            kept => format!("{} (+{kept} kept by the account)", u.fixed),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            u.quota,
            u.scope.name(),
            u.per_tenant,
            fixed,
            u.default,
            u.adjustable,
            fit
        );
    }
    md
}

/// The tenant's fixed cost at a few fleet sizes per account-region, as Markdown.
pub fn per_tenant_markdown(cost: &FleetCost, sizes: &[usize]) -> String {
    let mut md = String::from("| tenants in the account-region | USD per tenant-month |\n|---|---|\n");
    for &n in sizes {
        let _ = writeln!(md, "| {n} | {:.2} |", cost.per_tenant(n));
    }
    md
}

/// The report of the templates as they stand: fixed costs and quotas.
pub fn report() -> String {
    let (tenant, region) = (template::tenant(), template::region());
    let cost = FleetCost::of(&tenant, &region);
    let uses = quota_use(&tenant, &region);
    let full = tenants_per_account_region(&uses);
    let mut sizes = vec![1, 10, 50];
    sizes.extend(full.map(|(n, _)| n));
    let mut out = format!(
        "Fixed cost of one tenant stack per month (us-east-1 list prices):\n\n{}\nFixed cost of one account-region stack per month, shared by its tenants:\n\n{}\nA tenant's fixed cost, its stack and its share of the account-region's:\n\n{}\nQuotas the stacks spend (AWS defaults):\n\n{}",
        cost.tenant.markdown(),
        cost.region.markdown(),
        per_tenant_markdown(&cost, &sizes),
        quota_markdown(&uses)
    );
    if let Some((tenants, quota)) = full {
        let _ = writeln!(
            out,
            "\nTenant stacks per account-region at default quotas: {tenants} (bound by {quota}); each pays {:.2} USD a month before its first request.",
            cost.per_tenant(tenants)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_rust2::YamlLoader;

    const TENANT: &str = r#"
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

    const REGION: &str = r#"
Resources:
  Board: { Type: AWS::CloudWatch::Dashboard }
  Bus: { Type: AWS::Events::EventBus }
Outputs:
  BusArn: { Value: x, Export: { Name: y } }
"#;

    fn yaml(text: &str) -> Yaml {
        YamlLoader::load_from_str(text).unwrap().remove(0)
    }

    #[test]
    fn the_fixed_cost_counts_each_priced_resource_once() {
        let cost = fixed_cost(&yaml(TENANT), 0);
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
    fn a_tenant_pays_its_stack_and_a_share_of_its_account_regions() {
        let cost = FleetCost::of(&yaml(TENANT), &yaml(REGION));
        let region = 3.00 + 0.30 * FUNCTION_METRICS_PER_ACCOUNT_REGION.len() as f64;
        assert!((cost.region.total() - region).abs() < 1e-9);
        let alone = cost.per_tenant(1);
        let shared = cost.per_tenant(100);
        assert!((alone - (cost.tenant.total() + region)).abs() < 1e-9);
        assert!((shared - (cost.tenant.total() + region / 100.0)).abs() < 1e-9);
    }

    #[test]
    fn quotas_count_the_roles_sam_adds_and_what_the_region_stack_spends() {
        let uses = quota_use(&yaml(TENANT), &yaml(REGION));
        let find = |q: &str| uses.iter().find(|u| u.quota == q).unwrap();
        assert_eq!(
            find("IAM roles").per_tenant,
            2,
            "the explicit role and the one SAM adds"
        );
        assert_eq!(
            find("IAM roles").tenants(1),
            Some((1_000 - ROLES_KEPT_BY_THE_ACCOUNT) / 2)
        );
        let buses = find("EventBridge event buses");
        assert_eq!((buses.per_tenant, buses.fixed), (1, 1));
        assert_eq!(buses.tenants(1), Some(99), "the region's bus comes first");
        assert_eq!(find("CloudFormation exports").fixed, 1);
        assert_eq!(find("S3 buckets").tenants(2), Some(10_000));
        assert_eq!(tenants_per_account_region(&uses), Some((99, "EventBridge event buses")));
    }

    /// `docs/fleet.md` shows the tables the templates give today.
    #[test]
    fn the_documented_tables_are_the_templates() {
        let doc = include_str!("../../docs/fleet.md");
        let report = report();
        for table in report.split("\n\n").filter(|part| part.starts_with('|')) {
            assert!(doc.contains(table.trim()), "docs/fleet.md lacks the table:\n{table}");
        }
    }
}
