//! Not a Lambda: the operator's erasure of a user of one tenant (`infra/fleet.sh erase`),
//! with the tenant account's credentials. It writes the same erasure job
//! `POST /me/erasure` writes, whose stream record starts `run_jobs`, and prints its id;
//! with `--receipt <id>` it prints the receipt instead.
//!
//!   TABLE_NAME=glchat-acme TENANT_ID=acme erase_user <user-id>
//!   TABLE_NAME=glchat-acme TENANT_ID=acme erase_user <user-id> --receipt <erasure-id>

use anyhow::{Context, bail};
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ids::{ErasureId, UserId};
use glchat_app::ops::erasures;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (user, receipt) = match args.as_slice() {
        [user] => (user, None),
        [user, flag, id] if flag == "--receipt" => (user, Some(id)),
        _ => bail!("usage: erase_user <user-id> [--receipt <erasure-id>]"),
    };
    let user = UserId::parse(user).map_err(|e| anyhow::anyhow!("a user id: {e:?}"))?;
    let deps = Deps::from_env(Needs::TABLE).await?;
    match receipt {
        None => {
            let id = erasures::begin(&deps, &user).await.context("writing the erasure")?;
            println!("{id}");
        }
        Some(id) => {
            let id = ErasureId::parse(id).map_err(|e| anyhow::anyhow!("an erasure id: {e:?}"))?;
            let receipt = erasures::user_receipt(&deps, &user, &id)
                .await
                .context("no such erasure of this user's")?;
            println!("{}", serde_json::to_string(&receipt)?);
        }
    }
    Ok(())
}
