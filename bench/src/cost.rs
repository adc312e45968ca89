//! Cost per million requests of the load's mix on AWS, from what the mix measured
//! (capacity units, S3 calls and duration per request) and public list prices.

use serde::Serialize;

use crate::load::PerRequest;
use crate::stats::round;

/// us-east-1 list prices (USD) as published on the AWS pricing pages, on the date below;
/// free tiers and volume discounts left out.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Prices {
    pub as_of: &'static str,
    /// HTTP API, per million requests (first 300 million a month).
    pub api_gateway_http_per_million: f64,
    /// Lambda, per million invocations.
    pub lambda_requests_per_million: f64,
    /// Lambda on arm64, per GB-second.
    pub lambda_arm64_gb_second: f64,
    /// DynamoDB on-demand, per million read request units.
    pub dynamodb_read_per_million: f64,
    /// DynamoDB on-demand, per million write request units.
    pub dynamodb_write_per_million: f64,
    /// S3 Standard PUT, COPY, POST, LIST, per thousand (the dearer class: every S3 call
    /// is priced at it).
    pub s3_requests_per_thousand: f64,
}

pub const PRICES: Prices = Prices {
    as_of: "2025-01 (DynamoDB on-demand after the November 2024 reduction)",
    api_gateway_http_per_million: 1.00,
    lambda_requests_per_million: 0.20,
    lambda_arm64_gb_second: 0.000_013_333_4,
    dynamodb_read_per_million: 0.125,
    dynamodb_write_per_million: 0.625,
    s3_requests_per_thousand: 0.005,
};

/// The function memory of `template.yaml`'s `Globals`.
pub const MEMORY_MB: f64 = 256.0;

#[derive(Debug, Serialize)]
pub struct Cost {
    pub prices: Prices,
    pub memory_mb: f64,
    /// Billed duration per request: the mean latency of the mix sent one request at a
    /// time, rounded up to the millisecond (an upper bound: it includes the client and
    /// local HTTP, and DynamoDB Local's latency instead of DynamoDB's).
    pub duration_ms: f64,
    pub read_units_per_request: f64,
    pub write_units_per_request: f64,
    pub s3_calls_per_request: f64,
    pub per_million_requests: Lines,
}

/// USD per million requests.
#[derive(Debug, Serialize)]
pub struct Lines {
    pub api_gateway: f64,
    pub lambda_requests: f64,
    pub lambda_duration: f64,
    pub dynamodb_reads: f64,
    pub dynamodb_writes: f64,
    pub s3: f64,
    pub total: f64,
}

/// `per` is what an average request of the mix cost, `mean_ms` its mean latency
/// unloaded.
pub fn per_million(per: &PerRequest, mean_ms: f64) -> Cost {
    let p = PRICES;
    let duration_ms = mean_ms.ceil();
    let gb_seconds = MEMORY_MB / 1024.0 * duration_ms / 1000.0;
    let api_gateway = p.api_gateway_http_per_million;
    let lambda_requests = p.lambda_requests_per_million;
    let lambda_duration = gb_seconds * p.lambda_arm64_gb_second * 1e6;
    let dynamodb_reads = per.read_units * p.dynamodb_read_per_million;
    let dynamodb_writes = per.write_units * p.dynamodb_write_per_million;
    let s3 = per.s3_calls * p.s3_requests_per_thousand * 1000.0;
    let total = api_gateway + lambda_requests + lambda_duration + dynamodb_reads + dynamodb_writes + s3;
    Cost {
        prices: p,
        memory_mb: MEMORY_MB,
        duration_ms,
        read_units_per_request: per.read_units,
        write_units_per_request: per.write_units,
        s3_calls_per_request: per.s3_calls,
        per_million_requests: Lines {
            api_gateway: round(api_gateway),
            lambda_requests: round(lambda_requests),
            lambda_duration: round(lambda_duration),
            dynamodb_reads: round(dynamodb_reads),
            dynamodb_writes: round(dynamodb_writes),
            s3: round(s3),
            total: round(total),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_the_measured_units() {
        let per = PerRequest {
            dynamodb_calls: 2.0,
            read_units: 2.0,
            write_units: 1.0,
            s3_calls: 0.01,
        };
        let cost = per_million(&per, 9.2);
        let l = &cost.per_million_requests;
        assert_eq!(cost.duration_ms, 10.0, "billed by the started millisecond");
        assert_eq!((l.api_gateway, l.lambda_requests), (1.0, 0.2));
        // 0.25 GB x 0.01 s x 1e6 x $0.0000133334
        assert_eq!(l.lambda_duration, 0.03);
        assert_eq!((l.dynamodb_reads, l.dynamodb_writes), (0.25, 0.63));
        assert_eq!(l.s3, 0.05);
        assert_eq!(l.total, 2.16);
    }
}
