//! yano-registry: the full node registry, assembled in one place. The CLI, the editor's host,
//! scripts' hosts, the benchmarks, the fuzz targets and the tests all take their node kinds from
//! [`registry`], so a kind added to any crate below is seen by every app at once.
//!
//! It must never define a node kind itself or hold state: it only lists who registers what.

use yano_engine::Registry;

/// Every node kind: yano-nodes' sources, instruments, sequencers, effects, mixers and
/// utilities; the analyses (`analysis.*`); the model nodes (`model.*`, the separator among them); the composer's
/// `generate.arrangement`; and amapianorize's `amapianorize.warp` and `amapianorize.arrangement`.
pub fn registry() -> Registry {
    let mut r = yano_nodes::registry();
    yano_analysis::nodes::register(&mut r);
    yano_models::register(&mut r);
    yano_separate::node::register(&mut r);
    yano_generator::node::register(&mut r);
    yano_amapianorize::node::register(&mut r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_of_kinds_is_there() {
        let r = registry();
        let kinds: Vec<&str> = r.iter().map(|d| d.kind).collect();
        for kind in [
            "io.output",
            "instrument.log_drum",
            "model.transcribe",
            "model.separate",
            "generate.arrangement",
            "amapianorize.warp",
        ] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        assert!(
            kinds.iter().any(|k| k.starts_with("analysis.")),
            "{kinds:?}"
        );
    }
}
