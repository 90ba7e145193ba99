//! The deployment files: the Kubernetes manifests validated against the Kubernetes schemas by
//! kubernetes-validate (from PyPI, which ships the schemas), strictly (unknown fields refused);
//! a broken manifest refused by the same validator; the Dockerfile multi-stage and non-root; the
//! compose file naming the parts it runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use yano_testkit::{runs, Need};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// kubernetes-validate on PATH, or in CI's virtual environment.
fn validator() -> Option<PathBuf> {
    let ci = root().join("target/ci-venv/bin/kubernetes-validate");
    if ci.is_file() {
        return Some(ci);
    }
    yano_testkit::servers::program("kubernetes-validate")
}

fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("deploy/k8s"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_kubernetes_manifests_pass_the_schemas_and_a_broken_one_does_not() {
    let validator = validator();
    if !runs(
        "the_kubernetes_manifests_pass_the_schemas_and_a_broken_one_does_not",
        Need::Server("kubernetes-validate, from PyPI,"),
        validator.is_some(),
    ) {
        return;
    }
    let validator = validator.unwrap();
    let files = manifests();
    assert_eq!(files.len(), 5, "{files:?}");
    let out = Command::new(&validator)
        .arg("--strict")
        .args(&files)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    for resource in [
        "deployment/yano-api",
        "service/yano-api",
        "deployment/yano-worker-cpu",
        "deployment/yano-worker-gpu",
        "horizontalpodautoscaler/yano-worker-cpu",
        "configmap/yano",
        "secret/yano",
    ] {
        assert!(
            said.contains(&format!("passed for resource {resource}")),
            "{resource}: {said}"
        );
    }
    // The validator refuses what the schemas refuse: a word for a count, an unknown field.
    let api = std::fs::read_to_string(root().join("deploy/k8s/api.yaml")).unwrap();
    let dir = std::env::temp_dir().join(format!("yano-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (what, broken) in [
        (
            "a word for replicas",
            api.replace("replicas: 2", "replicas: two"),
        ),
        (
            "an unknown field",
            api.replace("replicas: 2", "replicas: 2\n  replicaz: 2"),
        ),
    ] {
        assert_ne!(broken, api);
        let path = dir.join("broken.yaml");
        std::fs::write(&path, broken).unwrap();
        let out = Command::new(&validator)
            .arg("--strict")
            .arg(&path)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{what} passed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_manifests_ask_for_what_the_platform_needs() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let gpu = read("deploy/k8s/worker-gpu.yaml");
    assert!(
        gpu.contains("nvidia.com/gpu: \"1\""),
        "the GPU workers request no GPU"
    );
    assert!(read("deploy/k8s/worker-cpu.yaml").contains("args: [\"worker\""));
    assert!(read("deploy/k8s/autoscaling.yaml").contains("name: yano_queue_depth"));
    let config = read("deploy/k8s/config.yaml");
    for key in [
        "YANO_QUEUE",
        "YANO_STORE",
        "YANO_DB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(config.contains(&format!("{key}:")), "{key}");
    }
    let docker = read("deploy/Dockerfile");
    assert_eq!(
        docker.lines().filter(|l| l.starts_with("FROM ")).count(),
        2,
        "multi-stage"
    );
    let user = docker
        .lines()
        .rev()
        .find(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(!user.contains("root") && !user.contains(" 0"), "{user}");
    let compose = read("deploy/compose.yaml");
    for service in ["postgres:", "redis:", "minio:", "api:", "worker:"] {
        assert!(compose.contains(&format!("\n  {service}")), "{service}");
    }
}
