//! Readouts: numbers a processor publishes for the control thread to read (meters: peak, RMS,
//! loudness; gain reduction; a sequencer's current step). The audio thread stores them with
//! relaxed atomic writes; nothing allocates or locks on its side.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// A node's published numbers, by name.
#[derive(Debug, Clone)]
pub struct Readouts {
    names: &'static [&'static str],
    values: Arc<[AtomicU32]>,
}

impl Readouts {
    /// Control thread: room for one value per name, all starting at 0.
    pub fn new(names: &'static [&'static str]) -> Self {
        Readouts {
            names,
            values: names.iter().map(|_| AtomicU32::new(0)).collect(),
        }
    }

    /// Audio thread: publishes value `index` (ignored when out of range).
    #[inline]
    pub fn set(&self, index: usize, value: f32) {
        if let Some(v) = self.values.get(index) {
            v.store(value.to_bits(), Ordering::Relaxed);
        }
    }

    /// Any thread: the latest value of `index`.
    pub fn get(&self, index: usize) -> f32 {
        self.values
            .get(index)
            .map_or(0.0, |v| f32::from_bits(v.load(Ordering::Relaxed)))
    }

    /// Any thread: the latest value called `name`.
    pub fn by_name(&self, name: &str) -> Option<f32> {
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|i| self.get(i))
    }

    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }
}

/// A note a logging node heard: where (absolute sample), which, how hard (0 = note off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoggedNote {
    pub at: u64,
    pub note: u8,
    pub velocity: f32,
    /// A press's syllable ([`crate::Syllable::NONE`] for a release or an unsung note).
    pub syllable: crate::Syllable,
}

/// The audio thread's end of a note log: pushing never allocates, locks or blocks; a full log
/// drops the note.
pub type NoteLogWriter = rtrb::Producer<LoggedNote>;

/// All readouts of a session, by node id; a node keeps its readouts across recompiles. Also the
/// control thread's ends of the note logs of nodes that record notes (MIDI export).
#[derive(Default)]
pub struct ReadoutBoard {
    nodes: Mutex<HashMap<String, Readouts>>,
    /// Every log a node was given: a recompile builds a new processor (and log) while the
    /// running one, which keeps its state, may go on writing into the old one.
    logs: Mutex<HashMap<String, Vec<rtrb::Consumer<LoggedNote>>>>,
}

impl std::fmt::Debug for ReadoutBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadoutBoard").finish_non_exhaustive()
    }
}

impl ReadoutBoard {
    /// Control thread: the readouts of `node`, made on first use.
    pub fn for_node(&self, node: &str, names: &'static [&'static str]) -> Readouts {
        let mut map = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(node) {
            Some(r) if r.names == names => r.clone(),
            _ => {
                let r = Readouts::new(names);
                map.insert(node.to_string(), r.clone());
                r
            }
        }
    }

    /// Control thread: a fresh note log for `node` holding up to `capacity` notes between drains;
    /// the board keeps the reading end beside any older ones of the same node.
    pub fn note_log(&self, node: &str, capacity: usize) -> NoteLogWriter {
        let (writer, reader) = rtrb::RingBuffer::new(capacity);
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node.to_string())
            .or_default()
            .push(reader);
        writer
    }

    /// Control thread: the notes `node` logged since the last call, oldest first. Logs whose
    /// writer is gone are dropped once read.
    pub fn drain_notes(&self, node: &str) -> Vec<LoggedNote> {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let Some(readers) = logs.get_mut(node) else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        for reader in readers.iter_mut() {
            while let Ok(n) = reader.pop() {
                notes.push(n);
            }
        }
        readers.retain(|r| !r.is_abandoned());
        notes.sort_by_key(|n| n.at);
        notes
    }

    /// Control thread: the readouts of `node`, if it publishes any.
    pub fn get(&self, node: &str) -> Option<Readouts> {
        self.nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .cloned()
    }
}
