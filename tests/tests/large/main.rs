//! Tests at real size (thousands of messages, conversations and attachments, responses
//! near Lambda's limits), against the local API with its limits on. A binary of their
//! own, which cargo runs after the others, and they take turns
//! (`glchat_tests::at_real_size`): side by side on the 2-core machine they would
//! measure DynamoDB Local's contention against the functions' timeouts.

mod attachments;
mod clones;
mod deletions;
mod erasures;
mod exports;
mod history;
mod imports;
mod links;
mod search;
