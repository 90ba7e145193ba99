//! Test support shared by the node kinds' unit tests: yano's registry plus the test kit's
//! "test.*" kinds (yano_testkit::nodes), which the tests plug around the node they measure.

use std::sync::Arc;

use yano_engine::Registry;

/// Every kind this crate ships, plus the test kinds.
pub fn registry() -> Arc<Registry> {
    yano_testkit::nodes::with_test_kinds(crate::registry())
}
