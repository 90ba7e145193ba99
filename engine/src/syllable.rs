//! The syllable a note is sung on ("ah", "yeah", "ngi"): lyric text small enough to travel with a
//! note event through the audio thread. A fixed array, so it is `Copy` and never allocates.

use std::fmt;

use thiserror::Error;

/// The longest syllable a note carries, in letters.
pub const MAX_SYLLABLE_LETTERS: usize = 8;

/// Why a text is not a syllable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyllableError {
    #[error("the syllable \"{0}\" is longer than {MAX_SYLLABLE_LETTERS} letters")]
    TooLong(String),
    #[error("the syllable \"{text}\" has '{letter}': write ASCII letters (and ' or -) only")]
    Letter { text: String, letter: char },
}

/// Lower-case ASCII letters, `'` and `-`, at most [`MAX_SYLLABLE_LETTERS`]; empty means "none"
/// (an instrument that sings picks its own vowel).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Syllable([u8; MAX_SYLLABLE_LETTERS]);

impl Syllable {
    /// No syllable.
    pub const NONE: Syllable = Syllable([0; MAX_SYLLABLE_LETTERS]);

    /// Reads a syllable, lower-casing it; the error names the text and what is wrong with it.
    pub fn new(text: &str) -> Result<Syllable, SyllableError> {
        let text = text.trim();
        let mut bytes = [0u8; MAX_SYLLABLE_LETTERS];
        if text.len() > MAX_SYLLABLE_LETTERS {
            return Err(SyllableError::TooLong(text.to_string()));
        }
        for (slot, c) in bytes.iter_mut().zip(text.chars()) {
            if !(c.is_ascii_alphabetic() || c == '\'' || c == '-') {
                return Err(SyllableError::Letter {
                    text: text.to_string(),
                    letter: c,
                });
            }
            *slot = c.to_ascii_lowercase() as u8;
        }
        Ok(Syllable(bytes))
    }

    /// The letters (audio thread safe: a view, no allocation).
    pub fn as_str(&self) -> &str {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.0[..len]).unwrap_or("")
    }

    /// The letters as bytes.
    pub fn letters(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    pub fn is_none(&self) -> bool {
        self.0[0] == 0
    }

    /// `None` for no syllable.
    pub fn as_option(&self) -> Option<&str> {
        (!self.is_none()).then(|| self.as_str())
    }
}

impl fmt::Debug for Syllable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Syllable({:?})", self.as_str())
    }
}

impl fmt::Display for Syllable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Syllable {
    type Err = SyllableError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Syllable::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_read_lower_case_letters_and_name_what_is_wrong() {
        assert_eq!(Syllable::new("Yeah").unwrap().as_str(), "yeah");
        assert_eq!(Syllable::new("ngi").unwrap().letters(), b"ngi");
        assert!(Syllable::new("").unwrap().is_none());
        assert_eq!(Syllable::new("").unwrap(), Syllable::NONE);
        assert_eq!(Syllable::new("haai'").unwrap().as_option(), Some("haai'"));
        let long = Syllable::new("ngiyabonga").unwrap_err().to_string();
        assert!(long.contains("ngiyabonga") && long.contains('8'), "{long}");
        let bad = Syllable::new("ah!").unwrap_err().to_string();
        assert!(bad.contains("'!'"), "{bad}");
        assert!(Syllable::new("é").is_err());
    }
}
