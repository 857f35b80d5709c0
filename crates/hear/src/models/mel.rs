//! The mel filterbank Whisper was trained with: librosa's
//! `filters.mel(sr=16000, n_fft=400, n_mels=N)`, Slaney mel scale and
//! Slaney area normalisation. whisper.cpp reads it from the model file.

pub const SAMPLE_RATE: f64 = 16_000.0;
pub const N_FFT: usize = 400;

fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel, logstep) = (1000.0, 1000.0 / f_sp, (6.4f64).ln() / 27.0);
    if f >= min_log_hz { min_log_mel + (f / min_log_hz).ln() / logstep } else { f / f_sp }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel, logstep) = (1000.0, 1000.0 / f_sp, (6.4f64).ln() / 27.0);
    if m >= min_log_mel { min_log_hz * (logstep * (m - min_log_mel)).exp() } else { f_sp * m }
}

/// `n_mels` rows of `N_FFT / 2 + 1` weights, row-major.
pub fn filters(n_mels: usize) -> Vec<f32> {
    let n_bins = N_FFT / 2 + 1;
    let fft_freqs: Vec<f64> = (0..n_bins).map(|i| i as f64 * SAMPLE_RATE / N_FFT as f64).collect();
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2.0));
    let mel_f: Vec<f64> = (0..n_mels + 2).map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64)).collect();
    let mut out = Vec::with_capacity(n_mels * n_bins);
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for &f in &fft_freqs {
            let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
            let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
            out.push((lower.min(upper).max(0.0) * enorm) as f32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_librosa() {
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80), computed with
        // numpy: a few values and the sum.
        let f = super::filters(80);
        assert_eq!(f.len(), 80 * 201);
        let at = |m: usize, b: usize| f[m * 201 + b];
        assert!((at(0, 1) - 0.024_862_595).abs() < 1e-7, "{}", at(0, 1));
        assert!((at(1, 2) - 0.022_871_772).abs() < 1e-7, "{}", at(1, 2));
        assert!((at(79, 199) - 0.000_448_759).abs() < 1e-8, "{}", at(79, 199));
        assert!((f.iter().sum::<f32>() - 1.999_024_2).abs() < 1e-4);
        assert_eq!(at(0, 0), 0.0);
        // Each filter is a triangle: non-zero on a contiguous run of bins.
        for m in 0..80 {
            let nz: Vec<usize> = (0..201).filter(|&b| at(m, b) > 0.0).collect();
            assert!(!nz.is_empty() && nz.windows(2).all(|w| w[1] == w[0] + 1), "filter {m}");
        }
    }
}
