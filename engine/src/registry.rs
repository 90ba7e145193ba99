//! The registry: kind name → descriptor. Apps build one from the engine's bridges plus every
//! crate's `register` function.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::node::NodeDescriptor;

#[derive(Debug, Error, PartialEq)]
pub enum RegistryError {
    #[error("node kind \"{0}\" is registered twice")]
    Duplicate(&'static str),
    #[error("node kind \"{0}\" must be \"family.name\" in lower case")]
    BadName(&'static str),
}

/// All node kinds an app knows.
#[derive(Clone)]
pub struct Registry {
    kinds: BTreeMap<&'static str, NodeDescriptor>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry holding the engine's own kinds: the partition bridges.
    pub fn new() -> Self {
        let mut r = Registry {
            kinds: BTreeMap::new(),
        };
        for d in crate::bridge::descriptors() {
            r.register(d)
                .expect("bridge kinds are well-formed and registered once");
        }
        r
    }

    pub fn register(&mut self, descriptor: NodeDescriptor) -> Result<(), RegistryError> {
        let k = descriptor.kind;
        let well_formed = k.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        });
        if !well_formed {
            return Err(RegistryError::BadName(k));
        }
        if self.kinds.contains_key(k) {
            return Err(RegistryError::Duplicate(k));
        }
        self.kinds.insert(k, descriptor);
        Ok(())
    }

    pub fn get(&self, kind: &str) -> Option<&NodeDescriptor> {
        self.kinds.get(kind)
    }

    /// Every kind, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &NodeDescriptor> {
        self.kinds.values()
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}
