//! Live automation: the scripts of a graph's `control.script` nodes, run at bar lines on the
//! control thread. Each call gets the bar number and the graph (`fn on_bar(bar, g)`); what it
//! changes reaches the engine as parameter events at the bar's first sample, or as a new schedule
//! when it rewires the graph. A live script may read files beside its preset but write nothing,
//! and each call has a second of wall time.

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::{CallFnOptions, Dynamic, Engine, Scope, AST, INT};
use yano_engine::graph::descriptor_of;
use yano_engine::render::{render_with_hook, RenderOptions, Rendered};
use yano_engine::{Graph, Registry, Session};

use crate::api::ScriptGraph;
use crate::sandbox::{Limits, Sandbox};
use crate::ScriptError;

pub const KIND: &str = "control.script";

struct Controller {
    name: String,
    engine: Engine,
    clock: Rc<Cell<Instant>>,
    ast: AST,
    scope: Scope<'static>,
    function: String,
    every: u64,
    limits: Limits,
}

/// The running scripts of one graph, and the graph as the engine last saw it.
pub struct LiveScripts {
    controllers: Vec<Controller>,
    graph: ScriptGraph,
    sent: Graph,
    registry: Arc<Registry>,
}

fn text_param(graph: &Graph, node: &str, param: &str, default: &str) -> String {
    graph
        .node(node)
        .and_then(|n| n.params.get(param))
        .and_then(|v| v.as_text())
        .unwrap_or(default)
        .to_string()
}

impl LiveScripts {
    /// Loads the scripts of every `control.script` node; `None` when the graph has none.
    pub fn load(
        graph: &Graph,
        registry: Arc<Registry>,
    ) -> Result<Option<LiveScripts>, ScriptError> {
        let base = graph.base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let mut controllers = Vec::new();
        for (_, node) in graph.nodes().filter(|(_, n)| n.kind == KIND) {
            let file = text_param(graph, &node.id, "file", "");
            let name = format!("{} (node {})", file, node.id);
            let failed = |message: String| ScriptError {
                script: name.clone(),
                line: 0,
                column: 0,
                message,
            };
            let limits = Limits {
                max_wall_time: Duration::from_secs(1),
                ..Limits::default()
            };
            let sandbox = Sandbox {
                output: None,
                readable: vec![base.clone()],
                limits: limits.clone(),
            };
            let path = sandbox.readable(&file).map_err(|e| failed(e.to_string()))?;
            let source = std::fs::read_to_string(&path).map_err(|e| failed(e.to_string()))?;
            let clock = Rc::new(Cell::new(Instant::now()));
            let engine =
                crate::engine_with_clock(registry.clone(), sandbox, Vec::new(), clock.clone());
            let ast = engine.compile(&source).map_err(|e| ScriptError {
                script: name.clone(),
                line: e.position().line().unwrap_or(0),
                column: e.position().position().unwrap_or(0),
                message: e.err_type().to_string(),
            })?;
            let mut scope = Scope::new();
            engine
                .run_ast_with_scope(&mut scope, &ast)
                .map_err(|e| located(&name, &e, &limits))?;
            let every = graph
                .node(&node.id)
                .and_then(|n| n.params.get("every_bars"))
                .and_then(|v| v.as_number())
                .unwrap_or(1.0)
                .max(1.0) as u64;
            controllers.push(Controller {
                name,
                engine,
                clock,
                ast,
                scope,
                function: text_param(graph, &node.id, "function", "on_bar"),
                every,
                limits,
            });
        }
        if controllers.is_empty() {
            return Ok(None);
        }
        Ok(Some(LiveScripts {
            controllers,
            graph: ScriptGraph::new(graph.clone()),
            sent: graph.clone(),
            registry,
        }))
    }

    /// Runs the scripts due at bar `bar` (0 = the start) and sends their edits to `session`,
    /// parameter changes landing at sample `at`.
    pub fn at_bar(&mut self, session: &mut Session, bar: u64, at: u64) -> Result<(), ScriptError> {
        for c in self
            .controllers
            .iter_mut()
            .filter(|c| bar.is_multiple_of(c.every))
        {
            c.clock.set(Instant::now());
            let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
            let args = (
                Dynamic::from_int(bar as INT + 1),
                Dynamic::from(self.graph.clone()),
            );
            let _returned = c
                .engine
                .call_fn_with_options::<Dynamic>(options, &mut c.scope, &c.ast, &c.function, args)
                .map_err(|e| located(&c.name, &e, &c.limits))?;
        }
        let now = self.graph.0.borrow().clone();
        let error = |message: String| ScriptError {
            script: "live scripts".into(),
            line: 0,
            column: 0,
            message: format!("bar {}: {message}", bar + 1),
        };
        if structure_changed(&self.sent, &now) {
            session
                .replace_graph(now.clone())
                .map_err(|e| error(e.to_string()))?;
        } else {
            for (node, param, value) in param_changes(&self.sent, &now, &self.registry) {
                session
                    .set_param(&node, &param, value, at)
                    .map_err(|e| error(e.to_string()))?;
            }
        }
        self.sent = now;
        Ok(())
    }
}

fn located(name: &str, e: &rhai::EvalAltResult, limits: &Limits) -> ScriptError {
    let (line, column) = crate::position(e);
    ScriptError {
        script: name.to_string(),
        line,
        column,
        message: crate::describe(e, limits),
    }
}

/// Nodes, wires, tempo or automation differ: only a new schedule carries that.
fn structure_changed(a: &Graph, b: &Graph) -> bool {
    let ids = |g: &Graph| {
        let mut v: Vec<(String, String)> = g
            .nodes()
            .map(|(_, n)| (n.id.clone(), n.kind.clone()))
            .collect();
        v.sort();
        v
    };
    let wires = |g: &Graph| {
        let mut v: Vec<String> = g
            .edges()
            .map(|(x, y, e)| {
                format!(
                    "{}.{}>{}.{}",
                    g.spec(x).id,
                    e.from_port,
                    g.spec(y).id,
                    e.to_port
                )
            })
            .collect();
        v.sort();
        v
    };
    ids(a) != ids(b)
        || wires(a) != wires(b)
        || a.transport != b.transport
        || a.automation() != b.automation()
}

/// (node, param, new value) for every parameter that differs; a value that was removed comes
/// back as the kind's default.
fn param_changes(
    a: &Graph,
    b: &Graph,
    registry: &Registry,
) -> Vec<(String, String, yano_engine::ParamValue)> {
    let mut changes = Vec::new();
    for (_, after) in b.nodes() {
        let Some(before) = a.node(&after.id) else {
            continue;
        };
        if before.params == after.params {
            continue;
        }
        let Ok(d) = descriptor_of(after, registry) else {
            continue;
        };
        for p in &d.params {
            let (x, y) = (
                before.params.get(p.id.as_ref()),
                after.params.get(p.id.as_ref()),
            );
            if x != y {
                let value = y.cloned().unwrap_or_else(|| p.default_value());
                changes.push((after.id.clone(), p.id.to_string(), value));
            }
        }
    }
    changes
}

/// Renders `graph` offline with its live scripts (if any) called at every bar line.
pub fn render(
    graph: &Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
    progress: impl FnMut(f64) -> bool,
) -> Result<Rendered, String> {
    let mut live = LiveScripts::load(graph, registry.clone()).map_err(|e| e.to_string())?;
    render_with_hook(
        graph,
        registry,
        options,
        progress,
        |session, bar, at| match &mut live {
            Some(l) => l.at_bar(session, bar, at).map_err(|e| e.to_string()),
            None => Ok(()),
        },
    )
    .map_err(|e| e.to_string())
}
