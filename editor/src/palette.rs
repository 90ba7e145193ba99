//! The node palette's search: a few letters of a kind ("rev", "log") or words of its description
//! ("low pass") find the node kinds to add, best first.

use yano_engine::{NodeDescriptor, Registry};

/// Kinds the editor never offers (test doubles registered by tests).
fn offered(d: &NodeDescriptor) -> bool {
    !d.kind.starts_with("test.")
}

/// How well `query` names `d`: lower is better, `None` is no match.
fn rank(d: &NodeDescriptor, query: &str) -> Option<u8> {
    let kind = d.kind.to_lowercase();
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Some(3);
    }
    let short = kind.rsplit('.').next().unwrap_or(&kind);
    let joined = words.join(" ");
    if short.starts_with(&joined) || kind.starts_with(&joined) {
        return Some(0);
    }
    if words.iter().all(|w| kind.contains(w.as_str())) {
        return Some(1);
    }
    let description = d.description.to_lowercase();
    words
        .iter()
        .all(|w| kind.contains(w.as_str()) || description.contains(w.as_str()))
        .then_some(2)
}

/// The kinds matching `query`, best first, then alphabetically.
pub fn search<'r>(registry: &'r Registry, query: &str) -> Vec<&'r NodeDescriptor> {
    let mut found: Vec<(u8, &NodeDescriptor)> = registry
        .iter()
        .filter(|d| offered(d))
        .filter_map(|d| rank(d, query).map(|r| (r, d)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.kind.cmp(b.1.kind)));
    found.into_iter().map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_of_a_kind_find_it_first() {
        let registry = yano_nodes::registry();
        let found = search(&registry, "rev");
        assert_eq!(found.first().map(|d| d.kind), Some("fx.reverb"));
        let found = search(&registry, "log");
        assert_eq!(found.first().map(|d| d.kind), Some("instrument.log_drum"));
    }

    #[test]
    fn words_of_a_description_find_kinds() {
        let registry = yano_nodes::registry();
        let kinds: Vec<&str> = search(&registry, "piano roll")
            .iter()
            .map(|d| d.kind)
            .collect();
        assert!(kinds.contains(&"sequence.clip"), "{kinds:?}");
        assert!(search(&registry, "zzzz nothing").is_empty());
        assert_eq!(
            search(&registry, "").len(),
            registry.iter().filter(|d| offered(d)).count()
        );
    }
}
