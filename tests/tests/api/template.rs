//! `template.yaml` agrees with the code: the table with `store::schema`, the functions
//! and their events with the route and trigger tables.

use std::collections::BTreeSet;
use std::time::Duration;

use glchat_app::config::{Needs, SecretStore, VARIABLES, deployed_variables, secret_stores};
use glchat_app::store::schema::SCHEMA;
use yaml_rust2::Yaml;

pub(crate) use glchat_tests::template::{function_of, template};

fn str_of(y: &Yaml) -> String {
    y.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {y:?}"))
        .to_owned()
}

fn key_schema(y: &Yaml) -> Vec<(String, String)> {
    y.as_vec()
        .expect("a KeySchema list")
        .iter()
        .map(|k| (str_of(&k["AttributeName"]), str_of(&k["KeyType"])))
        .collect()
}

#[test]
fn template_matches_schema() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    let attributes: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_vec()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| (str_of(&a["AttributeName"]), str_of(&a["AttributeType"])))
        .collect();
    let expected: BTreeSet<(String, String)> = SCHEMA
        .key_attributes()
        .into_iter()
        .map(|a| (a.to_owned(), "S".to_owned()))
        .collect();
    assert_eq!(attributes, expected);
    assert_eq!(
        key_schema(&table["KeySchema"]),
        [
            (SCHEMA.partition_key.to_owned(), "HASH".to_owned()),
            (SCHEMA.sort_key.to_owned(), "RANGE".to_owned())
        ]
    );
    let indexes = table["GlobalSecondaryIndexes"]
        .as_vec()
        .expect("GlobalSecondaryIndexes");
    assert_eq!(indexes.len(), SCHEMA.indexes.len());
    for (yaml, index) in indexes.iter().zip(SCHEMA.indexes) {
        assert_eq!(str_of(&yaml["IndexName"]), index.name);
        assert_eq!(
            key_schema(&yaml["KeySchema"]),
            [
                (index.partition_key.to_owned(), "HASH".to_owned()),
                (index.sort_key.to_owned(), "RANGE".to_owned())
            ]
        );
        let projection = if index.keys_only { "KEYS_ONLY" } else { "ALL" };
        assert_eq!(str_of(&yaml["Projection"]["ProjectionType"]), projection);
    }
    assert_eq!(
        str_of(&table["TimeToLiveSpecification"]["AttributeName"]),
        SCHEMA.ttl_attribute
    );
    assert_eq!(str_of(&table["BillingMode"]), "PAY_PER_REQUEST");
}

/// What a function is in the code (`routes`, `triggers`) and must be in the template:
/// its binary, what its Lambda needs and its timeout.
fn functions_in_code() -> Vec<(&'static str, Needs, Duration)> {
    let routes = glchat_functions::routes::routes()
        .into_iter()
        .map(|r| (r.name, r.needs, r.timeout));
    let triggers = glchat_functions::triggers::triggers()
        .into_iter()
        .map(|t| (t.name, t.needs, t.timeout));
    routes.chain(triggers).collect()
}

#[test]
fn template_has_one_function_per_route_and_trigger() {
    let template = template();
    let resources = template["Resources"].as_hash().expect("Resources");
    let functions: Vec<(String, String, String)> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|f| {
            let events = f["Properties"]["Events"]
                .as_hash()
                .expect("every function has its event");
            let (_, event) = events.iter().next().expect("one event");
            let source = match str_of(&event["Type"]).as_str() {
                "HttpApi" => format!(
                    "{} {}",
                    str_of(&event["Properties"]["Method"]),
                    str_of(&event["Properties"]["Path"])
                ),
                other => other.to_owned(),
            };
            (
                str_of(&f["Metadata"]["BuildProperties"]["Binary"]),
                source,
                events.len().to_string(),
            )
        })
        .collect();
    let mut from_template: Vec<_> = functions.clone();
    from_template.sort();
    let routes = glchat_functions::routes::routes()
        .into_iter()
        .map(|r| (r.name.to_owned(), format!("{} {}", r.method, r.path), "1".to_owned()));
    let triggers = glchat_functions::triggers::triggers()
        .into_iter()
        .map(|t| (t.name.to_owned(), t.source.to_owned(), "1".to_owned()));
    let mut from_code: Vec<_> = routes.chain(triggers).collect();
    from_code.sort();
    assert_eq!(from_template, from_code);
    for (binary, _, _) in &functions {
        let main = format!("{}/../functions/src/bin/{binary}.rs", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&main).exists(), "no Lambda binary {main}");
    }
}

/// Each function gets exactly the environment its handler's `NEEDS` read
/// (`config::VARIABLES`): no secret reaches a function that does not use it.
#[test]
fn each_function_gets_only_the_environment_it_reads() {
    let template = template();
    let names = |vars: &Yaml| -> BTreeSet<String> {
        vars.as_hash()
            .map(|h| h.keys().map(str_of).collect())
            .unwrap_or_default()
    };
    let global = names(&template["Globals"]["Function"]["Environment"]["Variables"]);
    // Settings of the runtime, not of the configuration.
    let runtime = BTreeSet::from(["AWS_EC2_METADATA_DISABLED".to_owned(), "RUST_LOG".to_owned()]);
    assert!(global.is_superset(&runtime), "{global:?}");
    for (name, needs, _) in functions_in_code() {
        let function = function_of(&template, name);
        let mut environment = names(&function["Properties"]["Environment"]["Variables"]);
        environment.extend(global.iter().cloned());
        let mut expected: BTreeSet<String> = deployed_variables(needs).into_iter().map(str::to_owned).collect();
        expected.extend(runtime.iter().cloned());
        assert_eq!(environment, expected, "{name}");
    }
    // The public read holds no token key, and only the title function the LLM key.
    let env_of = |name: &str| {
        let route = glchat_functions::routes::routes()
            .into_iter()
            .find(|r| r.name == name)
            .unwrap();
        deployed_variables(route.needs)
    };
    assert!(!env_of("get_shared_conversation").contains("AUTH_SECRETS_ARN"));
    let with_llm_key: Vec<_> = glchat_functions::routes::routes()
        .into_iter()
        .filter(|r| deployed_variables(r.needs).contains("LLM_SECRETS_ARN"))
        .map(|r| r.name)
        .collect();
    assert_eq!(with_llm_key, ["generate_title"]);
}

/// No secret is in any function's environment: each function names the stores it uses
/// by ARN, all the tenant's one secret (one secret a tenant, $0.40 a month, not one per
/// purpose: docs/fleet.md), which its role may read (`secretsmanager:GetSecretValue`)
/// exactly when it reads a store; the secret holds every store's variables.
#[test]
fn secrets_are_read_from_their_store_by_the_functions_that_use_them_only() {
    use glchat_tests::template::policy_statements;

    let template = template();
    let secret_names: BTreeSet<&str> = VARIABLES
        .iter()
        .filter(|v| v.secret.is_some())
        .map(|v| v.name)
        .collect();
    let secrets: Vec<&str> = glchat_fleet::template::resources(&template, "AWS::SecretsManager::Secret")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(secrets, ["TenantSecrets"]);
    for (name, needs, _) in functions_in_code() {
        let function = function_of(&template, name);
        let environment = &function["Properties"]["Environment"]["Variables"];
        for secret in &secret_names {
            assert!(
                environment[*secret].is_badvalue(),
                "{name} has {secret} in its environment"
            );
        }
        let stores = secret_stores(needs);
        let mut readable: BTreeSet<String> = BTreeSet::new();
        for statement in policy_statements(&template, function) {
            let actions: Vec<&str> = statement["Action"]
                .as_vec()
                .into_iter()
                .flatten()
                .filter_map(Yaml::as_str)
                .collect();
            if actions.iter().any(|a| a.starts_with("secretsmanager:")) {
                assert_eq!(actions, ["secretsmanager:GetSecretValue"], "{name}");
                readable.insert(str_of(&statement["Resource"]));
            }
        }
        let expected: BTreeSet<String> = match stores.is_empty() {
            true => BTreeSet::new(),
            false => BTreeSet::from(["TenantSecrets".to_owned()]),
        };
        assert_eq!(readable, expected, "{name}'s role reads the secret if it reads a store");
        for store in &stores {
            assert_eq!(str_of(&environment[store.arn_variable()]), "TenantSecrets", "{name}");
        }
    }
    let properties = &template["Resources"]["TenantSecrets"]["Properties"];
    let generated = &properties["GenerateSecretString"];
    let text = str_of(&generated["SecretStringTemplate"]);
    let generated_key = str_of(&generated["GenerateStringKey"]);
    for store in [SecretStore::Auth, SecretStore::Cursors, SecretStore::Llm] {
        for variable in store.variables() {
            assert!(
                text.contains(&format!("\"{variable}\":")) || generated_key == *variable,
                "{store:?} holds {variable}"
            );
        }
    }
}

/// Each function's `Timeout` is its route's, which the local API enforces, and a
/// route's is under HTTP API's 30 s integration timeout.
#[test]
fn function_timeouts_match_the_routes() {
    let template = template();
    let global = template["Globals"]["Function"]["Timeout"]
        .as_i64()
        .expect("Globals Timeout");
    for (name, _, timeout) in functions_in_code() {
        let function = function_of(&template, name);
        let seconds = function["Properties"]["Timeout"].as_i64().unwrap_or(global);
        assert_eq!(Duration::from_secs(seconds as u64), timeout, "{name}");
        let routed = glchat_functions::routes::routes().iter().any(|r| r.name == name);
        assert!(
            !routed || timeout < glchat_functions::gateway::INTEGRATION_TIMEOUT,
            "{name}"
        );
    }
}

/// Operable per tenant and per account-region: every function writes to a declared log
/// group kept for the tenant's retention, which its role may write; every failure is
/// watched by its account-region's alarms, which read Lambda's account-level metrics
/// (every function of every tenant) and the functions' 5xx, or by the tenant's own; and
/// every alarm names the runbook section of its first response, on a topic.
#[test]
fn every_function_has_a_kept_log_group_and_alarms() {
    use glchat_tests::template::policy_statements;

    let template = template();
    let region = glchat_fleet::template::region();
    let by_name = |name: &str| &template["Resources"][name];
    for (name, _, _) in functions_in_code() {
        let function = function_of(&template, name);
        let logs = str_of(&function["Properties"]["LoggingConfig"]["LogGroup"]);
        let group = by_name(&logs);
        assert_eq!(str_of(&group["Type"]), "AWS::Logs::LogGroup", "{name}");
        assert_eq!(
            str_of(&group["Properties"]["RetentionInDays"]),
            "LogRetentionDays",
            "{name}"
        );
        let writable = policy_statements(&template, function).into_iter().any(|s| {
            s["Action"]
                .as_vec()
                .is_some_and(|a| a.iter().any(|a| a.as_str() == Some("logs:PutLogEvents")))
                && s["Resource"]
                    .as_vec()
                    .is_some_and(|r| r.iter().any(|r| r.as_str() == Some(&format!("{logs}.Arn"))))
        });
        assert!(writable, "{name}'s role may not write {logs}");
    }
    // The account-region's alarms on every function: Lambda's metrics without a
    // dimension, which add up every function of the account-region.
    let alarms = glchat_fleet::template::resources(&region, "AWS::CloudWatch::Alarm");
    for metric in ["Errors", "Throttles", "Duration"] {
        let alarm = alarms.iter().find(|(_, a)| {
            a["Properties"]["Namespace"].as_str() == Some("AWS/Lambda")
                && a["Properties"]["MetricName"].as_str() == Some(metric)
        });
        let (_, alarm) = alarm.unwrap_or_else(|| panic!("no account-region alarm on {metric}"));
        assert!(
            alarm["Properties"]["Dimensions"].is_badvalue(),
            "{metric}: every function"
        );
    }
    // Every alarm tells the operator where its first response is written down, and
    // pages through a topic within five minutes of the failure.
    let runbook = include_str!("../../../docs/runbook.md");
    let tenant_alarms = glchat_fleet::template::resources(&template, "AWS::CloudWatch::Alarm");
    assert!(!tenant_alarms.is_empty() && alarms.len() >= 6);
    for (name, alarm) in tenant_alarms.into_iter().chain(alarms) {
        let properties = &alarm["Properties"];
        let description = str_of(&properties["AlarmDescription"]);
        let anchor = description
            .split("docs/runbook.md#")
            .nth(1)
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{description} names no runbook section"));
        let heading = format!("\n## {}\n", anchor.replace('-', " "));
        assert!(
            runbook.to_lowercase().contains(&heading),
            "docs/runbook.md has no section {heading:?}"
        );
        assert!(
            runbook.contains(&format!("`{name}`")),
            "docs/runbook.md's failure table does not name {name}"
        );
        assert!(!properties["AlarmActions"][0].is_badvalue(), "{name} pages no one");
        let period = properties["Period"]
            .as_i64()
            .or_else(|| properties["Metrics"][1]["MetricStat"]["Period"].as_i64())
            .unwrap_or_else(|| panic!("{name}: a period"));
        let periods = properties["EvaluationPeriods"].as_i64().unwrap_or(0);
        assert!(period * periods <= 300, "{name} takes {}s to raise", period * periods);
    }
}

/// The account-region dashboard's tenant tables read the tenant's access log, whose
/// format carries the fields they group and measure, and its queries over the
/// functions' lines read every log group a tenant stack has (`TENANT_ID` is the
/// dashboard's Tenant box).
#[test]
fn the_dashboard_queries_log_groups_and_fields_that_exist() {
    let template = template();
    let region = glchat_fleet::template::region();
    let body: serde_json::Value = serde_json::from_str(&str_of(
        &region["Resources"]["Dashboard"]["Properties"]["DashboardBody"],
    ))
    .expect("the dashboard body is JSON");
    let variable = &body["variables"][0];
    assert_eq!(
        (variable["type"].as_str(), variable["pattern"].as_str()),
        (Some("pattern"), Some("TENANT_ID"))
    );
    let queries: Vec<(String, String)> = body["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .filter_map(|w| {
            let title = w["properties"]["title"].as_str()?;
            Some((title.to_owned(), w["properties"]["query"].as_str()?.to_owned()))
        })
        .collect();
    let query = |title: &str| {
        queries
            .iter()
            .find(|(t, _)| t == title)
            .map(|(_, q)| q.as_str())
            .unwrap_or_else(|| panic!("no widget {title}"))
    };
    let as_shown = |group: &Yaml| str_of(group).replace("${TenantId}", "TENANT_ID");
    let access = &template["Resources"]["ApiAccessLogs"]["Properties"]["LogGroupName"];
    let access_format = str_of(&template["Resources"]["Api"]["Properties"]["AccessLogSettings"]["Format"]);
    for title in [
        "Tenant: requests and latency per route (access log)",
        "Tenant: 5xx per route (access log)",
    ] {
        let q = query(title);
        assert!(q.starts_with(&format!("SOURCE '{}'", as_shown(access))), "{title}: {q}");
        for field in ["route", "status", "latencyMs"].into_iter().filter(|f| q.contains(f)) {
            assert!(
                access_format.contains(&format!("\"{field}\"")),
                "{title}: {field} is not logged"
            );
        }
    }
    for title in [
        "Tenant: cold starts and init duration (ms)",
        "Tenant: DynamoDB calls and capacity per route (invocation lines)",
    ] {
        let q = query(title);
        for (name, resource) in template["Resources"].as_hash().unwrap() {
            if resource["Type"].as_str() == Some("AWS::Logs::LogGroup") && str_of(name) != "ApiAccessLogs" {
                let group = as_shown(&resource["Properties"]["LogGroupName"]);
                assert!(q.contains(&format!("SOURCE '{group}'")), "{group} is not in {title}");
            }
        }
    }
    // The table the tenant rows chart is the tenant stack's table, by name.
    assert_eq!(
        as_shown(&template["Resources"]["Table"]["Properties"]["TableName"]),
        "glchat-TENANT_ID"
    );
    // The invocation line's fields, as `functions::lambda` writes them.
    let lines = query("Tenant: DynamoDB calls and capacity per route (invocation lines)");
    for field in [
        "message = \"invocation\"",
        "dynamodb_calls",
        "read_units",
        "write_units",
        "by span.route",
    ] {
        assert!(lines.contains(field), "{field}: {lines}");
    }
}

/// X-Ray is the tenant's choice, off by default: every function samples into it only
/// when `ActiveTracing` is "true" (SAM turns the condition into each `TracingConfig`).
#[test]
fn active_tracing_is_a_tenant_parameter_off_by_default() {
    let template = template();
    assert_eq!(str_of(&template["Parameters"]["ActiveTracing"]["Default"]), "false");
    let tracing: Vec<String> = template["Globals"]["Function"]["Tracing"]
        .as_vec()
        .expect("Tracing: !If [...]")
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(tracing, ["TracingOn", "Active", "PassThrough"]);
    let condition: Vec<String> = template["Conditions"]["TracingOn"]
        .as_vec()
        .expect("TracingOn: !Equals [...]")
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(condition, ["ActiveTracing", "true"]);
}

/// A template value as a deployment of `tenant` with the template's defaults would set
/// it: a parameter's default (the tenant id for `TenantId`), a stand-in for a
/// resource (a secret's ARN, a table's name), a `!Join` joined, a literal as written.
fn deployed_value(template: &Yaml, value: &Yaml, tenant: &str) -> String {
    match value {
        // `!If [condition, then, else]`: every condition is false with the defaults (each
        // turns on a parameter set away from its default).
        Yaml::Array(branches) if !template["Conditions"][branches[0].as_str().unwrap_or("")].is_badvalue() => {
            deployed_value(template, &branches[2], tenant)
        }
        // An export of the account-region's stack (`infra/region.yaml`).
        Yaml::Hash(map) if map.contains_key(&Yaml::String("Fn::ImportValue".into())) => {
            let export = str_of(&value["Fn::ImportValue"]);
            let name = export.rsplit('-').next().unwrap_or_default().trim_end_matches("Arn");
            format!(
                "arn:aws:events:us-east-1:000000000000:event-bus/glchat-{}",
                name.to_lowercase()
            )
        }
        Yaml::Array(join) => {
            let separator = join[0]
                .as_str()
                .unwrap_or_else(|| panic!("a !Join {join:?}"))
                .to_owned();
            let parts: Vec<String> = match &join[1] {
                Yaml::Array(items) => items.iter().map(|i| deployed_value(template, i, tenant)).collect(),
                one => vec![deployed_value(template, one, tenant)],
            };
            parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(&separator)
        }
        Yaml::Integer(n) => n.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => {
            let raw = value
                .as_str()
                .unwrap_or_else(|| panic!("an environment value {value:?}"))
                .to_owned();
            let parameter = &template["Parameters"][raw.as_str()];
            let resource = &template["Resources"][raw.as_str()];
            if raw == "TenantId" {
                tenant.to_owned()
            } else if !parameter.is_badvalue() {
                match &parameter["Default"] {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(n) => n.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r.clone(),
                    _ => String::new(),
                }
            } else if resource["Type"].as_str() == Some("AWS::SecretsManager::Secret") {
                format!("arn:aws:secretsmanager:us-east-1:000000000000:secret:glchat/{tenant}/{raw}-AbCdEf")
            } else if !resource.is_badvalue() {
                format!("glchat-{tenant}-{}", raw.to_lowercase())
            } else {
                raw
            }
        }
    }
}

/// Every function starts from what a deployment gives it and nothing else: its
/// environment in the template (defaults, a tenant id) and the secrets its ARN
/// variables name, as Secrets Manager would hand them over. Its configuration builds,
/// and so does every client and key its needs ask for, none that they do not.
#[test]
fn each_function_starts_from_the_template_environment_alone() {
    use glchat_app::clock::SystemClock;
    use glchat_app::deps::Deps;
    use std::collections::HashMap;
    use std::sync::Arc;

    let template = template();
    let tenant = "acme";
    // What the tenant puts in its secrets, by store: the required keys only.
    let stored = |store: SecretStore| -> Vec<(&str, &str)> {
        match store {
            SecretStore::Auth => vec![("JWT_SECRET", "a-jwt-secret-of-at-least-32-characters")],
            SecretStore::Cursors => vec![("CURSOR_SECRET", "a-cursor-secret-of-at-least-32-chars")],
            SecretStore::Llm => vec![("LLM_API_KEY", "sk-a-key")],
        }
    };
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    for (name, needs, _) in functions_in_code() {
        let function = function_of(&template, name);
        let mut environment: HashMap<String, String> = HashMap::new();
        for variables in [
            &template["Globals"]["Function"]["Environment"]["Variables"],
            &function["Properties"]["Environment"]["Variables"],
        ] {
            for (k, v) in variables.as_hash().into_iter().flatten() {
                environment.insert(str_of(k), deployed_value(&template, v, tenant));
            }
        }
        // The secrets of each store whose ARN the function is given.
        let mut secrets = HashMap::new();
        for store in secret_stores(needs) {
            if environment.contains_key(store.arn_variable()) {
                secrets.extend(stored(store).into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
            }
        }
        let lookup = |k: &str| secrets.get(k).or_else(|| environment.get(k)).cloned();
        let config = glchat_app::config::Config::from_lookup(needs, lookup)
            .unwrap_or_else(|e| panic!("{name}: its configuration from the template: {e}"));
        let sections = [
            (config.bucket.is_some(), needs.bucket),
            (config.auth.is_some(), needs.auth),
            (config.lists.is_some(), needs.cursors),
            (config.titles.is_some(), needs.llm),
            (config.uploads.is_some(), needs.uploads),
            (config.bulk_delete.is_some(), needs.bulk_delete),
            (config.clones.is_some(), needs.clones),
            (config.shares.is_some(), needs.shares),
            (config.events.is_some(), needs.events),
        ];
        for (i, (read, needed)) in sections.into_iter().enumerate() {
            assert_eq!(read, needed, "{name}: section {i}");
        }
        let deps = Deps::new(config, &sdk, Arc::new(SystemClock))
            .unwrap_or_else(|e| panic!("{name}: its clients and keys: {e:#}"));
        assert_eq!(deps.blobs().is_ok(), needs.bucket, "{name}: the bucket");
        assert_eq!(deps.bus().is_ok(), needs.events, "{name}: the bus");
        assert_eq!(deps.authenticator().is_ok(), needs.auth, "{name}: the authenticator");
        assert_eq!(deps.cursors().is_ok(), needs.cursors, "{name}: the cursor signer");
        assert_eq!(deps.titles().is_ok(), needs.llm, "{name}: the title generator");
    }
}

/// A stream function's event source in the template filters and batches the records
/// as its trigger says (`glchat_functions::triggers`, which `make run` and the tests
/// hand records by).
#[test]
fn stream_event_sources_filter_and_batch_as_their_triggers_say() {
    let template = template();
    let streamed: Vec<_> = glchat_functions::triggers::triggers()
        .into_iter()
        .filter(|t| t.source == "DynamoDB")
        .collect();
    assert_eq!(streamed.len(), 2, "the deletion events' publisher and the jobs");
    for trigger in streamed {
        let function = function_of(&template, trigger.name);
        let (_, event) = function["Properties"]["Events"]
            .as_hash()
            .unwrap()
            .iter()
            .next()
            .unwrap();
        let source = &event["Properties"];
        let patterns: Vec<String> = source["FilterCriteria"]["Filters"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|f| str_of(&f["Pattern"]))
            .collect();
        assert_eq!(patterns, trigger.filters, "{}", trigger.name);
        assert_eq!(
            source["BatchSize"].as_i64(),
            Some(trigger.batch_size as i64),
            "{}",
            trigger.name
        );
    }
}
