//! `make bench` (see `infra/local/bench.sh`, which builds the release binaries, measures
//! their package sizes and runs this under the local stack): cold starts, warm
//! overhead, DynamoDB calls and capacity per endpoint, load, search cost, cost per
//! million requests and conversations at real size, written to `report.json` and
//! summarized in `report.md`.

mod capacity;
mod cold_start;
mod cost;
mod large;
mod load;
#[macro_use]
mod markdown;
mod report;
mod search;
mod stats;
mod warm;
mod world;

use std::path::PathBuf;

use anyhow::{Context, bail};

const SECTIONS: [&str; 6] = ["capacity", "cold_starts", "warm", "load", "search", "large"];

/// How long the one-at-a-time pass of the mix runs (its mean is the billed duration).
const SEQUENTIAL_SECONDS: u64 = 15;

/// What the script hands over; every number has a default that `make bench` uses.
struct Args {
    /// Where the host release build put the function binaries (`target/release`).
    functions: PathBuf,
    /// The Python 3 with boto3 the baseline handler runs on.
    python: PathBuf,
    /// Package sizes measured by the script (JSON).
    packages: PathBuf,
    out: PathBuf,
    /// Cold starts per function and round (each beside a start of each reference).
    starts: usize,
    /// Rounds of the cold-start sequence: their spread is the run's noise.
    rounds: usize,
    iterations: usize,
    load_seconds: u64,
    concurrency: usize,
    /// One of `SECTIONS` only.
    only: Option<String>,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut args = Self {
            functions: "target/release".into(),
            python: "python3".into(),
            packages: "target/bench/packages.json".into(),
            out: "target/bench".into(),
            starts: 10,
            rounds: 2,
            iterations: 300,
            load_seconds: 60,
            concurrency: 8,
            only: None,
        };
        let mut raw = std::env::args().skip(1);
        while let Some(flag) = raw.next() {
            let value = raw.next().with_context(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .with_context(|| format!("{flag} {value:?}: not a number"))
            };
            match flag.as_str() {
                "--functions" => args.functions = value.into(),
                "--python" => args.python = value.into(),
                "--packages" => args.packages = value.into(),
                "--out" => args.out = value.into(),
                "--starts" => args.starts = number()? as usize,
                "--rounds" => args.rounds = number()? as usize,
                "--iterations" => args.iterations = number()? as usize,
                "--load-seconds" => args.load_seconds = number()?,
                "--concurrency" => args.concurrency = number()? as usize,
                "--only" if SECTIONS.contains(&value.as_str()) => args.only = Some(value),
                "--only" => bail!("--only takes one of {SECTIONS:?}"),
                other => bail!("unknown flag {other}"),
            }
        }
        Ok(args)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut report = report::Report::begin(&args.packages)?;

    let wants = |section: &str| args.only.as_deref().is_none_or(|only| only == section);

    step("seeding 50 conversations of 20 messages");
    let world = world::World::build().await?;
    // Cold starts come after the scenario, which has DynamoDB Local (a JVM) past its
    // warm-up on every operation the functions use: the first starts do not pay for it.
    if wants("capacity") || wants("cold_starts") {
        step("DynamoDB calls and capacity per endpoint");
        report.capacity = Some(capacity::run(&world).await);
    }
    if wants("cold_starts") {
        step("cold starts");
        report.cold_starts =
            Some(cold_start::run(&args.functions, &args.python, args.rounds, args.starts, &args.out).await?);
    }
    if wants("warm") {
        step("warm overhead");
        report.warm = Some(warm::run(&world, args.iterations).await?);
    }
    if wants("load") {
        step(&format!(
            "load: {} s at concurrency {}",
            args.load_seconds, args.concurrency
        ));
        let load = load::run(&world, args.load_seconds, args.concurrency).await?;
        // One request at a time, as a Lambda sandbox serves them: the duration billed.
        step(&format!("load: {SEQUENTIAL_SECONDS} s at concurrency 1"));
        let sequential = load::run(&world, SEQUENTIAL_SECONDS, 1).await?;
        report.cost = Some(cost::per_million(&load.per_request, sequential.latency.mean_ms));
        report.load = Some(load);
        report.load_sequential = Some(sequential);
    }
    if wants("search") {
        step("search cost at 1,000 and 5,000 conversations of 20 messages");
        report.search = Some(search::run(&world).await?);
    }
    if wants("large") {
        step("large: 5,000 messages read, shared, cloned, deleted; 300 attachments shared, deleted");
        report.large = Some(large::run(&world).await?);
    }

    let json = args.out.join("report.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)?).context("writing report.json")?;
    let markdown = args.out.join("report.md");
    std::fs::write(&markdown, report.markdown()).context("writing report.md")?;
    step(&format!("wrote {} and {}", json.display(), markdown.display()));

    // A load with errors is no measurement: the report says what failed.
    let errors: usize = [&report.load, &report.load_sequential]
        .iter()
        .filter_map(|l| l.as_ref().map(|l| l.errors))
        .sum();
    if errors > 0 {
        bail!("the load run had {errors} errors (samples in report.json)");
    }
    Ok(())
}

fn step(what: &str) {
    eprintln!("[bench] {what}");
}
