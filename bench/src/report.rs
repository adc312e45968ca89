//! The report: every section's numbers as JSON, and the same as Markdown tables for
//! `docs/PERFORMANCE.md`.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::capacity::EndpointCost;
use crate::cold_start::ColdStarts;
use crate::cost::Cost;
use crate::load::Load;
use crate::markdown::table;
use crate::search::SearchCost;
use crate::stats::Summary;
use crate::warm::Overhead;

#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub packages: Vec<Packages>,
    pub cold_starts: Option<ColdStarts>,
    pub capacity: Option<Vec<EndpointCost>>,
    pub warm: Option<Vec<Overhead>>,
    pub load: Option<Load>,
    /// The same mix one request at a time.
    pub load_sequential: Option<Load>,
    pub cost: Option<Cost>,
    pub search: Option<Vec<SearchCost>>,
    pub large: Option<crate::large::Large>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub date: String,
    pub commit: String,
    pub rustc: String,
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
}

/// Written by `infra/local/bench.sh`, per target: each function's binary and its zip.
#[derive(Debug, Serialize, Deserialize)]
pub struct Packages {
    pub target: String,
    pub functions: Vec<Package>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Package {
    pub function: String,
    pub bootstrap_bytes: u64,
    pub zip_bytes: u64,
}

impl Report {
    pub fn begin(packages: &Path) -> anyhow::Result<Self> {
        let packages = std::fs::read(packages).with_context(|| format!("reading {}", packages.display()))?;
        Ok(Self {
            machine: Machine::describe(),
            packages: serde_json::from_slice(&packages).context("reading the package sizes")?,
            cold_starts: None,
            capacity: None,
            warm: None,
            load: None,
            load_sequential: None,
            cost: None,
            search: None,
            large: None,
        })
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(
            md,
            "Run of {} at commit `{}`: {}, {} cores, {} GiB, Linux {}, {}.\n",
            m.date, m.commit, m.cpu, m.cores, m.memory_gib, m.kernel, m.rustc
        );
        if let Some(c) = &self.cold_starts {
            cold_start_tables(&mut md, c);
        }
        if let Some(warm) = &self.warm {
            let _ = writeln!(md, "### Warm overhead (ms)\n");
            let header = [
                "endpoint",
                "API p50",
                "API p99",
                "direct p50",
                "direct p99",
                "p50 ratio",
                "added at p50",
            ];
            let rows = warm.iter().map(|w| {
                let (api, direct) = (&w.api, &w.direct);
                cells!(
                    format!("`{}`", w.endpoint),
                    api.p50_ms,
                    api.p99_ms,
                    direct.p50_ms,
                    direct.p99_ms,
                    format!("{}x", w.p50_ratio),
                    w.p50_added_ms
                )
            });
            table(&mut md, &header, rows);
        }
        if let Some(capacity) = &self.capacity {
            let _ = writeln!(md, "### DynamoDB calls and capacity per endpoint\n");
            let rows = capacity.iter().map(|e| {
                let documented = if e.matches_budget { "yes" } else { "**no**" };
                cells!(
                    format!("`{}`", e.scenario),
                    e.calls.len(),
                    documented,
                    e.read_units,
                    e.write_units
                )
            });
            table(&mut md, &["scenario", "calls", "as documented", "RCU", "WCU"], rows);
        }
        for packages in &self.packages {
            let _ = writeln!(md, "### Package size ({})\n", packages.target);
            let rows = packages
                .functions
                .iter()
                .map(|p| cells!(p.function, megabytes(p.bootstrap_bytes), megabytes(p.zip_bytes)));
            table(&mut md, &["function", "bootstrap", "zipped"], rows);
        }
        for load in [&self.load, &self.load_sequential].into_iter().flatten() {
            load_tables(&mut md, load);
        }
        if let Some(cost) = &self.cost {
            let l = &cost.per_million_requests;
            let _ = writeln!(md, "### Cost per million requests of the mix (USD)\n");
            let _ = writeln!(
                md,
                "Per request: {} RCU, {} WCU, {} S3 calls, {} ms billed at {} MB.\n",
                cost.read_units_per_request,
                cost.write_units_per_request,
                cost.s3_calls_per_request,
                cost.duration_ms,
                cost.memory_mb
            );
            let header = [
                "API Gateway",
                "Lambda requests",
                "Lambda duration",
                "DynamoDB reads",
                "DynamoDB writes",
                "S3",
                "total",
            ];
            let row = cells!(
                l.api_gateway,
                l.lambda_requests,
                l.lambda_duration,
                l.dynamodb_reads,
                l.dynamodb_writes,
                l.s3,
                format!("**{}**", l.total)
            );
            table(&mut md, &header, [row]);
        }
        if let Some(searches) = &self.search {
            let _ = writeln!(md, "### Search cost\n");
            let rows = searches.iter().flat_map(|search| {
                search.terms.iter().flat_map(move |term| {
                    term.requests.iter().enumerate().map(move |(i, r)| {
                        cells!(
                            search.conversations,
                            format!("{} `{}`", term.name, term.term),
                            i + 1,
                            r.ms,
                            r.matches,
                            r.dynamodb_calls,
                            r.items_read,
                            r.read_units
                        )
                    })
                })
            });
            table(
                &mut md,
                &[
                    "conversations",
                    "term",
                    "request",
                    "ms",
                    "matches",
                    "DynamoDB calls",
                    "items read",
                    "RCU",
                ],
                rows,
            );
        }
        if let Some(large) = &self.large {
            large.markdown(&mut md);
        }
        md
    }
}

fn cold_start_tables(md: &mut String, c: &ColdStarts) {
    let _ = writeln!(
        md,
        "### Cold start ({} rounds of {} starts per function, each beside a start of `hello`, of `sdk` and of `sdk` + warm-up; {}; ms)\n",
        c.rounds, c.starts_per_round, c.transport
    );
    let rows = c.functions.iter().map(|f| {
        let statuses: Vec<String> = f
            .starts
            .statuses
            .iter()
            .map(|(code, n)| format!("{code}×{n}"))
            .collect();
        let rounds: Vec<String> = f.round_ratios.iter().map(|r| format!("{r}x")).collect();
        cells!(
            f.starts.function,
            f.starts.init.p50_ms,
            format!("**{}x**", f.init_ratio_to_sdk),
            format!("{}x", f.init_ratio_to_sdk_warm_up),
            f.init_ms_over_hello,
            f.starts.first_response.p50_ms,
            f.sdk_init_p50_ms,
            f.sdk_warm_up_init_p50_ms,
            f.hello_init_p50_ms,
            format!("{} ({}x)", rounds.join(", "), f.spread),
            statuses.join(" ")
        )
    });
    let header = [
        "function",
        "init p50",
        "init / sdk",
        "init / sdk + warm-up",
        "ms over hello",
        "first response p50",
        "sdk init p50 beside",
        "sdk + warm-up beside",
        "hello init p50 beside",
        "init / sdk by round (spread)",
        "statuses",
    ];
    table(md, &header, rows);
    let _ = writeln!(
        md,
        "Over the functions: init / sdk median **{}x**, largest {}x; init / (sdk + warm-up) median {}x; {} ms over `hello` (median); round-to-round spread of a ratio, median {}x. References over all their starts: `hello` init p50 {} ms, `sdk` {} ms ({} ms above `hello`), `sdk` + warm-up {} ms.\n",
        c.median_ratio_to_sdk,
        c.max_ratio_to_sdk,
        c.median_ratio_to_sdk_warm_up,
        c.median_ms_over_hello,
        c.median_spread,
        c.hello.init.p50_ms,
        c.sdk.init.p50_ms,
        crate::stats::round(c.sdk.init.p50_ms - c.hello.init.p50_ms),
        c.sdk_warm_up.init.p50_ms,
    );
    let _ = writeln!(
        md,
        "### Init with every AWS endpoint refusing each request at once ({} starts per function, each beside a start of `hello` and of `sdk`; ms)\n",
        c.starts_per_round
    );
    let rows = c.refused.iter().map(|f| {
        cells!(
            f.function,
            f.init_p50_ms,
            format!("**{}x**", f.init_ratio_to_sdk),
            f.init_ms_over_hello,
            f.sdk_init_p50_ms,
            f.hello_init_p50_ms
        )
    });
    table(
        md,
        &[
            "function",
            "init p50",
            "init / sdk",
            "ms over hello",
            "sdk init p50 beside",
            "hello init p50 beside",
        ],
        rows,
    );
    let _ = writeln!(
        md,
        "Over the functions: init / sdk median **{}x**, largest {}x.\n",
        c.refused_median_ratio_to_sdk, c.refused_max_ratio_to_sdk
    );
    let _ = writeln!(md, "### Init phases (median ms, as each function logs them)\n");
    let mut names: Vec<&str> = Vec::new();
    for f in &c.functions {
        for p in &f.phases {
            if !names.contains(&p.phase.as_str()) {
                names.push(&p.phase);
            }
        }
    }
    let rows = c.functions.iter().map(|f| {
        let mut row = vec![f.starts.function.clone()];
        row.extend(names.iter().map(|name| {
            f.phases
                .iter()
                .find(|p| p.phase == *name)
                .map_or("".to_owned(), |p| p.p50_ms.to_string())
        }));
        row
    });
    let header: Vec<&str> = ["function"].into_iter().chain(names.iter().copied()).collect();
    table(md, &header, rows);
    let python = &c.python;
    let _ = writeln!(
        md,
        "*{} + boto3* (`get_conversation`'s set-up), {} starts: init p50 {} ms, first response p50 {} ms.\n",
        c.python_version, python.init.n, python.init.p50_ms, python.first_response.p50_ms
    );
    let r = &c.python_vs_rust;
    let _ = writeln!(
        md,
        "Python over Rust (`{}`), medians: init {}x, first response {}x.\n",
        r.rust_function, r.init_p50_ratio, r.first_response_p50_ratio
    );
    let _ = writeln!(
        md,
        "### Secrets from Secrets Manager at init ({} starts each, alternating, ms)\n",
        c.starts_per_round
    );
    let rows = c.secrets.iter().map(|s| {
        cells!(
            s.function,
            s.stores,
            s.in_environment.p50_ms,
            s.in_store.p50_ms,
            s.init_p50_added_ms,
            format!("{}x", s.init_p50_ratio)
        )
    });
    table(
        md,
        &[
            "function",
            "secrets read",
            "init p50, environment",
            "init p50, store",
            "added",
            "ratio",
        ],
        rows,
    );
}

fn load_tables(md: &mut String, load: &Load) {
    let _ = writeln!(
        md,
        "### Load: {} s at concurrency {}\n\n{} requests, **{} requests/s**, p50 {} ms, p99 {} ms, **{} errors**; per request {} DynamoDB calls, {} RCU, {} WCU, {} S3 calls.\n",
        load.seconds,
        load.concurrency,
        load.requests,
        load.throughput_rps,
        load.latency.p50_ms,
        load.latency.p99_ms,
        load.errors,
        load.per_request.dynamodb_calls,
        load.per_request.read_units,
        load.per_request.write_units,
        load.per_request.s3_calls
    );
    let rows = load.by_kind.iter().map(|k| {
        let Summary {
            p50_ms,
            p90_ms,
            p99_ms,
            max_ms,
            ..
        } = k.latency;
        cells!(format!("`{}`", k.route), k.requests, p50_ms, p90_ms, p99_ms, max_ms)
    });
    table(md, &["request", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows);
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

impl Machine {
    fn describe() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|v| v.split(':').nth(1)))
            .unwrap_or("unknown CPU")
            .trim()
            .to_owned();
        let memory_kib: f64 = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let now = time::OffsetDateTime::now_utc();
        Self {
            date: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            commit: std::env::var("BENCH_COMMIT").unwrap_or_else(|_| "unknown".into()),
            rustc: std::env::var("BENCH_RUSTC").unwrap_or_else(|_| "unknown rustc".into()),
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: (memory_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        }
    }
}
