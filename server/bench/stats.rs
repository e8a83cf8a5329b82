//! Latency samples and the percentiles the report prints.

use std::time::Duration;

/// Latency samples in microseconds.
#[derive(Default, Clone)]
pub struct Samples {
    us: Vec<u64>,
    sorted: bool,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Samples {
        Samples {
            us: Vec::with_capacity(n),
            sorted: false,
        }
    }

    pub fn push(&mut self, d: Duration) {
        self.us.push(d.as_micros() as u64);
        self.sorted = false;
    }

    pub fn push_us(&mut self, us: u64) {
        self.us.push(us);
        self.sorted = false;
    }

    pub fn extend(&mut self, other: Samples) {
        self.us.extend(other.us);
        self.sorted = false;
    }

    pub fn len(&self) -> usize {
        self.us.len()
    }

    fn sort(&mut self) {
        if !self.sorted {
            self.us.sort_unstable();
            self.sorted = true;
        }
    }

    /// The q-quantile (0..=1) in milliseconds, nearest-rank; NaN when empty.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        self.sort();
        if self.us.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * self.us.len() as f64).ceil() as usize).clamp(1, self.us.len());
        self.us[rank - 1] as f64 / 1000.0
    }

    pub fn max_ms(&mut self) -> f64 {
        self.sort();
        self.us
            .last()
            .map(|&v| v as f64 / 1000.0)
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut s = Samples::default();
        for v in 1..=1000u64 {
            s.push_us(v * 1000);
        }
        assert_eq!(s.quantile_ms(0.5), 500.0);
        assert_eq!(s.quantile_ms(0.99), 990.0);
        assert_eq!(s.quantile_ms(0.999), 999.0);
        assert_eq!(s.max_ms(), 1000.0);
    }
}
