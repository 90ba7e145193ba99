//! Control nodes: nodes whose work happens on the control thread, never the audio thread.

pub mod script;
