//! Writes the editor benchmark's 500-node, 800-wire patch as a preset, for measuring frame times
//! in the real window: `cargo run --release -p yano-benches --example stress_preset -- out.ron`,
//! then `yano edit out.ron --frame-stats 300` (see README, Benchmarks).

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "stress-500.ron".into());
    let r = yano_benches::registry();
    let graph = yano_benches::editor_graph(25, 20, 800, &r);
    if let Err(e) = yano_engine::preset::save_preset(&graph, std::path::Path::new(&path)) {
        eprintln!("error: {path}: {e}");
        std::process::exit(1);
    }
    println!(
        "{path}: {} nodes, {} wires",
        graph.node_count(),
        graph.edge_count()
    );
}
