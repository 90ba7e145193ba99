//! Where sound leaves the graph.

pub mod output;
