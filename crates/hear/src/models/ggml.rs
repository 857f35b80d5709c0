//! Writing ggml model files as whisper.cpp reads them: little-endian `i32`
//! header fields, then tensors (`n_dims`, name length, type, dims innermost
//! first, name, data).

use std::io::{self, Write};

/// ggml's file magic, `ggml` as an `i32`.
pub const MAGIC: i32 = 0x6767_6d6c;

/// Element type of a tensor in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    F32 = 0,
    F16 = 1,
    /// Blocks of 32 values: an f16 scale and 32 signed bytes.
    Q8_0 = 8,
    /// f32's upper half (rounded to nearest, ties to even).
    BF16 = 30,
}

/// Values per quantisation block.
pub const QK8_0: usize = 32;

pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer { out }
    }

    pub fn i32(&mut self, v: i32) -> io::Result<()> {
        self.out.write_all(&v.to_le_bytes())
    }

    pub fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)
    }

    pub fn f32s(&mut self, values: &[f32]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(values.len() * 4);
        values.iter().for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
        self.out.write_all(&buf)
    }

    /// Writes one tensor; `shape` is outermost first (as PyTorch prints it).
    pub fn tensor(&mut self, name: &str, shape: &[usize], ty: Type, values: &[f32]) -> io::Result<()> {
        debug_assert_eq!(shape.iter().product::<usize>(), values.len(), "{name}");
        self.i32(shape.len() as i32)?;
        self.i32(name.len() as i32)?;
        self.i32(ty as i32)?;
        for &d in shape.iter().rev() {
            self.i32(d as i32)?;
        }
        self.bytes(name.as_bytes())?;
        match ty {
            Type::F32 => self.f32s(values),
            Type::F16 => self.halves(values, |v| half::f16::from_f32(v).to_le_bytes()),
            Type::BF16 => self.halves(values, |v| half::bf16::from_f32(v).to_le_bytes()),
            Type::Q8_0 => self.out.write_all(&quantize_q8_0(values)),
        }
    }

    fn halves(&mut self, values: &[f32], half: impl Fn(f32) -> [u8; 2]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(values.len() * 2);
        values.iter().for_each(|&v| buf.extend_from_slice(&half(v)));
        self.out.write_all(&buf)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// ggml's reference Q8_0 quantisation: per block of 32, the scale is the
/// largest magnitude over 127 and each value is rounded to a multiple of it.
pub fn quantize_q8_0(values: &[f32]) -> Vec<u8> {
    assert_eq!(values.len() % QK8_0, 0, "Q8_0 needs rows of whole blocks");
    let mut out = Vec::with_capacity(values.len() / QK8_0 * (2 + QK8_0));
    for block in values.chunks_exact(QK8_0) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Type, Writer};

    #[test]
    fn a_bf16_tensor_is_each_values_upper_half_rounded_to_even() {
        // (value, its bf16 bits)
        let cases: &[(f32, u16)] = &[
            (1.0, 0x3f80),
            (-2.5, 0xc020),
            (1.0 + 1.0 / 256.0, 0x3f80), // half-way: down to the even one
            (1.0 + 3.0 / 256.0, 0x3f82), // half-way: up to the even one
            (1.005, 0x3f81),
            (0.0, 0x0000),
        ];
        let values: Vec<f32> = cases.iter().map(|c| c.0).collect();
        let mut w = Writer::new(Vec::new());
        w.tensor("t", &[values.len()], Type::BF16, &values).unwrap();
        let bytes = w.finish().unwrap();
        // n_dims, name length, type, one dim, the name.
        assert_eq!(bytes[8..12], 30i32.to_le_bytes());
        let data = &bytes[17..];
        let got: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(got, cases.iter().map(|c| c.1).collect::<Vec<_>>());
    }

    #[test]
    fn q8_0_blocks() {
        let mut values: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).collect();
        values[5] = 127.0;
        let q = super::quantize_q8_0(&values);
        assert_eq!(q.len(), 34);
        assert_eq!(half::f16::from_le_bytes([q[0], q[1]]).to_f32(), 1.0);
        assert_eq!(q[2] as i8, -16);
        assert_eq!(q[2 + 5] as i8, 127);
        assert_eq!(super::quantize_q8_0(&[0.0; 32])[2..], [0u8; 32]);
    }
}
