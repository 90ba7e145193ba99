//! The stems yano separates a mix into, and which of a generated track's mixer channels feed each.

/// The separator's stems, in the order of the model's output.
pub const STEMS: [&str; 7] = [
    "vocals",
    "piano",
    "log_drum",
    "bass",
    "drums",
    "percussion",
    "other",
];

/// The stem that receives what no other stem takes, so the stems always sum to the mix.
pub const REST: &str = "other";

/// Index of a stem in [`STEMS`].
pub fn index(stem: &str) -> Option<usize> {
    STEMS.iter().position(|s| *s == stem)
}

/// The stem a generated track's mixer channel belongs to: keys are the piano stem, pads and the
/// riser (the fx channel) are "other".
pub fn stem_of_channel(channel: &str) -> &'static str {
    match channel {
        "vocals" => "vocals",
        "keys" => "piano",
        "log_drum" => "log_drum",
        "bass" => "bass",
        "drums" => "drums",
        "percussion" => "percussion",
        _ => "other",
    }
}
