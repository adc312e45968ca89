//! The outside services a function calls, each behind a small typed client: the AWS
//! SDK's set-up shared by every client (`sdk`), what a failed call means (`failure`),
//! the tenant's bucket (`blobs`), its event bus (`bus`), its secrets (`secrets`) and
//! the LLM that titles conversations (`llm`). The DynamoDB table has a crate of its
//! own, `glchat-store`.

pub mod blobs;
pub mod bus;
pub mod failure;
pub mod hooks;
pub mod llm;
pub mod sdk;
pub mod secrets;
