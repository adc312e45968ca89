//! The metrics a stack's alarms and dashboard read, and the metrics it publishes: what
//! AWS services publish with the template's settings (`published`), beside what the
//! functions' log lines create (`emf`, captured from a real binary by
//! `functions/tests/invoke.rs`). A widget or alarm that reads anything else shows
//! nothing, or never fires.

use std::collections::BTreeSet;

use yaml_rust2::Yaml;

use crate::template::resources;

/// A metric as CloudWatch names it: namespace, name, and the names of its dimensions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricId {
    pub namespace: String,
    pub name: String,
    pub dimensions: BTreeSet<String>,
}

impl MetricId {
    pub fn new(namespace: &str, name: &str, dimensions: &[&str]) -> Self {
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dimensions: dimensions.iter().map(|d| (*d).to_owned()).collect(),
        }
    }
}

/// A metric something reads, and what reads it.
#[derive(Debug, Clone)]
pub struct Read {
    pub by: String,
    pub metric: MetricId,
}

fn text(y: &Yaml) -> &str {
    y.as_str().unwrap_or("")
}

fn alarm_metric(by: &str, metric: &Yaml) -> Read {
    let dimensions = metric["Dimensions"]
        .as_vec()
        .into_iter()
        .flatten()
        .map(|d| text(&d["Name"]).to_owned())
        .collect();
    Read {
        by: by.to_owned(),
        metric: MetricId {
            namespace: text(&metric["Namespace"]).to_owned(),
            name: text(&metric["MetricName"]).to_owned(),
            dimensions,
        },
    }
}

/// Every metric the template's alarms read: a plain alarm's, each `MetricStat` of a
/// metric-math alarm's.
pub fn alarm_reads(template: &Yaml) -> Vec<Read> {
    let mut reads = Vec::new();
    for (name, alarm) in resources(template, "AWS::CloudWatch::Alarm") {
        let properties = &alarm["Properties"];
        match properties["Metrics"].as_vec() {
            Some(metrics) => {
                for stat in metrics
                    .iter()
                    .map(|m| &m["MetricStat"]["Metric"])
                    .filter(|m| !m.is_badvalue())
                {
                    reads.push(alarm_metric(name, stat));
                }
            }
            None => reads.push(alarm_metric(name, properties)),
        }
    }
    reads
}

/// Every metric the dashboards' metric widgets chart: the array form
/// (`[namespace, name, dimension, value, ..., {options}]`, where `"."` repeats the row
/// above's) and `SEARCH('{namespace,dimension,...} MetricName="name" ...')` expressions.
pub fn dashboard_reads(template: &Yaml) -> Vec<Read> {
    let mut reads = Vec::new();
    for (name, dashboard) in resources(template, "AWS::CloudWatch::Dashboard") {
        let body: serde_json::Value = serde_json::from_str(text(&dashboard["Properties"]["DashboardBody"]))
            .unwrap_or_else(|e| panic!("{name}: the dashboard body is not JSON: {e}"));
        for widget in body["widgets"].as_array().into_iter().flatten() {
            let title = widget["properties"]["title"].as_str().unwrap_or("");
            let by = format!("{name}: {title}");
            let mut previous: Vec<String> = Vec::new();
            for row in widget["properties"]["metrics"].as_array().into_iter().flatten() {
                let cells = row.as_array().cloned().unwrap_or_default();
                if let Some(expression) = cells.first().and_then(|c| c["expression"].as_str()) {
                    reads.extend(search_reads(&by, expression));
                    continue;
                }
                let strings: Vec<String> = cells
                    .iter()
                    .filter_map(|c| c.as_str())
                    .enumerate()
                    .map(|(i, c)| match c {
                        "." => previous.get(i).cloned().unwrap_or_default(),
                        other => other.to_owned(),
                    })
                    .collect();
                if strings.len() < 2 {
                    continue;
                }
                let dimensions = strings[2..].iter().step_by(2).cloned().collect();
                reads.push(Read {
                    by: by.clone(),
                    metric: MetricId {
                        namespace: strings[0].clone(),
                        name: strings[1].clone(),
                        dimensions,
                    },
                });
                previous = strings;
            }
        }
    }
    reads
}

/// The metrics a `SEARCH('{namespace,dim,...} MetricName="name"', ...)` expression asks for.
fn search_reads(by: &str, expression: &str) -> Vec<Read> {
    let Some(schema) = expression.split('{').nth(1).and_then(|s| s.split('}').next()) else {
        return Vec::new();
    };
    let mut parts = schema.split(',').map(str::trim);
    let namespace = parts.next().unwrap_or("").to_owned();
    let dimensions = parts.map(str::to_owned).collect();
    let name = expression
        .split("MetricName=\\\"")
        .nth(1)
        .or_else(|| expression.split("MetricName=\"").nth(1))
        .and_then(|rest| rest.split(['"', '\\']).next())
        .unwrap_or("")
        .to_owned();
    vec![Read {
        by: by.to_owned(),
        metric: MetricId {
            namespace,
            name,
            dimensions,
        },
    }]
}

/// The metrics that log `lines` in the Embedded Metric Format create, by dimension
/// names.
pub fn emf(lines: &[String]) -> BTreeSet<MetricId> {
    let mut out = BTreeSet::new();
    for line in lines {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        for directive in value["_aws"]["CloudWatchMetrics"].as_array().into_iter().flatten() {
            let namespace = directive["Namespace"].as_str().unwrap_or("");
            for dimensions in directive["Dimensions"].as_array().into_iter().flatten() {
                let names: Vec<&str> = dimensions
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str())
                    .collect();
                for metric in directive["Metrics"].as_array().into_iter().flatten() {
                    out.insert(MetricId::new(namespace, metric["Name"].as_str().unwrap_or(""), &names));
                }
            }
        }
    }
    out
}

/// What an account-region of the fleet publishes: what the AWS services publish for its
/// tenant stacks and its own stack, and what the functions' lines create (`functions`,
/// from [`emf`]).
pub fn published_in_account_region(tenant: &Yaml, region: &Yaml, functions: &BTreeSet<MetricId>) -> BTreeSet<MetricId> {
    let mut out = published(tenant);
    out.extend(published(region));
    out.extend(functions.iter().cloned());
    out
}

/// What the AWS services of `template` publish to CloudWatch with its settings (the
/// services' documented metrics that this service's alarms and widgets may read).
pub fn published(template: &Yaml) -> BTreeSet<MetricId> {
    let mut out = BTreeSet::new();
    let mut add = |namespace: &str, names: &[&str], dimensions: &[&str]| {
        for name in names {
            out.insert(MetricId::new(namespace, name, dimensions));
        }
    };
    // Lambda: per function, and the same without a dimension for the whole account.
    let lambda = ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"];
    if !resources(template, "AWS::Serverless::Function").is_empty() {
        add("AWS/Lambda", &lambda, &["FunctionName"]);
        add("AWS/Lambda", &lambda, &[]);
        add("AWS/Lambda", &["UnreservedConcurrentExecutions"], &[]);
    }
    // Stream-mapped functions (an event of type DynamoDB) also report their lag.
    let streamed = resources(template, "AWS::Serverless::Function")
        .into_iter()
        .any(|(_, f)| {
            f["Properties"]["Events"]
                .as_hash()
                .into_iter()
                .flatten()
                .any(|(_, e)| matches!(text(&e["Type"]), "DynamoDB" | "Kinesis"))
        });
    if streamed {
        add("AWS/Lambda", &["IteratorAge"], &["FunctionName"]);
    }
    // HTTP APIs: per API, and per API and stage; per method and resource only with
    // detailed metrics on (there is no `Route` dimension).
    let api = ["Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed"];
    for (_, http_api) in resources(template, "AWS::Serverless::HttpApi") {
        add("AWS/ApiGateway", &api, &["ApiId"]);
        add("AWS/ApiGateway", &api, &["ApiId", "Stage"]);
        let detailed = &http_api["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"];
        if detailed.as_bool() == Some(true) || detailed.as_str() == Some("true") {
            add("AWS/ApiGateway", &api, &["ApiId", "Method", "Resource", "Stage"]);
        }
    }
    if !resources(template, "AWS::DynamoDB::Table").is_empty() {
        add(
            "AWS/DynamoDB",
            &[
                "ConsumedReadCapacityUnits",
                "ConsumedWriteCapacityUnits",
                "ReadThrottleEvents",
                "WriteThrottleEvents",
            ],
            &["TableName"],
        );
        add(
            "AWS/DynamoDB",
            &[
                "SystemErrors",
                "ThrottledRequests",
                "SuccessfulRequestLatency",
                "ReturnedItemCount",
            ],
            &["TableName", "Operation"],
        );
    }
    if !resources(template, "AWS::SQS::Queue").is_empty() {
        add(
            "AWS/SQS",
            &[
                "ApproximateNumberOfMessagesVisible",
                "ApproximateAgeOfOldestMessage",
                "NumberOfMessagesSent",
                "NumberOfMessagesReceived",
            ],
            &["QueueName"],
        );
    }
    for (_, bucket) in resources(template, "AWS::S3::Bucket") {
        add(
            "AWS/S3",
            &["BucketSizeBytes", "NumberOfObjects"],
            &["BucketName", "StorageType"],
        );
        // Request metrics only for a request-metrics configuration (a filter).
        if bucket["Properties"]["MetricsConfigurations"]
            .as_vec()
            .is_some_and(|c| !c.is_empty())
        {
            add(
                "AWS/S3",
                &[
                    "AllRequests",
                    "GetRequests",
                    "PutRequests",
                    "DeleteRequests",
                    "4xxErrors",
                    "5xxErrors",
                    "FirstByteLatency",
                    "TotalRequestLatency",
                ],
                &["BucketName", "FilterId"],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_rust2::YamlLoader;

    fn template(api_settings: &str, bucket: &str) -> Yaml {
        let text = format!(
            r#"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: {{ DefaultRouteSettings: {api_settings} }}
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {bucket}
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApiGateway
      MetricName: 5xx
      Dimensions: [{{ Name: ApiId, Value: x }}, {{ Name: Stage, Value: $default }}]
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody: '{{"widgets":[{{"type":"metric","properties":{{"title":"t","metrics":[["AWS/ApiGateway","Count","ApiId","a","Stage","s","Route","GET /x"],[".","5xx",".",".",".",".",".","."],[{{"expression":"SEARCH(''{{GLChat,route,tenant}} MetricName=\"Reads\"'', ''Sum'', 300)"}}]]}}}}]}}'
"#
        );
        YamlLoader::load_from_str(&text).unwrap().remove(0)
    }

    #[test]
    fn widgets_and_alarms_are_read_as_cloudwatch_names_them() {
        let t = template("{}", "{}");
        let reads: Vec<MetricId> = dashboard_reads(&t).into_iter().map(|r| r.metric).collect();
        assert_eq!(
            reads[0],
            MetricId::new("AWS/ApiGateway", "Count", &["ApiId", "Stage", "Route"])
        );
        assert_eq!(
            reads[1],
            MetricId::new("AWS/ApiGateway", "5xx", &["ApiId", "Stage", "Route"]),
            "\".\" repeats"
        );
        assert_eq!(reads[2], MetricId::new("GLChat", "Reads", &["route", "tenant"]));
        let alarms: Vec<MetricId> = alarm_reads(&t).into_iter().map(|r| r.metric).collect();
        assert_eq!(alarms, [MetricId::new("AWS/ApiGateway", "5xx", &["ApiId", "Stage"])]);
    }

    #[test]
    fn route_and_request_metrics_exist_only_when_the_template_turns_them_on() {
        let per_route = MetricId::new("AWS/ApiGateway", "Count", &["ApiId", "Method", "Resource", "Stage"]);
        let s3 = MetricId::new("AWS/S3", "5xxErrors", &["BucketName", "FilterId"]);
        let off = published(&template("{}", "{}"));
        assert!(!off.contains(&per_route) && !off.contains(&s3));
        let on = published(&template(
            "{ DetailedMetricsEnabled: true }",
            "{ MetricsConfigurations: [{ Id: EntireBucket }] }",
        ));
        assert!(on.contains(&per_route) && on.contains(&s3));
        assert!(on.contains(&MetricId::new("AWS/ApiGateway", "5xx", &["ApiId", "Stage"])));
        let route = MetricId::new("AWS/ApiGateway", "Count", &["ApiId", "Stage", "Route"]);
        assert!(!on.contains(&route), "HTTP APIs have no Route dimension");
    }
}
