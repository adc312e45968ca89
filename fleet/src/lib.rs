//! The operator's side of the fleet, offline. A fleet is one CloudFormation stack per
//! tenant (`template.yaml`) and one per account-region (`infra/region.yaml`: the
//! shared bus, dead letters, alarms and dashboard). This crate reads both templates
//! for what they cost before any request and what they spend of each AWS quota
//! ([`stack`]), checks the metrics their alarms and dashboard read against what is
//! published ([`metrics`]), reads the tenant and account files ([`tenants`]), places a
//! new tenant, and plans releases in waves for the deployment engine
//! (`infra/release.yaml`, [`release`]). Nothing here calls AWS: `infra/fleet.sh` does,
//! with what this crate prints.

pub mod metrics;
pub mod release;
pub mod stack;
pub mod template;
pub mod tenants;
