//! `onnx-run`: runs one model once on one backend and prints its outputs as JSON. The backend is
//! process-wide in `ort`, so comparing backends (the equivalence tests, `models bench`) means one
//! process each; this is that process.
//!
//! onnx-run --backend tract|native|native:PATH --manifest FILE --model NAME --file MODEL.onnx
//!          --input INPUTS.json
//!
//! INPUTS.json is `[[x, x, …], …]`, one array per manifest input. The output is
//! `{"backend": "…", "outputs": [{"shape": […], "values": […]}, …]}`; errors go to stderr with
//! exit code 1.

use std::path::PathBuf;

use yano_models::{backend, BackendChoice, LoadedModel, Manifest};

fn main() {
    if let Err(e) = run() {
        eprintln!("onnx-run: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut choice, mut manifest, mut name, mut file, mut input) = (None, None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backend" => choice = Some(BackendChoice::parse(&value).map_err(|e| e.to_string())?),
            "--manifest" => manifest = Some(PathBuf::from(value)),
            "--model" => name = Some(value),
            "--file" => file = Some(PathBuf::from(value)),
            "--input" => input = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let need = |what: &str| format!("--{what} is required");
    let manifest =
        Manifest::load(&manifest.ok_or_else(|| need("manifest"))?).map_err(|e| e.to_string())?;
    let spec = manifest
        .model(&name.ok_or_else(|| need("model"))?)
        .map_err(|e| e.to_string())?;
    let backend =
        backend::choose(choice.ok_or_else(|| need("backend"))?).map_err(|e| e.to_string())?;
    let model =
        LoadedModel::open(spec, &file.ok_or_else(|| need("file"))?).map_err(|e| e.to_string())?;
    let input = input.ok_or_else(|| need("input"))?;
    let text = std::fs::read_to_string(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let inputs: Vec<Vec<f32>> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", input.display()))?;
    let views: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
    let outputs = model.run(&views).map_err(|e| e.to_string())?;
    let outputs: Vec<serde_json::Value> = outputs
        .iter()
        .map(|t| serde_json::json!({"shape": t.shape, "values": t.values}))
        .collect();
    println!(
        "{}",
        serde_json::json!({"backend": backend.name(), "outputs": outputs})
    );
    Ok(())
}
