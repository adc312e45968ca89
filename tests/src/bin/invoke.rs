//! `make invoke FUNCTION=<name> [EVENT=<file>]`: runs the function's real binary once
//! under the local Lambda Runtime API against the local stack (the events' fixture
//! seeded) and prints its response and log lines, as `sam local invoke -e` does without
//! Docker. Run it through `infra/local/stack.sh`, which `make invoke` does.

use std::path::PathBuf;

use anyhow::{Context, bail};
use glchat_tests::fixtures::events_dir;
use glchat_tests::invoke::invoke;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, event) = match args.as_slice() {
        // A route's event, or a trigger's under its source's folder.
        [name] => (
            name.clone(),
            ["", "s3/", "dynamodb/"]
                .map(|folder| events_dir().join(format!("{folder}{name}.json")))
                .into_iter()
                .find(|path| path.exists())
                .with_context(|| format!("no committed event for {name}: name one"))?,
        ),
        [name, event] => (name.clone(), PathBuf::from(event)),
        _ => bail!("usage: invoke <function> [event.json]"),
    };
    let program = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/debug")
        .join(&name);
    if !program.exists() {
        bail!(
            "{} is not built: cargo build -p glchat-functions --bin {name}",
            program.display()
        );
    }
    let event = std::fs::read(&event).with_context(|| format!("reading {}", event.display()))?;
    let invoked = invoke(&program, &name, event.into()).await?;
    println!("== response\n{}", serde_json::to_string_pretty(&invoked.response)?);
    println!("== log");
    for line in invoked.log {
        println!("{line}");
    }
    if !invoked.published.is_empty() {
        println!("== published to the tenant's bus");
        for event in invoked.published {
            println!("{event}");
        }
    }
    Ok(())
}
