//! The proof that the suite touches only what it created: `make test` plants another
//! project's table (with items) and bucket (with objects) in the local stack before the
//! tests, under names no test chooses, and checks afterwards that both are exactly as
//! planted.
//!
//!   foreign plant    creates them (fails if they exist)
//!   foreign check    compares them with what was planted; exit 1 on any difference

use std::collections::HashMap;

use anyhow::{Context, bail, ensure};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use glchat_tests::local_stack;

/// Names outside the run's namespace (`gt-<run>-`), as another project would choose.
const TABLE: &str = "other-project-orders";
const BUCKET: &str = "other-project-files";
const ITEMS: usize = 40;
const OBJECTS: usize = 5;

fn item(i: usize) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("PK".to_owned(), AttributeValue::S(format!("ORDER#{i:03}"))),
        // The same key shapes as this service's items: a sloppy clean-up by prefix or
        // by key would find them.
        ("SK".to_owned(), AttributeValue::S("CONV".into())),
        ("total".to_owned(), AttributeValue::N((i * 7).to_string())),
    ])
}

fn object(i: usize) -> (String, String) {
    (
        format!("conversations/{i}/file.txt"),
        format!("another project's file {i}"),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = local_stack::verified();
    ensure!(
        !TABLE.starts_with(&stack.prefix()),
        "the foreign table is in the run's namespace"
    );
    match std::env::args().nth(1).as_deref() {
        Some("plant") => plant(stack).await,
        Some("check") => check(stack).await,
        _ => bail!("usage: foreign plant|check"),
    }
}

async fn plant(stack: &local_stack::LocalStack) -> anyhow::Result<()> {
    let dynamodb = stack.dynamodb();
    dynamodb
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("PK")
                .key_type(KeyType::Hash)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("SK")
                .key_type(KeyType::Range)
                .build()?,
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("PK")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("SK")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .send()
        .await
        .context("creating the foreign table")?;
    for i in 0..ITEMS {
        dynamodb
            .put_item()
            .table_name(TABLE)
            .set_item(Some(item(i)))
            .send()
            .await
            .context("writing a foreign item")?;
    }
    let s3 = stack.s3();
    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .context("creating the foreign bucket")?;
    for i in 0..OBJECTS {
        let (key, body) = object(i);
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.into_bytes().into())
            .send()
            .await
            .context("writing a foreign object")?;
    }
    eprintln!("[foreign] planted table {TABLE} ({ITEMS} items) and bucket {BUCKET} ({OBJECTS} objects)");
    Ok(())
}

async fn check(stack: &local_stack::LocalStack) -> anyhow::Result<()> {
    let dynamodb = stack.dynamodb();
    let described = dynamodb
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .context("the foreign table is gone")?;
    let count = described.table().and_then(|t| t.item_count()).unwrap_or(-1);
    let mut problems = Vec::new();
    if count != ITEMS as i64 {
        problems.push(format!("the foreign table holds {count} items, not {ITEMS}"));
    }
    for i in 0..ITEMS {
        let expected = item(i);
        let key: HashMap<_, _> = expected
            .iter()
            .filter(|(k, _)| *k == "PK" || *k == "SK")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let found = dynamodb
            .get_item()
            .table_name(TABLE)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .context("reading a foreign item")?
            .item;
        if found.as_ref() != Some(&expected) {
            problems.push(format!("foreign item {i} changed: {found:?}"));
        }
    }
    let s3 = stack.s3();
    let listed = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .context("the foreign bucket is gone")?;
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    if keys.len() != OBJECTS {
        problems.push(format!(
            "the foreign bucket holds {} objects, not {OBJECTS}",
            keys.len()
        ));
    }
    for i in 0..OBJECTS {
        let (key, body) = object(i);
        let got = s3.get_object().bucket(BUCKET).key(&key).send().await;
        let bytes = match got {
            Ok(output) => output
                .body
                .collect()
                .await
                .context("reading a foreign object")?
                .into_bytes(),
            Err(err) => {
                problems.push(format!("foreign object {key}: {err:?}"));
                continue;
            }
        };
        if bytes.as_ref() != body.as_bytes() {
            problems.push(format!("foreign object {key} changed"));
        }
    }
    if problems.is_empty() {
        println!("foreign resources untouched: 1 passed, 0 failed");
        Ok(())
    } else {
        for problem in &problems {
            eprintln!("[foreign] {problem}");
        }
        println!("foreign resources untouched: 0 passed, 1 failed");
        bail!("the suite touched what it did not create")
    }
}
