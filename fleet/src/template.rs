//! The two templates of a fleet, read as YAML (intrinsics read as their arguments:
//! `!GetAtt Table.Arn` is `"Table.Arn"`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use yaml_rust2::{Yaml, YamlLoader};

/// The repository's root (this crate's parent folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A template file, parsed.
pub fn load(path: &Path) -> anyhow::Result<Yaml> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut docs = YamlLoader::load_from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    anyhow::ensure!(!docs.is_empty(), "{} is empty", path.display());
    Ok(docs.remove(0))
}

/// The tenant stack's template, `template.yaml`.
pub fn tenant() -> Yaml {
    load(&root().join("template.yaml")).expect("template.yaml parses")
}

/// The account-region stack's template, `infra/region.yaml`.
pub fn region() -> Yaml {
    load(&root().join("infra/region.yaml")).expect("infra/region.yaml parses")
}

/// The template's resources of `kind` (`AWS::CloudWatch::Alarm`, ...).
pub fn resources<'a>(template: &'a Yaml, kind: &str) -> Vec<(&'a str, &'a Yaml)> {
    template["Resources"]
        .as_hash()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(name, r)| (name.as_str().unwrap_or(""), r))
        .collect()
}

/// The template's parameters that are secrets (`NoEcho: true`): a release keeps their
/// deployed values, never reads them.
pub fn secret_parameters(template: &Yaml) -> Vec<String> {
    template["Parameters"]
        .as_hash()
        .into_iter()
        .flatten()
        .filter(|(_, p)| p["NoEcho"].as_bool() == Some(true) || p["NoEcho"].as_str() == Some("true"))
        .filter_map(|(name, _)| name.as_str().map(str::to_owned))
        .collect()
}
