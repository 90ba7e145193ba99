//! Where sound leaves the graph.

pub mod note_log;
pub mod output;
