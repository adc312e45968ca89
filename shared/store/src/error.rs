//! A DynamoDB call's failure as the store reports it ([`StoreError`], classified by
//! `glchat_clients::failure`), and a conditional write's refusal as an answer.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

pub use glchat_clients::failure::{HttpStatus, dynamodb_error};
pub use glchat_domain::error::StoreError;

/// The outcome of a conditional single-item write: its output when it applied, `None`
/// when its condition refused it (an answer: the item is not as the write required),
/// the classified error otherwise.
pub(crate) fn applied<O, E, R>(result: Result<O, SdkError<E, R>>, doing: &'static str) -> Result<Option<O>, StoreError>
where
    E: ConditionFailure + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: HttpStatus + std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(ConditionFailure::is_condition_failure) =>
        {
            Ok(None)
        }
        Err(err) => Err(dynamodb_error(err, doing)),
    }
}

/// Single-item writes whose refusal by their condition is an answer, not a failure.
pub(crate) trait ConditionFailure {
    fn is_condition_failure(&self) -> bool;
}

impl ConditionFailure for aws_sdk_dynamodb::operation::put_item::PutItemError {
    fn is_condition_failure(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }
}

impl ConditionFailure for aws_sdk_dynamodb::operation::update_item::UpdateItemError {
    fn is_condition_failure(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }
}

impl ConditionFailure for aws_sdk_dynamodb::operation::delete_item::DeleteItemError {
    fn is_condition_failure(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }
}
