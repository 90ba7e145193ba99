//! How the report rounds its figures: times to the millisecond, levels to a hundredth of a dB.
//! Below both the report and the markers, so neither reaches into the other for it.

/// Rounds to `places` decimals.
pub(crate) fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

#[cfg(test)]
mod tests {
    #[test]
    fn rounds_half_away_from_zero_at_the_place_asked() {
        assert_eq!(super::round(1.23456, 3), 1.235);
        assert_eq!(super::round(-0.125, 2), -0.13);
        assert_eq!(super::round(111.0004, 3), 111.0);
    }
}
