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

/// The role a function runs with: the template's `AWS::IAM::Role` its `Role:
/// !GetAtt <Role>.Arn` names, with that name.
pub fn role_of<'a>(template: &'a Yaml, function: &Yaml) -> (String, &'a Yaml) {
    let reference = function["Properties"]["Role"]
        .as_str()
        .unwrap_or_else(|| panic!("a function without a role of the template's: {function:?}"));
    let name = reference.strip_suffix(".Arn").unwrap_or(reference).to_owned();
    let role = &template["Resources"][name.as_str()];
    assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"), "{name}");
    (name, role)
}

/// The statements of the policies of a function's role (a conditional statement,
/// `!If [...]`, is read as the list it is and holds no `Action`).
pub fn policy_statements<'a>(template: &'a Yaml, function: &Yaml) -> Vec<&'a Yaml> {
    let (_, role) = role_of(template, function);
    role["Properties"]["Policies"]
        .as_vec()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["PolicyDocument"]["Statement"].as_vec().into_iter().flatten())
        .collect()
}
