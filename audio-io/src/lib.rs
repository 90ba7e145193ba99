//! yano-audio-io: reading audio files for every crate that needs them (the file player and the
//! sampler in the nodes, the analysis, the transcriber, the CLI): decoding WAV, FLAC, MP3 and
//! OGG/Vorbis through symphonia, refusing hostile headers before the decoder sees them, and
//! resampling with rubato. Every error names the file that failed.
//!
//! It sits below the nodes crate and must never depend on it, on the engine or on anything above;
//! it knows nothing of graphs, nodes or the audio thread. Decoding allocates and does I/O, so it
//! must never be called from an audio-thread processor.

pub mod decode;
