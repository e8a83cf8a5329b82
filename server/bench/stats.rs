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

    /// The distribution of `a + b` when the two move together (the i-th smallest of one with
    /// the i-th smallest of the other): each quantile of the result is the sum of the two
    /// quantiles. Used for a floor made of two steps measured apart (a commit and a round trip).
    pub fn comonotonic_sum(a: &mut Samples, b: &mut Samples) -> Samples {
        a.sort();
        b.sort();
        let n = a.us.len().min(b.us.len());
        let us = (0..n)
            .map(|i| a.us[i * a.us.len() / n] + b.us[i * b.us.len() / n])
            .collect();
        Samples { us, sorted: true }
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

    #[test]
    fn a_comonotonic_sum_adds_quantiles() {
        let mut a = Samples::default();
        let mut b = Samples::default();
        for v in 1..=100u64 {
            a.push_us((101 - v) * 1000);
            b.push_us(v * 100);
        }
        let mut sum = Samples::comonotonic_sum(&mut a, &mut b);
        assert_eq!(sum.len(), 100);
        assert_eq!(
            sum.quantile_ms(0.5),
            a.quantile_ms(0.5) + b.quantile_ms(0.5)
        );
        assert_eq!(
            sum.quantile_ms(0.99),
            a.quantile_ms(0.99) + b.quantile_ms(0.99)
        );
        assert_eq!(sum.max_ms(), 100.0 + 10.0);
    }
}
