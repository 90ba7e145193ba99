//! The mixing desk, kind `mixer.console`: the console node, its channel strips and return buses,
//! its master bus compressor, its meters, its stem outputs, and the stems rendered from them.

pub mod bus_compressor;
pub mod console;
mod master;
pub mod meters;
mod stem_outs;
pub mod stems;
pub mod strips;

/// Channel strips on one console (inputs `ch_1` … `ch_16`); the meters have a pair per strip.
pub const MAX_CHANNELS: usize = 16;

/// Return buses on one console (inputs `ret_1` … `ret_4`); every strip has a send to each.
pub const MAX_RETURNS: usize = 4;
