//! What a failed AWS call means to the caller, each service judged by its own error
//! codes: try again later (503), a race with another writer, or a fault (500).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use glchat_domain::error::StoreError;

/// DynamoDB's codes for "try again later"
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html>).
const DYNAMODB_TRANSIENT: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionInProgressException",
];

/// DynamoDB's codes for a write that met another one.
const DYNAMODB_CONFLICT: &[&str] = &["TransactionConflictException"];

/// S3's codes for "try again later": `SlowDown` is its throttling answer (HTTP 503).
const S3_TRANSIENT: &[&str] = &[
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "Throttling",
    "ThrottlingException",
];

/// Classifies a DynamoDB failure, keeping the SDK error as the cause so the log has
/// the whole chain.
pub fn dynamodb_error<E, R>(err: SdkError<E, R>, doing: &'static str) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: HttpStatus + std::fmt::Debug + Send + Sync + 'static,
{
    let conflict = err.code().is_some_and(|code| DYNAMODB_CONFLICT.contains(&code));
    classify(err, doing, DYNAMODB_TRANSIENT, conflict)
}

/// Classifies an S3 failure by S3's codes.
pub fn s3_error<E, R>(err: SdkError<E, R>, doing: &'static str) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: HttpStatus + std::fmt::Debug + Send + Sync + 'static,
{
    classify(err, doing, S3_TRANSIENT, false)
}

fn classify<E, R>(err: SdkError<E, R>, doing: &'static str, transient_codes: &[&str], conflict: bool) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: HttpStatus + std::fmt::Debug + Send + Sync + 'static,
{
    // Any 5xx is the service's own trouble, whatever code (or none) came with it.
    let server_side = err.raw_response().is_some_and(|r| r.status_code() >= 500);
    let transient = matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    ) || server_side
        || err.code().is_some_and(|code| transient_codes.contains(&code));
    let cause = anyhow::Error::new(err).context(doing);
    if conflict {
        StoreError::Conflict(cause)
    } else if transient {
        StoreError::Unavailable(cause)
    } else {
        StoreError::Other(cause)
    }
}

/// The HTTP status of a raw SDK response.
pub trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}
