//! Ids a script gets from `g.add`: the last word of the kind, then `_2`, `_3` … the lowest number
//! free, also after a node is removed or an add fails (ids are made without searching the numbers
//! already taken, so this checks that what is remembered never hides a free number).

use std::sync::Arc;

use yano_scripting::{run, Limits, Sandbox};

fn ids(source: &str) -> Vec<String> {
    let registry = Arc::new(yano_nodes::registry());
    let sandbox = Sandbox {
        output: None,
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let result = run("ids.rhai", source, registry, sandbox, Vec::new()).expect("the script runs");
    result
        .into_array()
        .expect("the script returns its ids")
        .into_iter()
        .map(|d| d.into_string().unwrap())
        .collect()
}

#[test]
fn fresh_ids_take_the_lowest_free_number() {
    let got = ids(r#"
        let g = graph();
        let a = g.add("source.oscillator", #{});
        let b = g.add("source.oscillator", #{});
        let c = g.add("source.oscillator", #{});
        g.remove(b);
        let d = g.add("source.oscillator", #{});
        let e = g.add("source.oscillator", #{});
        // A refused add (freq_hz out of range) takes no number.
        try { g.add("source.oscillator", #{freq_hz: -5.0}); } catch {}
        let f = g.add("source.oscillator", #{});
        g.add_as("oscillator_6", "source.oscillator", #{});
        let h = g.add("source.oscillator", #{});
        g.remove(a);
        let i = g.add("source.oscillator", #{});
        [a, b, c, d, e, f, h, i]
        "#);
    assert_eq!(
        got,
        [
            "oscillator",
            "oscillator_2",
            "oscillator_3",
            "oscillator_2",
            "oscillator_4",
            "oscillator_5",
            "oscillator_7",
            "oscillator",
        ]
    );
}
