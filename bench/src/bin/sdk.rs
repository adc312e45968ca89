//! Reference Lambda `sdk` of the cold-start benchmark: `hello` plus the AWS SDK set up
//! the way the AWS documentation shows for Rust Lambdas (`aws_config::load_defaults`,
//! then a DynamoDB and an S3 client built from it); it answers without calling AWS.
//! What a function's init costs beyond this is its own doing. With
//! `REFERENCE_WARM_UP_TABLE` set it also opens its DynamoDB connection during init, as
//! the functions do (one `DescribeTable`), the same round trip counted on both sides.

use aws_config::BehaviorVersion;
use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let s3 = aws_sdk_s3::Client::new(&config);
    if let Ok(table) = std::env::var("REFERENCE_WARM_UP_TABLE") {
        // Its outcome does not matter, only the connection it leaves open.
        let _ = dynamodb.describe_table().table_name(table).send().await;
    }
    run(service_fn(|_: Request| {
        // The clients a handler would use, held as a handler holds them.
        let _clients = (&dynamodb, &s3);
        async { Ok::<_, Error>(Response::new(Body::from("sdk"))) }
    }))
    .await
}
