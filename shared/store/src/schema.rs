//! The table's key schema, the one definition that local tables are created from and
//! that `template.yaml` is checked against (see the `template_matches_schema` test).

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};

use super::keys::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK, GSI3, GSI3PK, GSI3SK, PK, SK, TTL_ATTRIBUTE};

/// A global secondary index: name, partition key, sort key, and whether it projects
/// every attribute (the lists) or the keys only (the idle index, read for ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSchema {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub keys_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexSchema],
    pub ttl_attribute: &'static str,
}

pub const SCHEMA: TableSchema = TableSchema {
    partition_key: PK.as_str(),
    sort_key: SK.as_str(),
    indexes: &[
        IndexSchema {
            name: GSI1,
            partition_key: GSI1PK.as_str(),
            sort_key: GSI1SK.as_str(),
            keys_only: false,
        },
        IndexSchema {
            name: GSI2,
            partition_key: GSI2PK.as_str(),
            sort_key: GSI2SK.as_str(),
            keys_only: false,
        },
        IndexSchema {
            name: GSI3,
            partition_key: GSI3PK.as_str(),
            sort_key: GSI3SK.as_str(),
            keys_only: true,
        },
    ],
    ttl_attribute: TTL_ATTRIBUTE.as_str(),
};

impl TableSchema {
    /// Every key attribute, all strings.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            names.extend([index.partition_key, index.sort_key]);
        }
        names
    }
}

fn key_schema(partition: &str, sort: &str) -> anyhow::Result<Vec<KeySchemaElement>> {
    Ok(vec![
        KeySchemaElement::builder()
            .attribute_name(partition)
            .key_type(KeyType::Hash)
            .build()?,
        KeySchemaElement::builder()
            .attribute_name(sort)
            .key_type(KeyType::Range)
            .build()?,
    ])
}

/// Whether a local table has the template's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// As deployed: new and old images of every write.
    On,
    /// For tests that do not read it: DynamoDB Local keeps every write's stream record
    /// (tables deleted included) and looks through them on each write, so a suite that
    /// writes hundreds of thousands of items with a stream slows down to a crawl.
    Off,
}

/// Creates the table as the template does (on-demand, stream as asked, TTL), for the
/// local stack and for tests. Does nothing when it already exists.
pub async fn ensure_table(client: &Client, name: &str, stream: Stream) -> anyhow::Result<()> {
    // DescribeTable, not ListTables: this reads nothing of any other table.
    match client.describe_table().table_name(name).send().await {
        Ok(_) => return Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        Err(err) => return Err(err).with_context(|| format!("describing table {name}")),
    }
    let mut create = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(SCHEMA.partition_key, SCHEMA.sort_key)?));
    if stream == Stream::On {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()?,
        );
    }
    for attribute in SCHEMA.key_attributes() {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        );
    }
    for index in SCHEMA.indexes {
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                .projection(
                    Projection::builder()
                        .projection_type(match index.keys_only {
                            true => ProjectionType::KeysOnly,
                            false => ProjectionType::All,
                        })
                        .build(),
                )
                .build()?,
        );
    }
    create.send().await.with_context(|| format!("creating table {name}"))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(SCHEMA.ttl_attribute)
                .build()?,
        )
        .send()
        .await
        .with_context(|| format!("enabling TTL on {name}"))?;
    Ok(())
}
