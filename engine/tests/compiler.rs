//! The compiler's checks on graphs of the test kit's kinds alone (yano_testkit::nodes); the
//! compiler measured through renders of shipped nodes is in nodes/tests/compiler.rs.

use yano_engine::compiler::{CompileError, Compiler};
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::{Registry, Transport};
use yano_testkit::nodes::{with_test_kinds, PEAK};

#[test]
fn a_missing_required_input_is_named() {
    let r = with_test_kinds(Registry::new());
    let mut g = Graph::new(Transport::default());
    g.add_node(NodeSpec::new("peak", PEAK), &r).unwrap();
    let err = Compiler::new(r, 128).compile(&g).err().unwrap();
    assert!(
        matches!(&err, CompileError::MissingInput { node, port } if node == "peak" && port == "clip"),
        "{err}"
    );
}
