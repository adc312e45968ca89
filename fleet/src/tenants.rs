//! The fleet as files: `infra/accounts.json` (the accounts tenants may live in, the
//! regions each may use, the role a deployment assumes there) and one file per tenant
//! in `infra/tenants/` (its id, account, region, and the template parameters
//! `infra/tenant.py` checks). Everything a fleet command needs is checked here, before
//! any AWS call: unknown accounts and regions, duplicate tenant ids, two stacks of one
//! name in one account-region, and account-regions past what the quotas hold.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::stack::{QuotaUse, Scope};

/// One account of the fleet.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The 12-digit AWS account id.
    pub id: String,
    /// A name for people (`prod-1`).
    pub name: String,
    /// The regions tenants of this account may be placed in.
    pub regions: Vec<String>,
    /// The role fleet commands assume in the account; `glchat-deployer` by default.
    #[serde(default)]
    pub role: Option<String>,
}

impl Account {
    pub fn role_arn(&self) -> String {
        self.role
            .clone()
            .unwrap_or_else(|| format!("arn:aws:iam::{}:role/glchat-deployer", self.id))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    accounts: Vec<Account>,
    /// The tenant every release deploys first and watches longest.
    #[serde(default)]
    canary: Option<String>,
}

/// What the fleet commands read of a tenant file (the parameters are `tenant.py`'s).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TenantFile {
    pub tenant_id: String,
    pub region: String,
    /// The account's id; may be left out while `accounts.json` lists one account.
    #[serde(default)]
    pub account: Option<String>,
    /// A role to assume for this tenant instead of the account's.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub stack_name: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// A tenant where it lives: the account and region resolved, the role to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub file: PathBuf,
    pub account: String,
    pub region: String,
    pub role: String,
    pub stack: String,
    pub parameters: BTreeMap<String, String>,
}

/// An account and region: where quotas per region count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountRegion {
    pub account: String,
    pub region: String,
}

impl fmt::Display for AccountRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

/// The whole fleet, read and checked.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub accounts: Vec<Account>,
    pub tenants: Vec<Tenant>,
    pub canary: Option<String>,
    /// Tenants that fit in one account-region, and in one account per region it uses.
    pub capacity: Capacity,
}

/// What the quotas allow, from [`crate::stack::quota_use`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    uses: Vec<(Scope, &'static str, Option<usize>)>,
}

impl Capacity {
    pub fn from_quotas(uses: &[QuotaUse]) -> Self {
        Self {
            uses: uses.iter().map(|u| (u.scope, u.quota, u.tenants(1))).collect(),
        }
    }

    /// Tenants one account-region holds by the quotas of a region alone, and the quota
    /// that binds.
    pub fn per_region(&self) -> (usize, &'static str) {
        self.uses
            .iter()
            .filter(|(scope, ..)| *scope == Scope::AccountRegion)
            .filter_map(|(_, quota, fit)| Some(((*fit)?, *quota)))
            .min()
            .unwrap_or((usize::MAX, "none"))
    }

    /// Tenants an account that uses one region holds there, and the quota that binds.
    pub fn per_account_region(&self) -> (usize, &'static str) {
        self.per_region().min(self.per_account())
    }

    /// Tenants one account holds over all its regions, and the quota that binds.
    pub fn per_account(&self) -> (usize, &'static str) {
        self.uses
            .iter()
            .filter(|(scope, ..)| *scope == Scope::Account)
            .filter_map(|(_, quota, fit)| Some(((*fit)?, *quota)))
            .min()
            .unwrap_or((usize::MAX, "none"))
    }
}

/// Every problem of a fleet's files, one line each, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<String>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "error: {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

fn valid_tenant_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (2..=41).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase() | bytes[0].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn valid_stack_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes[0].is_ascii_alphabetic()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// The account a role ARN belongs to, for `arn:aws:iam::<account>:role/<name>`.
fn role_account(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws")?;
    let (_, rest) = rest.split_once(":iam::")?;
    let (account, name) = rest.split_once(":role/")?;
    (!name.is_empty()).then_some(account)
}

impl Fleet {
    /// Reads `accounts` and every `*.json` in `tenants`, and checks them together.
    pub fn load(accounts: &Path, tenants: &Path, capacity: Capacity) -> Result<Fleet, Problems> {
        let mut problems = Vec::new();
        let file: Option<AccountsFile> = std::fs::read_to_string(accounts)
            .with_context(|| format!("{}: cannot be read", accounts.display()))
            .and_then(|text| {
                serde_json::from_str(&text).with_context(|| format!("{}: not an accounts file", accounts.display()))
            })
            .map_err(|e| problems.push(format!("{e:#}")))
            .ok();
        let file = file.unwrap_or(AccountsFile {
            accounts: Vec::new(),
            canary: None,
        });
        let mut seen = BTreeSet::new();
        for account in &file.accounts {
            let at = format!("{}: account {}", accounts.display(), account.id);
            if !valid_account_id(&account.id) {
                problems.push(format!("{at}: an account id is 12 digits"));
            }
            if !seen.insert(account.id.clone()) {
                problems.push(format!("{at}: listed twice"));
            }
            if account.regions.is_empty() {
                problems.push(format!("{at}: lists no region"));
            }
            for region in account.regions.iter().filter(|r| !valid_region(r)) {
                problems.push(format!("{at}: {region:?} is not an AWS region"));
            }
            if let Some(role) = &account.role
                && role_account(role) != Some(account.id.as_str())
            {
                problems.push(format!("{at}: role {role:?} is not a role of this account"));
            }
        }

        let mut paths: Vec<PathBuf> = std::fs::read_dir(tenants)
            .map_err(|e| problems.push(format!("{}: {e}", tenants.display())))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut fleet_tenants = Vec::new();
        for path in paths {
            let (tenant, mut more) = Self::tenant(&path, &file.accounts);
            fleet_tenants.extend(tenant);
            problems.append(&mut more);
        }
        let fleet = Fleet {
            accounts: file.accounts,
            tenants: fleet_tenants,
            canary: file.canary,
            capacity,
        };
        problems.extend(fleet.clashes());
        problems.extend(fleet.overfull());
        if let Some(canary) = &fleet.canary
            && !fleet.tenants.iter().any(|t| &t.id == canary)
        {
            problems.push(format!(
                "{}: the canary {canary:?} has no tenant file",
                accounts.display()
            ));
        }
        if problems.is_empty() {
            Ok(fleet)
        } else {
            Err(Problems(problems))
        }
    }

    /// One tenant file, resolved against the accounts (while its account is known, so
    /// that the fleet-wide checks see it too), and its problems.
    fn tenant(path: &Path, accounts: &[Account]) -> (Option<Tenant>, Vec<String>) {
        let at = path.display().to_string();
        let file: TenantFile = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        {
            Ok(file) => file,
            Err(e) => return (None, vec![format!("{at}: {e}")]),
        };
        let mut problems = Vec::new();
        if !valid_tenant_id(&file.tenant_id) {
            problems.push(format!(
                "{at}: tenant_id must be 2 to 41 lowercase letters, digits or dashes (found {:?})",
                file.tenant_id
            ));
        } else if path.file_stem().and_then(|s| s.to_str()) != Some(file.tenant_id.as_str()) {
            problems.push(format!(
                "{at}: the file must be named {}.json after its tenant_id",
                file.tenant_id
            ));
        }
        if !valid_region(&file.region) {
            problems.push(format!(
                "{at}: region must be an AWS region such as ap-southeast-1 (found {:?})",
                file.region
            ));
        }
        let account = match (&file.account, accounts) {
            (Some(id), _) => accounts.iter().find(|a| &a.id == id).or_else(|| {
                problems.push(format!("{at}: account {id} is not in infra/accounts.json"));
                None
            }),
            (None, [only]) => Some(only),
            (None, _) => {
                problems.push(format!(
                    "{at}: name the tenant's account: infra/accounts.json lists {} accounts",
                    accounts.len()
                ));
                None
            }
        };
        if let Some(account) = account
            && valid_region(&file.region)
            && !account.regions.contains(&file.region)
        {
            problems.push(format!(
                "{at}: account {} ({}) does not use region {}: add it to its regions in infra/accounts.json",
                account.id, account.name, file.region
            ));
        }
        if let (Some(role), Some(account)) = (&file.role, account)
            && role_account(role) != Some(account.id.as_str())
        {
            problems.push(format!("{at}: role {role:?} is not a role of account {}", account.id));
        }
        let stack = file
            .stack_name
            .clone()
            .unwrap_or_else(|| format!("glchat-{}", file.tenant_id));
        if !valid_stack_name(&stack) {
            problems.push(format!("{at}: stack_name {stack:?} is not a CloudFormation stack name"));
        }
        let tenant = account.map(|account| Tenant {
            id: file.tenant_id,
            file: path.to_path_buf(),
            account: account.id.clone(),
            region: file.region,
            role: file.role.unwrap_or_else(|| account.role_arn()),
            stack,
            parameters: file.parameters,
        });
        (tenant, problems)
    }

    /// Duplicate tenant ids; two stacks of one name, or two tables and buckets of one
    /// tenant id, in one account-region.
    fn clashes(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut ids: BTreeMap<&str, &Tenant> = BTreeMap::new();
        let mut stacks: BTreeMap<(AccountRegion, &str), &Tenant> = BTreeMap::new();
        for tenant in &self.tenants {
            if let Some(first) = ids.insert(&tenant.id, tenant) {
                problems.push(format!(
                    "{}: tenant id {} is already {}'s",
                    tenant.file.display(),
                    tenant.id,
                    first.file.display()
                ));
            }
            if let Some(first) = stacks.insert((tenant.account_region(), &tenant.stack), tenant) {
                problems.push(format!(
                    "{}: stack {} in {} is already {}'s",
                    tenant.file.display(),
                    tenant.stack,
                    tenant.account_region(),
                    first.file.display()
                ));
            }
        }
        problems
    }

    /// Account-regions and accounts holding more tenants than their quotas allow.
    fn overfull(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let (per_region, region_quota) = self.capacity.per_region();
        for (place, tenants) in self.by_account_region() {
            if tenants.len() > per_region {
                problems.push(format!(
                    "{place} is full: {} tenants, {per_region} fit at default quotas (bound by {region_quota}); move {} to another account-region",
                    tenants.len(),
                    tenants[per_region..].iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let (per_account, account_quota) = self.capacity.per_account();
        for account in &self.accounts {
            let count = self.tenants.iter().filter(|t| t.account == account.id).count();
            if count > per_account {
                problems.push(format!(
                    "account {} ({}) is full: {count} tenants over its regions, {per_account} fit at default quotas (bound by {account_quota})",
                    account.id, account.name
                ));
            }
        }
        problems
    }

    /// The tenants of each account-region, in file order.
    pub fn by_account_region(&self) -> BTreeMap<AccountRegion, Vec<&Tenant>> {
        let mut out: BTreeMap<AccountRegion, Vec<&Tenant>> = BTreeMap::new();
        for tenant in &self.tenants {
            out.entry(tenant.account_region()).or_default().push(tenant);
        }
        out
    }

    /// Where a new tenant goes: the account-region (in `region` if given) with the most
    /// room left, or why none has room.
    pub fn place(&self, tenant_id: &str, region: Option<&str>) -> Result<Placement, String> {
        if self.tenants.iter().any(|t| t.id == tenant_id) {
            return Err(format!("tenant {tenant_id} already has a file"));
        }
        if !valid_tenant_id(tenant_id) {
            return Err(format!(
                "{tenant_id:?} is not a tenant id (2 to 41 lowercase letters, digits or dashes)"
            ));
        }
        let (per_region, _) = self.capacity.per_region();
        let (per_account, _) = self.capacity.per_account();
        let by_place = self.by_account_region();
        let mut best: Option<Placement> = None;
        for account in &self.accounts {
            let in_account = self.tenants.iter().filter(|t| t.account == account.id).count();
            for r in account
                .regions
                .iter()
                .filter(|r| region.is_none_or(|want| want == r.as_str()))
            {
                let place = AccountRegion {
                    account: account.id.clone(),
                    region: r.clone(),
                };
                let used = by_place.get(&place).map_or(0, Vec::len);
                let room = per_region
                    .saturating_sub(used)
                    .min(per_account.saturating_sub(in_account));
                if room > 0 && best.as_ref().is_none_or(|b| room > b.room) {
                    best = Some(Placement {
                        place,
                        account_name: account.name.clone(),
                        room,
                    });
                }
            }
        }
        best.ok_or_else(|| match region {
            Some(region) => format!(
                "no account has room in {region}: add an account to infra/accounts.json, or {region} to an account's regions"
            ),
            None => "every account-region is full: add an account to infra/accounts.json, or a region to an account".to_owned(),
        })
    }
}

impl Tenant {
    pub fn account_region(&self) -> AccountRegion {
        AccountRegion {
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
}

/// Where [`Fleet::place`] puts a tenant, and the room left there before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub place: AccountRegion,
    pub account_name: String,
    pub room: usize,
}

/// Writes a fleet of `tenants` tenant files over `accounts` accounts of `regions` each
/// into `dir` (`dir/accounts.json`, `dir/tenants/*.json`), spread evenly: the offline
/// fleet test's input and `make test`'s release plan.
pub fn generate(dir: &Path, tenants: usize, accounts: usize, regions: &[&str]) -> anyhow::Result<()> {
    let tenant_dir = dir.join("tenants");
    std::fs::create_dir_all(&tenant_dir).with_context(|| format!("creating {}", tenant_dir.display()))?;
    let ids: Vec<String> = (0..accounts)
        .map(|i| format!("{:012}", 100_000_000_000 + i as u64))
        .collect();
    let accounts_json = serde_json::json!({
        "canary": "tenant-0000",
        "accounts": ids.iter().enumerate().map(|(i, id)| serde_json::json!({
            "id": id,
            "name": format!("fleet-{}", i + 1),
            "regions": regions,
        })).collect::<Vec<_>>(),
    });
    std::fs::write(dir.join("accounts.json"), serde_json::to_string_pretty(&accounts_json)?)?;
    let places: Vec<(&String, &&str)> = ids.iter().flat_map(|a| regions.iter().map(move |r| (a, r))).collect();
    for n in 0..tenants {
        let (account, region) = places[n % places.len()];
        let id = format!("tenant-{n:04}");
        let file = serde_json::json!({
            "tenant_id": id,
            "account": account,
            "region": region,
            "parameters": { "CorsAllowedOrigins": format!("https://{id}.chat.example") },
            "secrets_from_environment": { "JwtSecret": "JWT_SECRET", "CursorSecret": "CURSOR_SECRET" },
        });
        std::fs::write(
            tenant_dir.join(format!("{id}.json")),
            serde_json::to_string_pretty(&file)?,
        )?;
    }
    Ok(())
}
