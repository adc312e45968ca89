//! `template.yaml` agrees with the code: the table with `store::schema`, the functions
//! and their HTTP events with the route table.

use std::collections::BTreeSet;

use glchat_shared::store::schema::SCHEMA;
use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let text = include_str!("../../../template.yaml");
    YamlLoader::load_from_str(text).expect("template.yaml parses").remove(0)
}

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
        assert_eq!(str_of(&yaml["Projection"]["ProjectionType"]), "ALL");
    }
    assert_eq!(
        str_of(&table["TimeToLiveSpecification"]["AttributeName"]),
        SCHEMA.ttl_attribute
    );
    assert_eq!(str_of(&table["BillingMode"]), "PAY_PER_REQUEST");
}

#[test]
fn template_has_one_function_per_route() {
    let template = template();
    let resources = template["Resources"].as_hash().expect("Resources");
    let functions: Vec<(String, String, String)> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|f| {
            let event = &f["Properties"]["Events"]["Http"]["Properties"];
            (
                str_of(&f["Metadata"]["BuildProperties"]["Binary"]),
                str_of(&event["Method"]),
                str_of(&event["Path"]),
            )
        })
        .collect();
    let mut from_template: Vec<_> = functions.clone();
    from_template.sort();
    let mut from_routes: Vec<_> = glchat_functions::routes::routes()
        .into_iter()
        .map(|r| (r.name.to_owned(), r.method.to_string(), r.path.to_owned()))
        .collect();
    from_routes.sort();
    assert_eq!(from_template, from_routes);
    for (binary, _, _) in &functions {
        let main = format!("{}/../functions/src/bin/{binary}.rs", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&main).exists(), "no Lambda binary {main}");
    }
}
