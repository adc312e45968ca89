//! The release engine's smoke requests (`SmokeFunction` in `infra/release.yaml`, Python)
//! pass against the real API, and fail against one that does not answer as the API
//! does: the code the engine runs after each tenant's update, run here as it is
//! written in the template.

use glchat_tests::TestApp;
use yaml_rust2::YamlLoader;

/// The smoke function's code, and its verdict on the API at `api_url`.
fn smoke(api_url: &str) -> serde_json::Value {
    let path = glchat_fleet::template::root().join("infra/release.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let template = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let code = template["Resources"]["SmokeFunction"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .expect("the smoke function's inline code")
        .to_owned();
    let program = format!("{code}\nimport json, sys\nprint(json.dumps(handler({{\"api_url\": sys.argv[1]}}, None)))\n");
    let output = std::process::Command::new("python3")
        .args(["-c", &program, api_url])
        .output()
        .expect("python3 runs the smoke function");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn the_release_smoke_requests_pass_against_the_api_and_fail_without_it() {
    let app = TestApp::spawn().await;
    let verdict = tokio::task::spawn_blocking({
        let base = app.base.clone();
        move || smoke(&base)
    })
    .await
    .unwrap();
    assert_eq!(verdict, serde_json::json!({ "ok": true, "failures": [] }));

    // Something else at the URL (here nothing listens): the smoke fails, naming why.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let verdict = tokio::task::spawn_blocking(move || smoke(&closed)).await.unwrap();
    assert_eq!(verdict["ok"], false, "{verdict}");
}
