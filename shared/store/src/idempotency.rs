//! `Idempotency-Key` records (`IDEMPOTENCY#<user>` / `<operation>#<sha256 of the key>`):
//! a request claims its key before it runs (in progress, locked for as long as any
//! request may run), and on success records its response, which repeats of the same
//! request get back for 24 hours. Modeled on the idempotency utility of AWS Lambda
//! Powertools.

use crate::attrs;
use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::types::Update;
use serde::Serialize;

use super::error::applied;
use super::expr::{Expr, all, any, with_placeholders};
use super::items::{CollectionItem, IdempotencyItem, IdempotencyState};
use super::keys::{self, PK};
use super::transaction::Transaction;
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;

/// How long a completed request's response is kept for its repeats.
pub const KEPT: Duration = Duration::from_secs(24 * 3600);

/// One user's key on one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: keys::Key,
    /// SHA-256 of what the request asked (method, path, content type, body).
    pub fingerprint: String,
}

/// A claim this request holds: its key and a token no other request has, which the
/// record keeps. Completing or releasing the record requires the token, so a request
/// whose lock lapsed can never complete or release the claim of the request that took
/// the key over, even one with the same fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldClaim {
    pub key: IdempotencyKey,
    token: String,
}

impl HeldClaim {
    fn new(key: &IdempotencyKey) -> Self {
        use base64::Engine;
        let bytes: [u8; 16] = rand::random();
        Self {
            key: key.clone(),
            token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        }
    }
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had the key (or its record expired, or its claim lapsed): run the request.
    Claimed(HeldClaim),
    /// The same request completed before: its response.
    Replay { status: u16, body: String },
    /// The same key is in use by a request still running.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

impl Store {
    /// Claims `key` for a request starting at `now` that runs at most `lock`.
    pub async fn claim_idempotency(
        &self,
        key: &IdempotencyKey,
        now: Timestamp,
        lock: Duration,
    ) -> Result<Claim, StoreError> {
        let now_ms = i64::try_from(now.unix_ms()).unwrap_or(i64::MAX);
        let held = HeldClaim::new(key);
        let item = IdempotencyItem {
            pk: key.key.pk.clone(),
            sk: key.key.sk.clone(),
            fingerprint: key.fingerprint.clone(),
            claim_token: Some(held.token.clone()),
            state: IdempotencyState::InProgress,
            locked_until: now_ms + lock.as_millis() as i64,
            status: None,
            body: None,
            expires_at: now.unix_seconds() + KEPT.as_secs() as i64,
        };
        let mut e = Expr::default();
        let stale_claim = all(&[
            e.eq(attrs::STATE, IdempotencyState::InProgress.as_str()),
            e.less_than(attrs::LOCKED_UNTIL, now_ms),
        ]);
        let expired = e.less_than(attrs::EXPIRES_AT, now.unix_seconds());
        let condition = any(&[e.not_exists(PK), expired, stale_claim]);
        let result = with_placeholders!(self.client.put_item(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::Idempotency(item).to_attributes()?))
            .condition_expression(condition)
            .send()
            .await;
        if applied(result, "claiming an idempotency key")?.is_some() {
            return Ok(Claim::Claimed(held));
        }
        let found = self
            .get_item(key.key.clone(), "reading an idempotency key")
            .await?
            .map(CollectionItem::from_attributes)
            .transpose()?;
        Ok(match found {
            Some(CollectionItem::Idempotency(found)) if found.fingerprint != key.fingerprint => Claim::Mismatch,
            Some(CollectionItem::Idempotency(found)) if found.state == IdempotencyState::Completed => Claim::Replay {
                status: found.status.unwrap_or(200),
                body: found.body.unwrap_or_default(),
            },
            // Still running, or gone since (expired between the two calls): try later.
            _ => Claim::InFlight,
        })
    }

    /// Records the response of the request that holds `claim`.
    pub async fn complete_idempotency(&self, claim: &HeldClaim, status: u16, body: &str) -> Result<(), StoreError> {
        let (e, update, condition) = completion(claim, status, body);
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(claim.key.key.to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .send()
            .await;
        // Refused: its lock lapsed and another request holds the key now, which records.
        applied(result, "recording an idempotent response")?;
        Ok(())
    }

    /// Lets go of a claim whose request failed: a repeat runs again.
    pub async fn release_idempotency(&self, claim: &HeldClaim) -> Result<(), StoreError> {
        let mut e = Expr::default();
        let condition = all(&[
            e.eq(attrs::STATE, IdempotencyState::InProgress.as_str()),
            e.eq(attrs::CLAIM_TOKEN, claim.token.as_str()),
        ]);
        let result = with_placeholders!(self.client.delete_item(), e)
            .table_name(&self.table)
            .set_key(Some(claim.key.key.to_attributes()))
            .condition_expression(condition)
            .send()
            .await;
        // Refused: not this request's claim any more.
        applied(result, "releasing an idempotency key")?;
        Ok(())
    }
}

/// A success recorded in the same transaction as the write it answers: a request cut
/// off after its write leaves its key completed, never claimable again for a second
/// write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub claim: HeldClaim,
    /// The 200 response's body, exactly as the handler sends it.
    pub body: String,
}

impl Receipt {
    /// A receipt for `claim` of the response `body` will serialize to, when there is one.
    pub fn of<T: Serialize>(claim: Option<&HeldClaim>, body: &T) -> anyhow::Result<Option<Self>> {
        claim
            .map(|claim| {
                Ok(Self {
                    claim: claim.clone(),
                    body: serde_json::to_string(body).context("serializing an idempotent response")?,
                })
            })
            .transpose()
    }
}

/// A record completed with a response, as an update and its condition (the record is
/// still this request's claim): the same whether sent alone or in the write's transaction.
fn completion(claim: &HeldClaim, status: u16, body: &str) -> (Expr, String, String) {
    let mut e = Expr::default();
    let update = format!(
        "SET {}, {}, {}",
        e.eq(attrs::STATE, IdempotencyState::Completed.as_str()),
        e.eq(attrs::STATUS, i64::from(status)),
        e.eq(attrs::BODY, body),
    );
    let condition = all(&[e.exists(PK), e.eq(attrs::CLAIM_TOKEN, claim.token.as_str())]);
    (e, update, condition)
}

impl Transaction<'_> {
    /// Completes the receipt's record with the transaction's write (held while the
    /// record is still this request's claim).
    pub fn receipt(self, table: &str, receipt: Option<&Receipt>) -> anyhow::Result<Self> {
        let Some(receipt) = receipt else {
            return Ok(self);
        };
        let (e, update, condition) = completion(&receipt.claim, 200, &receipt.body);
        let completion = with_placeholders!(Update::builder(), e)
            .table_name(table)
            .set_key(Some(receipt.claim.key.key.to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .build()
            .context("building an idempotency receipt")?;
        Ok(self.update("idempotency", completion))
    }
}

/// A receipt refused: the key's claim lapsed and was taken by another request while
/// this one ran, so this write does not happen; the client's repeat sorts it out.
pub(crate) fn receipt_refused() -> StoreError {
    StoreError::Conflict(anyhow::anyhow!("the idempotency claim lapsed before the write"))
}
