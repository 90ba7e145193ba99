//! The API reference in scripting/README.md names every function the API registers.

#[test]
fn every_registered_function_is_in_the_readme() {
    let api = include_str!("../src/functions.rs");
    let readme = include_str!("../README.md");
    let mut names: Vec<&str> = Vec::new();
    for marker in ["register_fn(", "register_get_set("] {
        let mut rest = api;
        while let Some(i) = rest.find(marker) {
            rest = rest[i + marker.len()..].trim_start();
            let Some(quoted) = rest.strip_prefix('"') else {
                continue;
            };
            let end = quoted.find('"').unwrap();
            names.push(&quoted[..end]);
        }
    }
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 25, "found only {names:?}");
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| !readme.contains(&format!("`{n}(")) && !readme.contains(&format!("`g.{n}")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in scripting/README.md: {missing:?}"
    );
}
