//! The architecture the compiler does not check by itself (`ARCHITECTURE.md`):
//!
//! - no module of any crate of the workspace (bench and tests included) depends on
//!   itself through others: the `use`s and paths of its files, read with syn, make an
//!   acyclic graph;
//! - each layer's crate depends only on the layers below it, and the domain on no AWS
//!   SDK and no HTTP crate: Cargo refuses a cycle between crates, but not a new edge
//!   that skips the layering (`http` added to the operations, say).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;
use syn::visit::Visit;

/// `cargo metadata` of the workspace: its packages and their targets.
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON")
}

/// One module of a crate: its path from the crate root (`["store", "items"]`) and the
/// file that holds it.
#[derive(Debug, Clone)]
struct Module {
    path: Vec<String>,
    file: PathBuf,
}

/// A crate's modules, found by following `mod x;` from its root file. Inline modules
/// (`mod tests { .. }`) belong to the file that holds them.
fn modules_of(root: &Path) -> Vec<(Module, syn::File)> {
    let mut found = Vec::new();
    let mut pending = vec![Module {
        path: Vec::new(),
        file: root.to_owned(),
    }];
    while let Some(module) = pending.pop() {
        let text = std::fs::read_to_string(&module.file).unwrap_or_else(|e| panic!("{}: {e}", module.file.display()));
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", module.file.display()));
        // A root or `mod.rs` holds its children beside it; `foo.rs` in `foo/`.
        let name = module.file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parent = module.file.parent().expect("a folder");
        let dir = if module.path.is_empty() || name == "mod" {
            parent.to_owned()
        } else {
            parent.join(name)
        };
        for item in &ast.items {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
            {
                let child = m.ident.to_string();
                let file = [dir.join(format!("{child}.rs")), dir.join(&child).join("mod.rs")]
                    .into_iter()
                    .find(|f| f.exists())
                    .unwrap_or_else(|| panic!("no file for mod {child} of {}", module.file.display()));
                let mut path = module.path.clone();
                path.push(child);
                pending.push(Module { path, file });
            }
        }
        found.push((module, ast));
    }
    found
}

/// Every path a file names: `use` trees expanded, and the paths of its code and types,
/// each as seen from the file's module (a path inside `mod tests { .. }` starts with
/// `tests`, so that its `super` is the file's module).
#[derive(Default)]
struct Paths {
    paths: Vec<Vec<String>>,
    /// The inline modules the visitor is in.
    inline: Vec<String>,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.push_use(prefix, &n.ident.to_string()),
            syn::UseTree::Rename(r) => self.push_use(prefix, &r.ident.to_string()),
            syn::UseTree::Glob(_) => self.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn push_use(&mut self, prefix: &[String], name: &str) {
        let mut path = prefix.to_vec();
        if name != "self" {
            path.push(name.to_owned());
        }
        self.push(path);
    }

    /// `path` as written inside the current inline modules, from the file's module.
    fn push(&mut self, path: Vec<String>) {
        let relative = matches!(path.first().map(String::as_str), Some("self" | "super"));
        match (relative, self.inline.is_empty()) {
            (true, false) => self.paths.push(
                ["self".to_owned()]
                    .into_iter()
                    .chain(self.inline.iter().cloned())
                    .chain(path)
                    .collect(),
            ),
            _ => self.paths.push(path),
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            self.push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.inline.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.inline.pop();
    }
}

/// The names each module imports (`use a::b::X` brings `X` as `[a, b, X]`), so that a
/// path through a module's re-export reaches the module that defines the item.
fn imports_of(ast: &syn::File) -> HashMap<String, Vec<String>> {
    fn walk(prefix: &mut Vec<String>, tree: &syn::UseTree, out: &mut HashMap<String, Vec<String>>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(prefix, &p.tree, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident != "self" => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                out.insert(n.ident.to_string(), full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                out.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    walk(prefix, item, out);
                }
            }
            _ => {}
        }
    }
    let mut out = HashMap::new();
    for item in &ast.items {
        if let syn::Item::Use(u) = item {
            walk(&mut Vec::new(), &u.tree, &mut out);
        }
    }
    out
}

/// A crate's module graph: an edge from each module to every other module of the same
/// crate whose item it names.
struct Graph {
    modules: Vec<Module>,
    edges: BTreeMap<usize, BTreeSet<usize>>,
    /// The first path that made each edge, to say why a cycle is one.
    why: HashMap<(usize, usize), String>,
}

impl Graph {
    fn of(root: &Path) -> Self {
        let parsed = modules_of(root);
        let index: HashMap<Vec<String>, usize> = parsed
            .iter()
            .enumerate()
            .map(|(i, (m, _))| (m.path.clone(), i))
            .collect();
        let imports: Vec<HashMap<String, Vec<String>>> = parsed.iter().map(|(_, ast)| imports_of(ast)).collect();
        let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        let mut why = HashMap::new();
        for (from, (module, ast)) in parsed.iter().enumerate() {
            let mut paths = Paths::default();
            paths.visit_file(ast);
            for path in paths.paths {
                let Some(absolute) = absolute(&module.path, &path, &index, Some(&imports[from])) else {
                    continue;
                };
                if let Some(to) = resolve(absolute, &index, &imports)
                    && to != from
                {
                    edges.entry(from).or_default().insert(to);
                    why.entry((from, to)).or_insert_with(|| path.join("::"));
                }
            }
        }
        Graph {
            modules: parsed.into_iter().map(|(m, _)| m).collect(),
            edges,
            why,
        }
    }

    /// Each cycle (a strongly connected component of more than one module): its edges,
    /// each as `from -> to (the path that makes it)`.
    fn cycles(&self) -> Vec<Vec<String>> {
        let n = self.modules.len();
        let mut state = Tarjan {
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for v in 0..n {
            if state.index[v].is_none() {
                state.connect(v, &self.edges);
            }
        }
        state
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|component| {
                let members: BTreeSet<usize> = component.into_iter().collect();
                let mut edges = Vec::new();
                for &from in &members {
                    for to in self
                        .edges
                        .get(&from)
                        .into_iter()
                        .flatten()
                        .filter(|t| members.contains(t))
                    {
                        edges.push(format!(
                            "{} -> {} ({})",
                            self.modules[from].file.display(),
                            self.modules[*to].file.display(),
                            self.why[&(from, *to)]
                        ));
                    }
                }
                edges
            })
            .collect()
    }
}

/// A path as seen from `module`, made absolute within the crate; `None` for a path into
/// another crate or the standard library.
fn absolute(
    module: &[String],
    path: &[String],
    index: &HashMap<Vec<String>, usize>,
    imports: Option<&HashMap<String, Vec<String>>>,
) -> Option<Vec<String>> {
    let mut base = module.to_vec();
    let mut rest = path;
    // A name the module imported (`use crate::store; store::keys::pk(..)`).
    if let Some(imported) = rest.first().and_then(|first| imports?.get(first))
        && rest.len() > 1
        && imported.first().map(String::as_str) != rest.first().map(String::as_str)
    {
        let mut expanded = imported.clone();
        expanded.extend(rest[1..].iter().cloned());
        return absolute(module, &expanded, index, None);
    }
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self" | "super") => {
            if rest[0] == "self" {
                rest = &rest[1..];
            }
            // `self::tests::super::x` (a path inside an inline module) is `self::x`.
            let mut inline = 0;
            while let Some(segment) = rest.first() {
                match segment.as_str() {
                    "super" if inline > 0 => inline -= 1,
                    "super" => {
                        base.pop()?;
                    }
                    _ if rest.get(1).is_some_and(|n| n == "super")
                        || (inline > 0 && !index.contains_key(&[&base[..], &rest[..1]].concat())) =>
                    {
                        inline += 1;
                    }
                    _ => break,
                }
                rest = &rest[1..];
            }
            if inline > 0 {
                // Still inside the file's inline modules: the file's own module.
                return Some(base);
            }
        }
        // A child module named directly (`items::Item` in `store/lib.rs`).
        Some(first) if index.contains_key(&[module, &[first.to_owned()]].concat()) => {}
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The module that defines what `path` names: its longest module prefix, followed
/// through that module's imports when the next name is one of them (a re-export).
fn resolve(
    mut path: Vec<String>,
    index: &HashMap<Vec<String>, usize>,
    imports: &[HashMap<String, Vec<String>>],
) -> Option<usize> {
    for _ in 0..8 {
        let (module, at) = (0..=path.len())
            .rev()
            .find_map(|len| index.get(&path[..len]).map(|&m| (m, len)))?;
        let Some(name) = path.get(at) else {
            return Some(module);
        };
        match imports[module].get(name) {
            Some(target) => {
                let module_path: Vec<String> = index
                    .iter()
                    .find(|(_, i)| **i == module)
                    .map(|(p, _)| p.clone())
                    .unwrap_or_default();
                match absolute(&module_path, target, index, None) {
                    Some(mut next) => {
                        next.extend(path[at + 1..].iter().cloned());
                        path = next;
                    }
                    // Re-exported from another crate: defined there, not in this one.
                    None => return None,
                }
            }
            None => return Some(module),
        }
    }
    None
}

struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan {
    fn connect(&mut self, v: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in edges.get(&v).into_iter().flatten() {
            match self.index[w] {
                None => {
                    self.connect(w, edges);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// Every crate root of the workspace: libraries, binaries, tests, benches.
fn crate_roots() -> Vec<PathBuf> {
    let metadata = metadata();
    let mut roots = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        for target in package["targets"].as_array().expect("targets") {
            roots.push(PathBuf::from(target["src_path"].as_str().expect("a target's source")));
        }
    }
    roots
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let mut cycles = Vec::new();
    let roots = crate_roots();
    assert!(roots.len() > 20, "the workspace's crates: {roots:?}");
    for root in &roots {
        cycles.extend(Graph::of(root).cycles());
    }
    assert!(cycles.is_empty(), "module cycles:\n{cycles:#?}");
}

#[test]
fn the_checker_finds_a_cycle_and_follows_re_exports() {
    let dir = std::env::temp_dir().join(format!("glchat-cycles-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n");
    write("a.rs", "use crate::b::Beta;\npub struct Alpha;\n");
    write("b.rs", "pub struct Beta;\nfn f() -> crate::Thing { todo!() }\n");
    // `crate::Thing` is `c`'s: b -> c, and c -> a, a -> b closes the loop.
    write("c.rs", "pub struct Thing(super::a::Alpha);\n");
    let cycles = Graph::of(&dir.join("lib.rs")).cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert_eq!(cycles[0].len(), 3, "{cycles:?}");
    write("c.rs", "pub struct Thing;\n");
    assert!(Graph::of(&dir.join("lib.rs")).cycles().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What each crate of the library may depend on, by name: the layers below it and the
/// external crates its job needs. A crate not named here may not be added silently.
#[test]
fn each_layer_depends_only_on_the_layers_below() {
    const AWS_OR_HTTP: [&str; 6] = ["aws-", "lambda_http", "http", "hyper", "multer", "aws_lambda_events"];
    let forbidden: [(&str, &[&str]); 7] = [
        ("glchat-domain", &["glchat-"]),
        // The operator's offline tool reads files; it needs none of the service.
        ("glchat-fleet", &["glchat-"]),
        (
            "glchat-clients",
            &["glchat-store", "glchat-auth", "glchat-ops", "glchat-app", "lambda_http"],
        ),
        (
            "glchat-store",
            &[
                "glchat-auth",
                "glchat-ops",
                "glchat-app",
                "lambda_http",
                "http",
                "aws-sdk-s3",
            ],
        ),
        (
            "glchat-auth",
            &[
                "glchat-clients",
                "glchat-store",
                "glchat-ops",
                "glchat-app",
                "aws-",
                "lambda_http",
            ],
        ),
        ("glchat-ops", &["glchat-app", "lambda_http", "http", "hyper", "multer"]),
        (
            "glchat-functions",
            &[
                "glchat-domain",
                "glchat-clients",
                "glchat-store",
                "glchat-auth",
                "glchat-ops",
            ],
        ),
    ];
    let metadata = metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let dependencies = |name: &str| -> Vec<String> {
        let package = packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no package {name}"));
        package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    for (package, refused) in forbidden {
        for dependency in dependencies(package) {
            let wrong = refused.iter().any(|r| match r.ends_with('-') {
                true => dependency.starts_with(r) && dependency != package,
                false => &dependency == r,
            });
            assert!(!wrong, "{package} depends on {dependency}");
        }
    }
    for package in ["glchat-domain", "glchat-fleet"] {
        for dependency in dependencies(package) {
            let wrong = AWS_OR_HTTP.iter().any(|r| match r.ends_with('-') {
                true => dependency.starts_with(r),
                false => &dependency == r,
            });
            assert!(!wrong, "{package} depends on {dependency}");
        }
    }
    assert!(dependencies("glchat-functions").contains(&"glchat-app".to_owned()));
}
