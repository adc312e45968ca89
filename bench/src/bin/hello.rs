//! Reference Lambda `hello` of the cold-start benchmark: `lambda_http` answering every
//! request, nothing else (the cargo-lambda template). Its init is the floor any Rust
//! HTTP function stands on: process start, the runtime, the first poll.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
