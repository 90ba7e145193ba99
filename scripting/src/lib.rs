//! yano-scripting: Rhai scripts that build, automate and batch-render graphs.
//!
//! A script can do everything a preset can (nodes, wires, parameters, automation, sections) and
//! loop over it: render variations, stems, sweeps. Scripts are untrusted, like presets: they run
//! in a [`sandbox::Sandbox`] with limits on operations, call depth, string, array and map sizes
//! and wall time, may write only under the output folder the user gave and read only under
//! folders the user named, and have no network, no process spawning and no module imports. This
//! crate must never let a script reach the file system any other way, nor panic on a script.

mod amapianorize;
pub mod analysis;
pub mod api;
pub mod functions;
mod generate;
pub mod live;
pub mod midi;
pub mod music;
pub mod sandbox;
pub mod separate;
pub mod transcribe;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use rhai::{Dynamic, Engine, EvalAltResult, Scope};
use thiserror::Error;
use yano_engine::Registry;

pub use sandbox::{Limits, PathError, Sandbox};

/// A script that failed: which script, where, and why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{script}:{line}:{column}: {message}")]
pub struct ScriptError {
    pub script: String,
    /// 0 when the error has no place in the script (it could not be read).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The engine with the API and the sandbox's limits; `print` and `debug` go to stderr.
pub fn engine(registry: Arc<Registry>, sandbox: Sandbox, args: Vec<String>) -> Engine {
    engine_with_clock(registry, sandbox, args, Rc::new(Cell::new(Instant::now())))
}

/// The engine, with its wall-time limit counted from the instant in `clock` (which a caller
/// running many short calls resets before each).
pub fn engine_with_clock(
    registry: Arc<Registry>,
    sandbox: Sandbox,
    args: Vec<String>,
    clock: Rc<Cell<Instant>>,
) -> Engine {
    let limits = sandbox.limits.clone();
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_depth)
        .set_max_expr_depths(128, 64)
        .set_max_string_size(limits.max_string_bytes)
        .set_max_array_size(limits.max_array_items)
        .set_max_map_size(limits.max_map_items)
        .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new())
        .on_print(|s| eprintln!("{s}"))
        .on_debug(|s, source, pos| eprintln!("{}{pos:?}: {s}", source.unwrap_or("")));
    engine.disable_symbol("eval");
    let wall = limits.max_wall_time;
    engine.on_progress(move |ops| {
        (ops % 1024 == 0 && clock.get().elapsed() > wall).then(|| {
            Dynamic::from(format!(
                "the script ran longer than its limit of {} s",
                wall.as_secs()
            ))
        })
    });
    functions::register(
        &mut engine,
        Rc::new(api::Context {
            registry,
            sandbox,
            args,
        }),
    );
    engine
}

/// Explains the errors a sandbox limit raises in the words of the limit.
pub(crate) fn describe(error: &EvalAltResult, limits: &Limits) -> String {
    match error {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the script ran past its limit of {} operations (a loop that never ends?)",
            limits.max_operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "functions called each other more than {} deep (recursion that never ends?)",
            limits.max_call_depth
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "{what} grew past its limit (strings {} bytes, arrays {} items, maps {} items)",
            limits.max_string_bytes, limits.max_array_items, limits.max_map_items
        ),
        EvalAltResult::ErrorTerminated(why, _) => why.to_string(),
        EvalAltResult::ErrorInFunctionCall(name, _, inner, _) => {
            format!("in {name}: {}", describe(inner, limits))
        }
        EvalAltResult::ErrorRuntime(message, _) => message.to_string(),
        other => {
            // Rhai's own text ends with "(line L, position C)": the place goes in front instead.
            let text = other.to_string();
            match text.rfind(" (line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// The innermost position of an error (where in the script a failing call was made).
pub(crate) fn position(error: &EvalAltResult) -> (usize, usize) {
    let p = error.position();
    (p.line().unwrap_or(0), p.position().unwrap_or(0))
}

/// Runs a script's text; `name` is what errors call it.
pub fn run(
    name: &str,
    source: &str,
    registry: Arc<Registry>,
    sandbox: Sandbox,
    args: Vec<String>,
) -> Result<Dynamic, ScriptError> {
    let limits = sandbox.limits.clone();
    let engine = engine(registry, sandbox, args.clone());
    let error = |e: &EvalAltResult| {
        let (line, column) = position(e);
        ScriptError {
            script: name.to_string(),
            line,
            column,
            message: describe(e, &limits),
        }
    };
    let ast = engine.compile(source).map_err(|e| {
        let p = e.position();
        ScriptError {
            script: name.to_string(),
            line: p.line().unwrap_or(0),
            column: p.position().unwrap_or(0),
            message: e.err_type().to_string(),
        }
    })?;
    let mut scope = Scope::new();
    let list: rhai::Array = args.into_iter().map(Dynamic::from).collect();
    scope.push_constant("ARGS", list);
    engine
        .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
        .map_err(|e| error(&e))
}

/// Runs a script file with `args` (what followed `--` on the command line). `--out DIR` names
/// the folder it may write to and each `--read DIR` a folder it may read; the script's own
/// folder is readable too.
pub fn run_file(
    path: &Path,
    args: Vec<String>,
    registry: Arc<Registry>,
    limits: Limits,
) -> Result<Dynamic, ScriptError> {
    let name = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScriptError {
        script: name.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read the script: {e}"),
    })?;
    let value_of = |flag: &str| -> Vec<PathBuf> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| PathBuf::from(&w[1]))
            .collect()
    };
    let mut readable = value_of("--read");
    if let Some(dir) = path.parent() {
        readable.push(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        });
    }
    let sandbox = Sandbox {
        output: value_of("--out").into_iter().next(),
        readable,
        limits,
    };
    run(&name, &source, registry, sandbox, args)
}
