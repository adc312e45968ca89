//! Integration tests: the real app over HTTP against DynamoDB Local and s3s-fs.
//! Every reply is validated against `openapi.json` by the test client.

mod attachments;
mod auth;
mod budget;
mod conversations;
mod crashes;
mod csrf;
mod deletes;
mod deletion_events;
mod erasures;
mod events;
mod exports;
mod gateway;
mod iam;
mod idempotency;
mod imports;
mod limits;
mod listing;
mod messages;
mod outages;
mod release;
mod retention;
mod search;
mod secrets;
mod server;
mod shares;
mod template;
mod tenancy;
mod titles;
mod uploads;
