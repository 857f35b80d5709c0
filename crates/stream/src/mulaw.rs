//! G.711 μ-law, as telephony carries voice at 8 kHz: one byte per sample.

/// The 16-bit linear sample a μ-law byte stands for (ITU-T G.711).
pub fn decode(byte: u8) -> i16 {
    let u = !byte;
    let sign = u & 0x80;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

/// The μ-law byte nearest a 16-bit sample (for test clients and tools).
pub fn encode(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    let s = s.min(CLIP) + BIAS;
    let exponent = (0..8).rev().find(|e| s & (0x80 << e) != 0).unwrap_or(0);
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // G.711's table: 0xff and 0x7f are the two zeros; 0x00 and 0x80 the extremes.
        assert_eq!([decode(0xff), decode(0x7f), decode(0x00), decode(0x80)], [0, 0, -32124, 32124]);
        assert_eq!([decode(0xfe), decode(0xef), decode(0x6f)], [8, 132, -132]);
    }

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            let s = decode(b);
            // The two zeros encode to the positive one.
            let back = encode(s);
            assert!(back == b || (s == 0 && back == 0xff), "{b:#04x} → {s} → {back:#04x}");
        }
    }
}
