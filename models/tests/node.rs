//! `model.transcribe` as a graph node: the compiler places it on the inference workers, and
//! without its model it fails with an error that says how to fetch it. This test binary points
//! the model cache at an empty folder, so it runs the same whether or not basic-pitch is fetched.

use std::path::Path;
use std::sync::Arc;

use yano_engine::render::{render, RenderOptions};
use yano_engine::Compiler;

fn registry() -> Arc<yano_engine::Registry> {
    let mut r = yano_nodes::registry();
    yano_models::register(&mut r);
    Arc::new(r)
}

fn preset() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphs/bass-to-logdrum.ron")
}

#[test]
fn the_transcriber_runs_on_the_workers_and_without_its_model_says_how_to_fetch_it() {
    let empty = std::env::temp_dir().join(format!("yano-no-models-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    // Only this test touches the environment in this binary.
    std::env::set_var("YANO_MODELS_DIR", &empty);

    let registry = registry();
    let graph = yano_engine::preset::load_preset(&preset(), &registry).unwrap();
    let compiled = Compiler::new(registry.clone(), 128)
        .compile(&graph)
        .unwrap();
    // The file decoder and the transcriber are inference jobs; the note player, the log drum,
    // the pan and the output are the real-time schedule.
    assert_eq!(compiled.stats.inference_jobs, 2);
    assert_eq!(
        registry.get("model.transcribe").unwrap().class(),
        yano_engine::node::NodeClass::Inference
    );

    let err = render(
        &graph,
        registry,
        RenderOptions {
            seconds: 1.0,
            ..RenderOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("transcribe") && err.contains("yano models fetch basic-pitch"),
        "{err}"
    );
}
