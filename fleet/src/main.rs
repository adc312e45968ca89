//! `glchat-fleet`: the offline half of `infra/fleet.sh`. Every command reads
//! `infra/accounts.json` and `infra/tenants/` (or `--accounts`, `--tenants`), checks
//! the whole fleet first, and calls no AWS API.
//!
//!   glchat-fleet report                       fixed cost and quotas of the templates
//!   glchat-fleet validate                     every tenant and account file, together
//!   glchat-fleet place <tenant> [--region R]  the account-region a new tenant goes to
//!   glchat-fleet targets [<tenant>]           tenant, account, region, role, stack (tab-separated)
//!   glchat-fleet places                       account, region, role, tenants, room (tab-separated)
//!   glchat-fleet plan [--version V] [--out DIR --bucket B]
//!                                             a release's waves and duration; with --out,
//!                                             the engine's input (input.json, wave-NN.json)
//!   glchat-fleet generate <dir> <tenants> <accounts> <region,...>
//!                                             a synthetic fleet's files, for tests and plans

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use glchat_fleet::release::{self, Options};
use glchat_fleet::stack::{self, quota_use};
use glchat_fleet::template::{self, root};
use glchat_fleet::tenants::{self, Capacity, Fleet};

/// The command line: positional arguments and `--flag value` pairs.
struct Args {
    positional: Vec<String>,
    flags: Vec<(String, String)>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        let mut positional = Vec::new();
        let mut flags = Vec::new();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.strip_prefix("--") {
                Some(name) => {
                    let value = args.next().with_context(|| format!("--{name} needs a value"))?;
                    flags.push((name.to_owned(), value));
                }
                None => positional.push(arg),
            }
        }
        Ok(Self { positional, flags })
    }

    fn flag(&self, name: &str) -> Option<&str> {
        self.flags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn path(&self, name: &str, default: &str) -> PathBuf {
        self.flag(name).map_or_else(|| root().join(default), PathBuf::from)
    }

    fn only(&self, allowed: &[&str]) -> anyhow::Result<()> {
        match self.flags.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
            Some((name, _)) => bail!("unknown option --{name}"),
            None => Ok(()),
        }
    }
}

fn fleet(args: &Args) -> anyhow::Result<Fleet> {
    let capacity = Capacity::from_quotas(&quota_use(&template::tenant(), &template::region()));
    Fleet::load(
        &args.path("accounts", "infra/accounts.json"),
        &args.path("tenants", "infra/tenants"),
        capacity,
    )
    .map_err(anyhow::Error::from)
}

fn run(args: Args) -> anyhow::Result<()> {
    let command = args.positional.first().map(String::as_str).unwrap_or("");
    match command {
        "report" => {
            args.only(&[])?;
            print!("{}", stack::report());
        }
        "validate" => {
            args.only(&["accounts", "tenants"])?;
            let fleet = fleet(&args)?;
            let (per_region, quota) = fleet.capacity.per_account_region();
            println!(
                "{} tenants in {} accounts, {} account-regions: valid ({per_region} fit per account-region, bound by {quota})",
                fleet.tenants.len(),
                fleet.accounts.len(),
                fleet.by_account_region().len()
            );
        }
        "place" => {
            args.only(&["accounts", "tenants", "region"])?;
            let tenant = args.positional.get(1).context("place <tenant> [--region R]")?;
            let fleet = fleet(&args)?;
            let placement = fleet.place(tenant, args.flag("region")).map_err(anyhow::Error::msg)?;
            println!(
                "{tenant}: account {} ({}) region {} ({} more tenants fit there)",
                placement.place.account,
                placement.account_name,
                placement.place.region,
                placement.room - 1
            );
        }
        "targets" => {
            args.only(&["accounts", "tenants"])?;
            let fleet = fleet(&args)?;
            let wanted = args.positional.get(1);
            let mut found = false;
            for t in fleet.tenants.iter().filter(|t| wanted.is_none_or(|w| *w == t.id)) {
                found = true;
                println!("{}\t{}\t{}\t{}\t{}", t.id, t.account, t.region, t.role, t.stack);
            }
            if let (Some(wanted), false) = (wanted, found) {
                bail!("no tenant {wanted} in the fleet's files");
            }
        }
        "places" => {
            args.only(&["accounts", "tenants"])?;
            let fleet = fleet(&args)?;
            let by_place = fleet.by_account_region();
            let (per_region, _) = fleet.capacity.per_region();
            let (per_account, _) = fleet.capacity.per_account();
            for account in &fleet.accounts {
                let in_account = fleet.tenants.iter().filter(|t| t.account == account.id).count();
                for region in &account.regions {
                    let here = by_place
                        .iter()
                        .find(|(p, _)| p.account == account.id && &p.region == region)
                        .map_or(0, |(_, t)| t.len());
                    let room = per_region
                        .saturating_sub(here)
                        .min(per_account.saturating_sub(in_account));
                    println!("{}\t{region}\t{}\t{here}\t{room}", account.id, account.role_arn());
                }
            }
        }
        "plan" => {
            args.only(&["accounts", "tenants", "version", "out", "bucket"])?;
            let fleet = fleet(&args)?;
            let version = args.flag("version").unwrap_or("HEAD");
            let plan = release::plan(&fleet, Options::default());
            print!("{}", plan.text(version));
            if let Some(out) = args.flag("out") {
                let bucket = args
                    .flag("bucket")
                    .context("--out needs --bucket, the release bucket")?;
                write_engine_input(&plan, version, bucket, &PathBuf::from(out))?;
            }
        }
        "generate" => {
            args.only(&[])?;
            let [_, dir, tenants, accounts, regions] = args.positional.as_slice() else {
                bail!("generate <dir> <tenants> <accounts> <region,...>");
            };
            let regions: Vec<&str> = regions.split(',').collect();
            tenants::generate(
                &PathBuf::from(dir),
                tenants.parse().context("tenants: a number")?,
                accounts.parse().context("accounts: a number")?,
                &regions,
            )?;
        }
        _ => bail!(
            "usage: glchat-fleet report | validate | place <tenant> | targets [<tenant>] | places | plan | generate"
        ),
    }
    Ok(())
}

/// The engine's input: each wave's items as `wave-NN.json` (uploaded beside it) and
/// the execution's `input.json` naming them.
fn write_engine_input(
    plan: &release::Plan<'_>,
    version: &str,
    bucket: &str,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let secrets = template::secret_parameters(&template::tenant());
    let prefix = format!("releases/{version}");
    let templates =
        |region: &str| format!("https://{bucket}-{region}.s3.{region}.amazonaws.com/{prefix}/template.yaml");
    let mut waves = Vec::new();
    for (n, items) in release::items(plan, version, &secrets, &templates).iter().enumerate() {
        let name = format!("wave-{:02}.json", n + 1);
        std::fs::write(out.join(&name), serde_json::to_string(items)?)?;
        waves.push(serde_json::json!({
            "key": format!("{prefix}/{name}"),
            "max_concurrency": plan.waves[n].parallelism,
        }));
    }
    let input = serde_json::json!({
        "release": { "version": version },
        "bucket": bucket,
        "waves": waves,
    });
    std::fs::write(out.join("input.json"), serde_json::to_string_pretty(&input)?)?;
    Ok(())
}

fn main() -> ExitCode {
    match Args::parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match err.downcast_ref::<tenants::Problems>() {
                Some(problems) => eprint!("{problems}"),
                None => eprintln!("error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}
