//! The fleet offline at size: 1,000 tenant files over four accounts of two regions
//! each, validated together, placed, and planned as a release, with the quota
//! arithmetic of the real templates; and each kind of bad fleet refused with a line that
//! names its file, before any AWS call.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use glchat_fleet::release::{self, Options};
use glchat_fleet::stack::quota_use;
use glchat_fleet::template;
use glchat_fleet::tenants::{Capacity, Fleet, generate};

const REGIONS: [&str; 2] = ["ap-southeast-1", "eu-west-1"];

fn capacity() -> Capacity {
    Capacity::from_quotas(&quota_use(&template::tenant(), &template::region()))
}

/// A fresh folder of this test's own.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glchat-fleet-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load(dir: &Path) -> Result<Fleet, Vec<String>> {
    Fleet::load(&dir.join("accounts.json"), &dir.join("tenants"), capacity()).map_err(|p| p.0)
}

fn write(dir: &Path, name: &str, value: serde_json::Value) {
    std::fs::write(dir.join("tenants").join(name), value.to_string()).unwrap();
}

#[test]
fn a_thousand_tenants_validate_place_and_plan_offline() {
    let dir = folder("thousand");
    generate(&dir, 1_000, 4, &REGIONS).unwrap();
    let fleet = load(&dir).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(fleet.tenants.len(), 1_000);
    let places = fleet.by_account_region();
    assert_eq!(places.len(), 8);
    assert!(places.values().all(|t| t.len() == 125));

    // The quotas of the real templates: at least 250 tenants per account-region.
    let (per_region, binding) = fleet.capacity.per_account_region();
    let (per_account, account_binding) = fleet.capacity.per_account();
    assert!(per_region >= 250, "{per_region} per account-region ({binding})");
    assert!(per_account >= 250, "{per_account} per account ({account_binding})");

    // A new tenant goes where there is most room: every account-region holds 125, so
    // the first of them; in a region given, that region.
    let placed = fleet.place("newcomer", Some("eu-west-1")).unwrap();
    assert_eq!(placed.place.region, "eu-west-1");
    assert_eq!(placed.room, (per_region - 125).min(per_account - 250));

    let plan = release::plan(&fleet, Options::default());
    let sizes: Vec<usize> = plan.waves.iter().map(|w| w.tenants.len()).collect();
    assert_eq!(
        sizes,
        [1, 4, 16, 64, 256, 659],
        "a canary, then waves four times larger"
    );
    assert_eq!(plan.waves[0].tenants[0].id, "tenant-0000", "the canary first");
    let released: BTreeSet<&str> = plan
        .waves
        .iter()
        .flat_map(|w| w.tenants.iter().map(|t| t.id.as_str()))
        .collect();
    assert_eq!(released.len(), 1_000, "every tenant once");
    // The second wave reaches four account-regions, not one.
    let second: BTreeSet<_> = plan.waves[1].tenants.iter().map(|t| t.account_region()).collect();
    assert_eq!(second.len(), 4);
    // At most 10 stack updates at once per account-region: 80 in the last waves.
    assert_eq!(plan.waves.last().unwrap().parallelism, 80);
    let options = Options::default();
    // The last wave: 659 over 8 account-regions is 83 in the busiest, 9 rounds of 11 min.
    assert_eq!(plan.waves.last().unwrap().minutes, 9.0 * options.tenant_minutes());
    let minutes = plan.minutes();
    assert!(
        (150.0..300.0).contains(&minutes),
        "a release to 1,000 tenants takes {minutes} min"
    );
    let text = plan.text("abc1234");
    assert!(text.contains("1000 tenants in 6 waves"), "{text}");
    assert!(
        text.contains(&format!("estimated duration: {minutes:.0} min")),
        "{text}"
    );

    // The engine's input: each tenant's role in its own account, its region's
    // template, the secrets kept as deployed, the release's version set.
    let secrets = template::secret_parameters(&template::tenant());
    assert!(secrets.contains(&"JwtSecret".to_owned()) && secrets.contains(&"LlmApiKey".to_owned()));
    let items = release::items(&plan, "abc1234", &secrets, &|region| {
        format!("https://b-{region}/t.yaml")
    });
    assert_eq!(items.iter().map(Vec::len).sum::<usize>(), 1_000);
    for item in items.iter().flatten() {
        assert!(item.role.starts_with(&format!("arn:aws:iam::{}:role/", item.account)));
        assert_eq!(item.template_url, format!("https://b-{}/t.yaml", item.region));
        let json = serde_json::to_value(item).unwrap();
        let parameters = json["parameters"].as_array().unwrap();
        let value = |key: &str| parameters.iter().find(|p| p["ParameterKey"] == key).cloned();
        assert_eq!(value("Version").unwrap()["ParameterValue"], "abc1234");
        assert_eq!(value("TenantId").unwrap()["ParameterValue"], item.tenant.as_str());
        assert_eq!(value("JwtSecret").unwrap()["UsePreviousValue"], true);
        assert!(
            value("JwtSecret").unwrap().get("ParameterValue").is_none(),
            "no secret in the plan"
        );
        let triggers = json["rollback_triggers"].as_array().unwrap();
        assert_eq!(triggers.len(), 2);
        for trigger in triggers {
            assert_eq!(trigger["Type"], "AWS::CloudWatch::Alarm");
            let arn = trigger["Arn"].as_str().unwrap();
            assert!(arn.starts_with(&format!(
                "arn:aws:cloudwatch:{}:{}:alarm:glchat-",
                item.region, item.account
            )));
        }
        // A failed smoke request puts the previous template back with every value as
        // deployed, and a version that says so.
        let back = json["rollback_parameters"].as_array().unwrap();
        assert_eq!(back.len(), parameters.len());
        for p in back {
            match p["ParameterKey"].as_str().unwrap() {
                "Version" => assert_eq!(p["ParameterValue"], "rollback-of-abc1234"),
                _ => assert_eq!(p["UsePreviousValue"], true, "{p}"),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_fleets_are_refused_naming_the_file() {
    let dir = folder("bad");
    generate(&dir, 6, 2, &["ap-southeast-1"]).unwrap();
    assert!(load(&dir).is_ok());
    let problems = |dir: &Path| load(dir).err().unwrap_or_default().join("\n");

    // An account the accounts file does not list; a region the account does not use.
    write(
        &dir,
        "stranger.json",
        serde_json::json!({"tenant_id": "stranger", "account": "999999999999", "region": "ap-southeast-1"}),
    );
    write(
        &dir,
        "faraway.json",
        serde_json::json!({"tenant_id": "faraway", "account": "100000000000", "region": "us-west-2"}),
    );
    // One tenant id in two files.
    write(
        &dir,
        "copy.json",
        serde_json::json!({"tenant_id": "tenant-0001", "account": "100000000001", "region": "ap-southeast-1"}),
    );
    // Two stacks of one name in one account-region.
    write(
        &dir,
        "left.json",
        serde_json::json!({"tenant_id": "left", "account": "100000000000", "region": "ap-southeast-1", "stack_name": "glchat-shared"}),
    );
    write(
        &dir,
        "right.json",
        serde_json::json!({"tenant_id": "right", "account": "100000000000", "region": "ap-southeast-1", "stack_name": "glchat-shared"}),
    );
    // A role of another account.
    write(
        &dir,
        "borrower.json",
        serde_json::json!({"tenant_id": "borrower", "account": "100000000000", "region": "ap-southeast-1", "role": "arn:aws:iam::100000000001:role/x"}),
    );
    let said = problems(&dir);
    for expected in [
        "stranger.json: account 999999999999 is not in infra/accounts.json",
        "faraway.json: account 100000000000 (fleet-1) does not use region us-west-2",
        "copy.json: the file must be named tenant-0001.json",
        "tenant-0001.json: tenant id tenant-0001 is already",
        "right.json: stack glchat-shared in 100000000000/ap-southeast-1 is already",
        "borrower.json: role \"arn:aws:iam::100000000001:role/x\" is not a role of account 100000000000",
    ] {
        assert!(said.contains(expected), "not said: {expected}\n{said}");
    }

    // An account-region past its quotas, and then nowhere to place a new tenant.
    let full = folder("full");
    let (per_account, quota) = capacity().per_account();
    assert_eq!(quota, "IAM roles");
    generate(&full, per_account + 1, 1, &["eu-west-1"]).unwrap();
    let said = problems(&full);
    assert!(
        said.contains(&format!(
            "account 100000000000 (fleet-1) is full: {} tenants over its regions, {per_account} fit",
            per_account + 1
        )),
        "{said}"
    );
    let (per_region, quota) = capacity().per_region();
    assert_eq!(quota, "Regional APIs (API Gateway, HTTP APIs among them)");
    let crowded = folder("crowded");
    generate(&crowded, per_region + 1, 2, &["eu-west-1"]).unwrap();
    // Two accounts of one region each: 301 tenants each stay under the roles, and no
    // account-region is past 600 APIs either.
    assert!(load(&crowded).is_ok());
    let exactly = folder("exactly");
    generate(&exactly, per_account, 1, &["eu-west-1"]).unwrap();
    let fleet = load(&exactly).unwrap();
    let refused = fleet.place("one-more", None).unwrap_err();
    assert!(
        refused.contains("every account-region is full: add an account"),
        "{refused}"
    );
    assert!(
        fleet
            .place("tenant-0003", None)
            .unwrap_err()
            .contains("already has a file")
    );
    for d in [dir, full, crowded, exactly] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The engine reads what the plan writes: every `$.tenant.<field>` of
/// `infra/release.yaml` is a field of a plan's item, every input field it reads is in
/// the execution input `glchat-fleet plan --out` writes, and the alarms that roll a
/// tenant back are alarms of `infra/region.yaml`.
#[test]
fn the_engine_reads_the_plans_fields() {
    let engine = std::fs::read_to_string(template::root().join("infra/release.yaml")).unwrap();
    let dir = folder("engine");
    generate(&dir, 3, 1, &["eu-west-1"]).unwrap();
    let fleet = load(&dir).unwrap();
    let plan = release::plan(&fleet, Options::default());
    let items = release::items(&plan, "v1", &[], &|r| format!("https://t/{r}"));
    let item = serde_json::to_value(&items[0][0]).unwrap();
    let fields: BTreeSet<&str> = engine
        .split("$.tenant.")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
        })
        .collect();
    assert!(fields.len() >= 6, "{fields:?}");
    for field in &fields {
        assert!(
            !item[*field].is_null(),
            "the engine reads $.tenant.{field}, which a plan's item lacks"
        );
    }
    for input in [
        "$.waves",
        "$.bucket",
        "$.current.wave.key",
        "$.current.wave.max_concurrency",
        "$.release.version",
    ] {
        assert!(engine.contains(input), "{input}");
    }
    let region = std::fs::read_to_string(template::root().join("infra/region.yaml")).unwrap();
    for alarm in release::ROLLBACK_ALARMS {
        assert!(region.contains(&format!("AlarmName: {alarm}\n")), "{alarm}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The engine's state machine holds together (cfn-lint checks each state's shape, not
/// where it leads): in it and in each Map's processor, every transition names a state
/// of the same machine, every state is reached from `StartAt`, and every state that is
/// not an end leads somewhere.
#[test]
fn the_engines_states_are_connected() {
    use yaml_rust2::Yaml;

    fn check(machine: &Yaml, at: &str, problems: &mut Vec<String>) {
        let states = machine["States"].as_hash().expect("States");
        let names: BTreeSet<&str> = states.keys().filter_map(Yaml::as_str).collect();
        let mut edges: Vec<(&str, &str)> = Vec::new();
        for (name, state) in states {
            let name = name.as_str().unwrap();
            let kind = state["Type"].as_str().unwrap_or("");
            let mut targets: Vec<&str> = Vec::new();
            targets.extend(state["Next"].as_str());
            targets.extend(state["Default"].as_str());
            for list in ["Choices", "Catch"] {
                for item in state[list].as_vec().into_iter().flatten() {
                    targets.extend(item["Next"].as_str());
                }
            }
            let ends = matches!(kind, "Succeed" | "Fail") || state["End"].as_bool() == Some(true);
            if targets.is_empty() && !ends {
                problems.push(format!("{at}/{name} ({kind}) leads nowhere"));
            }
            for target in targets {
                if !names.contains(target) {
                    problems.push(format!("{at}/{name} leads to {target}, no state of {at}"));
                }
                edges.push((name, target));
            }
            if !state["ItemProcessor"].is_badvalue() {
                check(&state["ItemProcessor"], &format!("{at}/{name}"), problems);
            }
        }
        let start = machine["StartAt"].as_str().expect("StartAt");
        let mut reached = BTreeSet::from([start]);
        let mut frontier = vec![start];
        while let Some(from) = frontier.pop() {
            for (_, to) in edges.iter().filter(|(f, _)| *f == from) {
                if reached.insert(to) {
                    frontier.push(to);
                }
            }
        }
        for name in names.difference(&reached) {
            problems.push(format!("{at}/{name} is never reached"));
        }
    }

    let engine = template::load(&template::root().join("infra/release.yaml")).unwrap();
    let definition = &engine["Resources"]["Engine"]["Properties"]["Definition"];
    let mut problems = Vec::new();
    check(definition, "Engine", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");

    // And the check finds a broken machine.
    let broken = yaml_rust2::YamlLoader::load_from_str(
        "StartAt: A\nStates:\n  A: { Type: Pass, Next: Gone }\n  B: { Type: Succeed }\n  C: { Type: Task }\n",
    )
    .unwrap()
    .remove(0);
    let mut found = Vec::new();
    check(&broken, "M", &mut found);
    assert_eq!(found.len(), 4, "{found:#?}");
}
