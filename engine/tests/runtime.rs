//! The real-time runtime driven as a sound card drives it. An integration test because it needs
//! the compiler to make a schedule, and the runtime module never calls the compiler.

use std::sync::Arc;

use yano_engine::{Compiler, Graph, Registry, Runtime, Transport};

#[test]
fn device_buffers_of_any_length_are_served_from_whole_blocks() {
    // An empty graph renders silence; what is checked is the bookkeeping: odd device buffer
    // sizes consume blocks of 128 frames exactly, and the playhead follows.
    let mut compiler = Compiler::new(Arc::new(Registry::new()), 128);
    let compiled = compiler.compile(&Graph::new(Transport::default())).unwrap();
    let (mut runtime, handle) = Runtime::new(compiled.schedule, Transport::default());
    let mut device = vec![1.0f32; 3 * 100];
    runtime.fill_interleaved(&mut device, 3);
    assert!(device.iter().all(|x| *x == 0.0));
    assert_eq!(runtime.position(), 128, "100 frames needed one block");
    runtime.fill_interleaved(&mut device, 3);
    assert_eq!(runtime.position(), 256, "200 frames needed two");
    assert_eq!(handle.position(), 256);
}
