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
}

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
            Type::F16 => {
                let mut buf = Vec::with_capacity(values.len() * 2);
                values.iter().for_each(|v| buf.extend_from_slice(&half::f16::from_f32(*v).to_le_bytes()));
                self.out.write_all(&buf)
            }
        }
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
