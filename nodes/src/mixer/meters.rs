//! The mixing desk's meters, published as readouts for the editor: peak and RMS per channel
//! strip; peak, RMS and momentary loudness (ITU-R BS.1770 K-weighting over 400 ms) on the master.
//! RMS is smoothed over 300 ms.

use yano_engine::readout::Readouts;
use yano_engine::NodeConfig;

use super::MAX_CHANNELS;
use crate::fx::biquad::{Biquad, BiquadState};

/// The readout names of channels `1 2 …`, then the master's, spelled out when compiled.
macro_rules! meter_names {
    ($($i:literal)*) => {
        [
            $(concat!("ch", $i, "_peak_db"), concat!("ch", $i, "_rms_db"),)*
            "master_peak_db",
            "master_rms_db",
            "master_lufs_m",
        ]
    };
}

/// Readout names: ch1_peak_db, ch1_rms_db, … then the master's. The length ties the list to
/// [`MAX_CHANNELS`].
pub static METERS: [&str; 2 * MAX_CHANNELS + 3] =
    meter_names!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

fn db(x: f32) -> f32 {
    if x > 1e-10 {
        20.0 * x.log10()
    } else {
        -200.0
    }
}

/// The console's meters and their state.
pub(crate) struct Meters {
    readouts: Readouts,
    /// Smoothed mean squares (300 ms), channels then master.
    rms: [f32; MAX_CHANNELS + 1],
    rms_coeff: f32,
    /// The K-weighting stages' coefficients and each channel's memory of them.
    k_weighting: [Biquad; 2],
    k_state: [[BiquadState; 2]; 2],
    /// K-weighted mean square of each of the last 400 ms of blocks.
    loudness_ring: Box<[f64]>,
    ring_pos: usize,
}

impl Meters {
    /// Control thread: the meters of a console built with `config`, all memory allocated.
    pub(crate) fn new(config: &NodeConfig<'_>) -> Meters {
        let sr = f64::from(config.sample_rate);
        let blocks_400ms = ((0.4 * sr) / config.block_size as f64).round().max(1.0) as usize;
        Meters {
            readouts: config.readouts(&METERS),
            rms: [0.0; MAX_CHANNELS + 1],
            rms_coeff: (-(config.block_size as f64) / (0.3 * sr)).exp() as f32,
            k_weighting: Biquad::k_weighting(sr),
            k_state: Default::default(),
            loudness_ring: vec![0.0; blocks_400ms].into_boxed_slice(),
            ring_pos: 0,
        }
    }

    /// Audio thread: one block of channel strip `i` (0-based), as its peak and mean square.
    pub(crate) fn channel(&mut self, i: usize, peak: f32, mean_square: f32) {
        let Some(rms) = self.rms.get_mut(i) else {
            return;
        };
        *rms = self.rms_coeff * *rms + (1.0 - self.rms_coeff) * mean_square;
        let rms = *rms;
        self.readouts.set(2 * i, db(peak));
        self.readouts.set(2 * i + 1, 0.5 * db(rms));
    }

    /// Audio thread: one block of the master (after its fader and limiter).
    pub(crate) fn master(&mut self, out_l: &[f32], out_r: &[f32]) {
        let (mut peak, mut square, mut weighted) = (0f32, 0f32, 0f64);
        for (l, r) in out_l.iter().zip(out_r) {
            peak = peak.max(l.abs()).max(r.abs());
            square += 0.5 * (l * l + r * r);
            for (c, x) in [*l, *r].into_iter().enumerate() {
                let [shelf, high_pass] = &self.k_weighting;
                let [a, b] = &mut self.k_state[c];
                let k = b.tick(high_pass, a.tick(shelf, f64::from(x)));
                weighted += k * k;
            }
        }
        let frames = out_l.len().min(out_r.len()).max(1);
        let (mean_square, weighted) = (square / frames as f32, weighted / frames as f64);
        let m = MAX_CHANNELS;
        self.rms[m] = self.rms_coeff * self.rms[m] + (1.0 - self.rms_coeff) * mean_square;
        self.readouts.set(2 * m, db(peak));
        self.readouts.set(2 * m + 1, 0.5 * db(self.rms[m]));
        if let Some(slot) = self.loudness_ring.get_mut(self.ring_pos) {
            *slot = weighted;
        }
        self.ring_pos = (self.ring_pos + 1) % self.loudness_ring.len().max(1);
        let mean = self.loudness_ring.iter().sum::<f64>() / self.loudness_ring.len().max(1) as f64;
        let lufs = if mean > 1e-20 {
            -0.691 + 10.0 * mean.log10()
        } else {
            -200.0
        };
        self.readouts.set(2 * m + 2, lufs as f32);
    }

    /// Audio thread: forgets the signal (transport jumps).
    pub(crate) fn reset(&mut self) {
        self.rms = [0.0; MAX_CHANNELS + 1];
        self.loudness_ring.fill(0.0);
    }
}
