//! The sandbox: each way a shared script could run away or reach outside its folders is refused
//! with its own error, which names the script, line and column.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use yano_scripting::{run, Limits, Sandbox, ScriptError};

fn scratch(name: &str) -> PathBuf {
    yano_testkit::scratch("sandbox-tests", name)
}

fn sandbox(out: Option<PathBuf>, read: Vec<PathBuf>) -> Sandbox {
    Sandbox {
        output: out,
        readable: read,
        limits: Limits::default(),
    }
}

fn fails(source: &str, sandbox: Sandbox) -> ScriptError {
    let registry = Arc::new(yano_nodes::registry());
    match run("test.rhai", source, registry, sandbox, Vec::new()) {
        Ok(v) => panic!("the script was not refused; it returned {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn an_endless_loop_stops_with_an_operations_error_quickly() {
    let started = Instant::now();
    let e = fails("let x = 0;\nloop { x += 1; }", sandbox(None, vec![]));
    assert!(
        e.message.contains("operations") && e.message.contains("never ends"),
        "{e}"
    );
    assert_eq!(e.line, 2, "{e}");
    assert!(e.to_string().starts_with("test.rhai:2:"), "{e}");
    eprintln!("endless loop stopped after {:?}", started.elapsed());
}

#[test]
fn runaway_recursion_is_refused() {
    let e = fails(
        "fn down(n) { down(n + 1) }\ndown(0);",
        sandbox(None, vec![]),
    );
    assert!(e.message.contains("recursion"), "{e}");
}

#[test]
fn a_string_that_doubles_forever_hits_its_size_limit() {
    let e = fails(
        "let s = \"amapiano\";\nwhile true { s += s; }",
        sandbox(None, vec![]),
    );
    assert!(e.message.contains("grew past its limit"), "{e}");
}

#[test]
fn wall_time_is_limited_too() {
    let mut s = sandbox(None, vec![]);
    s.limits = Limits {
        max_operations: u64::MAX / 2,
        max_wall_time: Duration::from_millis(200),
        ..Limits::default()
    };
    let e = fails("loop { }", s);
    assert!(e.message.contains("longer than its limit"), "{e}");
}

#[test]
fn writing_needs_an_output_folder() {
    let e = fails("graph().save(\"x.ron\");", sandbox(None, vec![]));
    assert!(e.message.contains("--out"), "{e}");
}

#[test]
fn dot_dot_may_not_leave_the_output_folder() {
    let out = scratch("dotdot");
    let e = fails(
        "let g = graph();\ng.save(\"sub/../../escaped.ron\");",
        sandbox(Some(out.join("out")), vec![]),
    );
    assert!(e.message.contains("\"..\" may not leave"), "{e}");
    assert_eq!((e.line, e.column), (2, 3), "{e}");
    assert!(!out.join("escaped.ron").exists());
}

#[test]
fn absolute_paths_are_refused() {
    let out = scratch("absolute");
    let target = out.join("abs.ron");
    let e = fails(
        &format!("graph().save(\"{}\");", target.display()),
        sandbox(Some(out.join("out")), vec![]),
    );
    assert!(e.message.contains("absolute paths are not allowed"), "{e}");
    assert!(!target.exists());
}

#[test]
fn a_symlink_out_of_the_output_folder_is_refused() {
    let base = scratch("symlink");
    let (out, outside) = (base.join("out"), base.join("outside"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("link")).unwrap();
    let e = fails("graph().save(\"link/x.ron\");", sandbox(Some(out), vec![]));
    assert!(e.message.contains("leads through a link"), "{e}");
    assert!(!outside.join("x.ron").exists());
}

#[test]
fn reading_is_limited_to_named_folders() {
    let base = scratch("read");
    std::fs::write(base.join("secret.ron"), "(version: 1)").unwrap();
    let e = fails(
        "load(\"secret.ron\");",
        sandbox(None, vec![base.join("presets")]),
    );
    assert!(
        e.message
            .contains("not under any folder this script may read"),
        "{e}"
    );
    let e = fails(
        "load(\"../secret.ron\");",
        sandbox(None, vec![base.join("presets")]),
    );
    assert!(e.message.contains("may not leave"), "{e}");
}

#[test]
fn a_preset_whose_audio_file_lies_outside_is_refused_at_load() {
    let base = scratch("audio");
    let presets = base.join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    std::fs::write(
        presets.join("sneaky.ron"),
        "(version: 1, transport: (bpm: 113.0, sample_rate: 48000, swing: 0.5), nodes: [(id: \"f\", kind: \"source.file\", params: {\"file\": \"../../../etc/passwd\"})], edges: [])",
    )
    .unwrap();
    let e = fails("load(\"sneaky.ron\");", sandbox(None, vec![presets]));
    assert!(
        e.message.contains("sneaky.ron") && e.message.contains("may not leave"),
        "{e}"
    );
}

#[test]
fn no_eval_no_imports() {
    let e = fails("eval(\"1 + 1\")", sandbox(None, vec![]));
    assert!(e.message.to_lowercase().contains("eval"), "{e}");
    let e = fails("import \"os\" as os;", sandbox(None, vec![]));
    assert!(e.message.to_lowercase().contains("module"), "{e}");
}

#[test]
fn api_errors_name_the_node_and_the_place() {
    let src = "let g = graph();\nlet o = g.add(\"source.oscillator\");\n  g.set(o, \"freq_hz\", 99999.0);";
    let e = fails(src, sandbox(None, vec![]));
    assert_eq!(e.line, 3, "{e}");
    assert!(
        e.message.contains("oscillator") && e.message.contains("freq_hz"),
        "{e}"
    );
    let e = fails(
        "let g = graph();\ng.add(\"no.such\");",
        sandbox(None, vec![]),
    );
    assert!(e.message.contains("no.such"), "{e}");
    let e = fails("let x = ;", sandbox(None, vec![]));
    assert_eq!(e.line, 1, "a syntax error has a place too: {e}");
}
