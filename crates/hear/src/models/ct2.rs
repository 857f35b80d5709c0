//! Reading CTranslate2's `model.bin` (as faster-whisper models ship).
//!
//! Little-endian: `u32` version, the spec name, `u32` spec revision, `u32`
//! number of variables, then each variable (name, `u8` rank, `u32` dims,
//! `u8` dtype, `u32` byte count, data), then aliases. Strings are a `u16`
//! length (trailing NUL included) and the bytes.

use std::collections::BTreeMap;

/// Element types of CTranslate2 variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_code(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

/// One variable: its shape and raw little-endian data.
#[derive(Debug, Clone)]
pub struct Variable<'a> {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: &'a [u8],
}

impl Variable<'_> {
    /// The values as f32, whatever the stored float type.
    pub fn to_f32(&self) -> Result<Vec<f32>, String> {
        let d = self.data;
        Ok(match self.dtype {
            DType::F32 => d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            DType::F16 => d.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
            DType::BF16 => d.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
            other => return Err(format!("expected floating-point weights, found {other:?}")),
        })
    }

    /// A scalar integer (such as `encoder/num_heads`).
    pub fn to_int(&self) -> Result<i64, String> {
        let d = self.data;
        match (self.dtype, d.len()) {
            (DType::I8, 1) => Ok(i64::from(d[0] as i8)),
            (DType::I16, 2) => Ok(i64::from(i16::from_le_bytes([d[0], d[1]]))),
            (DType::I32, 4) => Ok(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))),
            _ => Err(format!("expected an integer scalar, found {:?} of {} bytes", self.dtype, d.len())),
        }
    }
}

/// A parsed model: the spec name and variables by name (aliases resolved).
#[derive(Debug)]
pub struct Model<'a> {
    pub spec: String,
    pub variables: BTreeMap<String, Variable<'a>>,
}

impl<'a> Model<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Model<'a>, String> {
        let mut r = Reader { bytes, at: 0 };
        let version = r.u32()?;
        if !(5..=6).contains(&version) {
            return Err(format!("unsupported CTranslate2 model version {version} (expected 5 or 6)"));
        }
        let spec = r.string()?;
        let _revision = r.u32()?;
        let count = r.u32()?;
        let mut variables = BTreeMap::new();
        for _ in 0..count {
            let name = r.string()?;
            let rank = r.u8()?;
            let shape = (0..rank).map(|_| r.u32().map(|d| d as usize)).collect::<Result<Vec<_>, _>>()?;
            let code = r.u8()?;
            let dtype = DType::from_code(code).ok_or_else(|| format!("variable {name}: unknown dtype {code}"))?;
            let size = r.u32()? as usize;
            let expected = shape.iter().product::<usize>() * dtype.size();
            if size != expected {
                return Err(format!("variable {name}: {size} bytes where its shape {shape:?} needs {expected}"));
            }
            let data = r.take(size)?;
            variables.insert(name, Variable { shape, dtype, data });
        }
        if r.at < bytes.len() {
            let aliases = r.u32()?;
            for _ in 0..aliases {
                let alias = r.string()?;
                let target = r.string()?;
                if let Some(v) = variables.get(&target).cloned() {
                    variables.insert(alias, v);
                }
            }
        }
        Ok(Model { spec, variables })
    }

    pub fn get(&self, name: &str) -> Result<&Variable<'a>, String> {
        self.variables.get(name).ok_or_else(|| format!("the model has no variable `{name}`"))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("the file ends early (at byte {}, wanted {n} more)", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let b = self.take(n)?;
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        String::from_utf8(b.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}
