//! `template.yaml` as the tests read it: the deployment they hold the code to.

use yaml_rust2::{Yaml, YamlLoader};

/// The whole template (intrinsics read as their arguments: `!GetAtt Table.Arn` is
/// `"Table.Arn"`).
pub fn template() -> Yaml {
    let text = include_str!("../../template.yaml");
    YamlLoader::load_from_str(text).expect("template.yaml parses").remove(0)
}

/// The template's function whose Lambda binary is `name`.
pub fn function_of<'a>(template: &'a Yaml, name: &str) -> &'a Yaml {
    template["Resources"]
        .as_hash()
        .expect("Resources")
        .values()
        .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no function for {name}"))
}
